package io.maasdk.benchmarks;

import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load generator: N caller threads each issue one call, wait for it, and issue the
 * next, for a fixed time after a warm-up. Records every call's latency (no sampling) and counts
 * items and failures.
 */
final class LoadGenerator {

  /** One call; returns the number of items it served (1 for a single predict, B for a batch). */
  @FunctionalInterface
  interface Call {
    int run(int caller) throws Exception;
  }

  /** What a run measured. */
  record Result(
      int callers, long calls, long items, long failures, double seconds, long[] sortedNanos) {
    double itemsPerSecond() {
      return items / seconds;
    }

    double percentileMs(double p) {
      if (sortedNanos.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(p / 100.0 * sortedNanos.length) - 1);
      return sortedNanos[Math.max(0, i)] / 1e6;
    }

    double meanMs() {
      return Arrays.stream(sortedNanos).average().orElse(Double.NaN) / 1e6;
    }
  }

  static Result run(int callers, double warmupSeconds, double seconds, Call call) throws Exception {
    CyclicBarrier start = new CyclicBarrier(callers + 1);
    long[][] lat = new long[callers][];
    int[] counts = new int[callers];
    AtomicLong items = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    long warmNanos = (long) (warmupSeconds * 1e9);
    long runNanos = (long) (seconds * 1e9);
    long[] window = new long[2];
    Thread[] threads = new Thread[callers];
    for (int c = 0; c < callers; c++) {
      int caller = c;
      lat[c] = new long[1 << 14];
      threads[c] =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (Exception e) {
                  return;
                }
                long begin = window[0];
                long end = window[1];
                while (true) {
                  long t0 = System.nanoTime();
                  if (t0 >= end) {
                    break;
                  }
                  int n;
                  try {
                    n = call.run(caller);
                  } catch (Exception e) {
                    n = -1;
                  }
                  long t1 = System.nanoTime();
                  if (t0 >= begin) { // only calls that start inside the measured window count
                    if (n < 0) {
                      failures.incrementAndGet();
                    } else {
                      items.addAndGet(n);
                      if (counts[caller] == lat[caller].length) {
                        lat[caller] = Arrays.copyOf(lat[caller], lat[caller].length * 2);
                      }
                      lat[caller][counts[caller]++] = t1 - t0;
                    }
                  }
                }
              },
              "bench-caller-" + c);
      threads[c].start();
    }
    long now = System.nanoTime();
    window[0] = now + warmNanos;
    window[1] = window[0] + runNanos;
    start.await();
    for (Thread t : threads) {
      t.join();
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int k = 0;
    for (int c = 0; c < callers; c++) {
      System.arraycopy(lat[c], 0, all, k, counts[c]);
      k += counts[c];
    }
    Arrays.sort(all);
    return new Result(callers, total, items.get(), failures.get(), seconds, all);
  }

  private LoadGenerator() {}
}
