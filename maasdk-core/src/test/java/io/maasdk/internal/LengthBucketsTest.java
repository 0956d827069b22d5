package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBucketsTest {

  @Test
  void groups_shortAndLongInterleaved_areSplitIntoTwoCallsByLength() {
    int[] lengths = {10, 60, 11, 58, 9, 61, 10, 59, 12, 60, 10, 57, 11, 60, 10, 62};
    List<int[]> groups = LengthBuckets.groups(lengths, 64);
    assertEquals(2, groups.size(), describe(groups));
    assertArrayEquals(new int[] {0, 2, 4, 6, 8, 10, 12, 14}, groups.get(0));
    assertArrayEquals(new int[] {1, 3, 5, 7, 9, 11, 13, 15}, groups.get(1));
  }

  @Test
  void groups_similarLengths_stayOneCall() {
    int[] lengths = {20, 22, 21, 23, 20, 24, 22, 21};
    assertEquals(1, LengthBuckets.groups(lengths, 64).size());
  }

  @Test
  void groups_equalLengths_neverSplit_evenWithNoCallCost() {
    int[] lengths = {5, 5, 5, 7, 7, 5};
    List<int[]> groups = LengthBuckets.groups(lengths, 0);
    assertEquals(2, groups.size(), describe(groups));
    assertArrayEquals(new int[] {0, 1, 2, 5}, groups.get(0));
    assertArrayEquals(new int[] {3, 4}, groups.get(1));
  }

  @Test
  void groups_hugeCallCost_keepsTheWholeBatch() {
    int[] lengths = {3, 300, 40, 7};
    List<int[]> groups = LengthBuckets.groups(lengths, 1_000_000);
    assertEquals(1, groups.size());
    assertArrayEquals(new int[] {0, 1, 2, 3}, groups.get(0));
  }

  @Test
  void groups_randomBatches_coverEveryIndexOnce_andBeatOrMatchOneCall() {
    Random rnd = new Random(42);
    for (int trial = 0; trial < 500; trial++) {
      int n = 1 + rnd.nextInt(64);
      int[] lengths = new int[n];
      for (int i = 0; i < n; i++) {
        lengths[i] = 1 + rnd.nextInt(80);
      }
      int cost = rnd.nextInt(200);
      List<int[]> groups = LengthBuckets.groups(lengths, cost);
      boolean[] seen = new boolean[n];
      long total = 0;
      int prevLongest = -1;
      for (int[] g : groups) {
        int longest = 0;
        for (int k = 0; k < g.length; k++) {
          assertTrue(k == 0 || g[k - 1] < g[k], "ascending indices");
          assertTrue(!seen[g[k]], "index twice");
          seen[g[k]] = true;
          longest = Math.max(longest, lengths[g[k]]);
        }
        assertTrue(longest >= prevLongest, "ordered by longest");
        prevLongest = longest;
        total += cost + (long) g.length * longest;
      }
      for (boolean s : seen) {
        assertTrue(s, "index missing");
      }
      long one = cost + (long) n * Arrays.stream(lengths).max().getAsInt();
      assertTrue(total <= one, "grouping costs more than one call");
    }
  }

  @Test
  void groups_lengthFunctionThatThrowsOrIsNegative_countsAsZero_andLosesNothing() {
    List<String> inputs = List.of("aaaa", "boom", "bb", "neg");
    List<int[]> groups =
        LengthBuckets.groups(
            inputs,
            s -> {
              if (s.equals("boom")) {
                throw new IllegalStateException("no length");
              }
              return s.equals("neg") ? -5 : s.length() * 100;
            },
            1);
    List<Integer> all = new ArrayList<>();
    groups.forEach(g -> Arrays.stream(g).forEach(all::add));
    all.sort(null);
    assertEquals(List.of(0, 1, 2, 3), all);
    assertArrayEquals(new int[] {1, 3}, groups.get(0), describe(groups));
  }

  @Test
  void groups_noInputs_noGroups_andNegativeCallCostIsRefused() {
    assertEquals(List.of(), LengthBuckets.groups(new int[0], 5));
    assertThrows(IllegalArgumentException.class, () -> LengthBuckets.groups(new int[] {1}, -1));
  }

  private static String describe(List<int[]> groups) {
    return groups.stream().map(Arrays::toString).toList().toString();
  }
}
