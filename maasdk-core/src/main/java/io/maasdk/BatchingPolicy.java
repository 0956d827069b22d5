package io.maasdk;

import java.time.Duration;
import java.util.Objects;

/**
 * How a version's workers group queued requests into one engine call. Immutable.
 *
 * <p>A worker that becomes free takes the oldest request and, with batching on, every other request
 * already queued, up to {@link #maxBatchSize()}; it never waits for a batch to fill while it is
 * idle, so a lone request runs at once. A batch grows only while every replica is busy, and no
 * request waits more than {@link #maxDelay()} for a batch to form. Batching needs a translator
 * that can batch (DJL's {@code Batchifier}); the runtime refuses batching for one that cannot.
 */
public final class BatchingPolicy {
  private static final BatchingPolicy DISABLED = new BatchingPolicy(1, Duration.ZERO);

  private final int maxBatchSize;
  private final Duration maxDelay;

  private BatchingPolicy(int maxBatchSize, Duration maxDelay) {
    this.maxBatchSize = maxBatchSize;
    this.maxDelay = maxDelay;
  }

  /** One request per engine call (the default). */
  public static BatchingPolicy disabled() {
    return DISABLED;
  }

  /** Up to 32 requests per call, waiting at most 2 ms for a batch to form. */
  public static BatchingPolicy ofDefaults() {
    return of(32, Duration.ofMillis(2));
  }

  /**
   * Up to {@code maxBatchSize} requests per engine call, a request waiting at most {@code maxDelay}.
   *
   * @throws IllegalArgumentException if {@code maxBatchSize < 1} or the delay is negative
   */
  public static BatchingPolicy of(int maxBatchSize, Duration maxDelay) {
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
    }
    if (maxDelay.isNegative()) {
      throw new IllegalArgumentException("maxDelay must not be negative, was " + maxDelay);
    }
    return new BatchingPolicy(maxBatchSize, maxDelay);
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public Duration maxDelay() {
    return maxDelay;
  }

  public boolean enabled() {
    return maxBatchSize > 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BatchingPolicy p
        && maxBatchSize == p.maxBatchSize
        && maxDelay.equals(p.maxDelay);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxBatchSize, maxDelay);
  }

  @Override
  public String toString() {
    return enabled()
        ? "BatchingPolicy[maxBatchSize=" + maxBatchSize + ", maxDelay=" + maxDelay + "]"
        : "BatchingPolicy[disabled]";
  }
}
