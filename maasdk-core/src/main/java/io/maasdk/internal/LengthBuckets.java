package io.maasdk.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Splits a batch of variable-length inputs into groups of similar length, so that a translator that
 * pads every input to the longest in its call pads little. A pure function of the lengths: no
 * state, thread-safe.
 *
 * <p>The cost of a group run as one engine call is modelled as {@code callCost + size x longest}
 * (the padded tokens it computes, plus a fixed price per call in the same unit); the grouping
 * minimizes the total. Sorted by length, an optimal grouping is contiguous, so a dynamic programme
 * over the sorted lengths finds it in O(n^2) for n inputs (n is at most a batch: microseconds).
 */
final class LengthBuckets {
  /**
   * The price of one more engine call, in padded tokens. Measured on all-MiniLM-L6-v2 on a 2-core
   * CPU: with less, groups of 2 to 4 sentences lose the batch's matrix efficiency; with much more,
   * short sentences are padded to long ones again.
   */
  static final int DEFAULT_CALL_COST = 64;

  private LengthBuckets() {}

  /**
   * Groups {@code inputs} by {@code lengthOf}.
   *
   * @return groups of indices into {@code inputs}; every index appears exactly once, each group in
   *     ascending index order, the groups ordered by their longest input. An empty list for no
   *     inputs. A length function that throws, or a negative length, counts as length 0.
   */
  static <T> List<int[]> groups(
      List<? extends T> inputs, ToIntFunction<? super T> lengthOf, int callCost) {
    int[] lengths = new int[inputs.size()];
    for (int i = 0; i < lengths.length; i++) {
      int len;
      try {
        len = lengthOf.applyAsInt(inputs.get(i));
      } catch (RuntimeException e) {
        len = 0; // a bad input is the engine's to reject, in its own group or not
      }
      lengths[i] = Math.max(0, len);
    }
    return groups(lengths, callCost);
  }

  /** As {@link #groups(List, ToIntFunction, int)}, for lengths given directly. */
  static List<int[]> groups(int[] lengths, int callCost) {
    int n = lengths.length;
    if (n == 0) {
      return List.of();
    }
    if (callCost < 0) {
      throw new IllegalArgumentException("callCost must be >= 0, was " + callCost);
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> lengths[i]).thenComparingInt(i -> i));
    // best[j]: least cost of the first j sorted inputs; cut[j]: where the last group starts.
    long[] best = new long[n + 1];
    int[] cut = new int[n + 1];
    for (int j = 1; j <= n; j++) {
      long longest = lengths[order[j - 1]];
      best[j] = Long.MAX_VALUE;
      for (int i = j - 1; i >= 0; i--) {
        // Equal lengths never split: starting a group between two equal lengths cannot pay.
        if (i > 0 && lengths[order[i - 1]] == lengths[order[i]]) {
          continue;
        }
        long cost = best[i] + callCost + (j - i) * longest;
        if (cost < best[j]) {
          best[j] = cost;
          cut[j] = i;
        }
      }
    }
    List<int[]> out = new ArrayList<>();
    for (int j = n; j > 0; j = cut[j]) {
      int[] group = new int[j - cut[j]];
      for (int k = cut[j]; k < j; k++) {
        group[k - cut[j]] = order[k];
      }
      Arrays.sort(group);
      out.add(group);
    }
    java.util.Collections.reverse(out);
    return out;
  }
}
