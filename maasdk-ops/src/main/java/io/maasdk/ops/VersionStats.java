package io.maasdk.ops;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One version's calls, errors and latency in one rollout step. Fixed memory (a log-scaled histogram
 * of 256 buckets, about 9% wide, from 1 µs to about 1.5 h); recording is a few atomic adds, safe
 * from any thread.
 */
final class VersionStats {
  private static final int BUCKETS = 256;
  private static final double BASE = 1.09;
  private static final double LOG_BASE = Math.log(BASE);
  private static final long MIN_NANOS = 1_000;

  final LongAdder calls = new LongAdder();
  final LongAdder errors = new LongAdder();
  private final AtomicLongArray histogram = new AtomicLongArray(BUCKETS);
  private final LongAdder latencySamples = new LongAdder();

  void success(long nanos) {
    calls.increment();
    latencySamples.increment();
    histogram.incrementAndGet(bucket(nanos));
  }

  void error() {
    calls.increment();
    errors.increment();
  }

  long latencySamples() {
    return latencySamples.sum();
  }

  private static int bucket(long nanos) {
    if (nanos <= MIN_NANOS) {
      return 0;
    }
    int b = 1 + (int) (Math.log((double) nanos / MIN_NANOS) / LOG_BASE);
    return Math.min(b, BUCKETS - 1);
  }

  /** The upper bound of bucket {@code b}, in nanoseconds. */
  private static long upper(int b) {
    return (long) (MIN_NANOS * Math.pow(BASE, b));
  }

  /** The {@code q} quantile's bucket upper bound, in nanoseconds; 0 with no samples. */
  long quantileNanos(double q) {
    long total = 0;
    long[] counts = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] = histogram.get(i);
      total += counts[i];
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return upper(i);
      }
    }
    return upper(BUCKETS - 1);
  }
}
