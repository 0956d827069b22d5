package io.maasdk;

import java.time.Duration;
import java.util.Objects;

/**
 * How a version's workers group queued requests into one engine call. Immutable.
 *
 * <p>A worker that becomes free takes the oldest request and, with batching on, every other request
 * already queued, up to {@link #maxBatchSize()}. It waits for more only while the rate at which
 * requests arrived during its last engine call predicts another one before the oldest request has
 * waited {@link #maxDelay()}; no request waits longer than that for a batch to form, and a lone
 * caller, who cannot send again before it is answered, never waits. Batching needs a translator
 * that can batch (DJL's {@code Batchifier}); the runtime refuses batching for one that cannot.
 *
 * <p><b>Deploy-time check.</b> With batching on, a deploy computes the spec's warm-up inputs alone
 * and as one batch and refuses the version ({@code ModelLoadException}) if the answers differ: a
 * translator that adds its own batch dimension, or a model whose answer depends on its batch-mates,
 * would otherwise answer wrongly only under load. Give warm-up inputs to have it checked; {@link
 * Builder#deployCheck(boolean) deployCheck(false)} skips it for a model whose answers depend on the
 * batch by design.
 */
public final class BatchingPolicy {
  private static final BatchingPolicy DISABLED = new BatchingPolicy(1, Duration.ZERO, true);

  private final int maxBatchSize;
  private final Duration maxDelay;
  private final boolean deployCheck;

  private BatchingPolicy(int maxBatchSize, Duration maxDelay, boolean deployCheck) {
    this.maxBatchSize = maxBatchSize;
    this.maxDelay = maxDelay;
    this.deployCheck = deployCheck;
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
   * Up to {@code maxBatchSize} requests per engine call, a request waiting at most {@code
   * maxDelay}.
   *
   * @throws IllegalArgumentException if {@code maxBatchSize < 1} or the delay is negative
   */
  public static BatchingPolicy of(int maxBatchSize, Duration maxDelay) {
    return builder().maxBatchSize(maxBatchSize).maxDelay(maxDelay).build();
  }

  /** A builder starting from {@link #ofDefaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings, to derive a modified copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxBatchSize = maxBatchSize;
    b.maxDelay = maxDelay;
    b.deployCheck = deployCheck;
    return b;
  }

  /** Whether a deploy checks that batched answers equal answers computed alone. */
  public boolean deployCheck() {
    return deployCheck;
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
        && maxDelay.equals(p.maxDelay)
        && deployCheck == p.deployCheck;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxBatchSize, maxDelay, deployCheck);
  }

  @Override
  public String toString() {
    return enabled()
        ? "BatchingPolicy[maxBatchSize="
            + maxBatchSize
            + ", maxDelay="
            + maxDelay
            + (deployCheck ? "" : ", deployCheck=false")
            + "]"
        : "BatchingPolicy[disabled]";
  }

  /** Builds a {@link BatchingPolicy}; starts from {@link #ofDefaults()}. */
  public static final class Builder {
    private int maxBatchSize = 32;
    private Duration maxDelay = Duration.ofMillis(2);
    private boolean deployCheck = true;

    private Builder() {}

    /**
     * The most requests per engine call; 1 turns batching off.
     *
     * @throws IllegalArgumentException if {@code maxBatchSize < 1}
     */
    public Builder maxBatchSize(int maxBatchSize) {
      if (maxBatchSize < 1) {
        throw new IllegalArgumentException("maxBatchSize must be >= 1, was " + maxBatchSize);
      }
      this.maxBatchSize = maxBatchSize;
      return this;
    }

    /**
     * The longest a request waits for a batch to form.
     *
     * @throws IllegalArgumentException if the delay is negative
     */
    public Builder maxDelay(Duration maxDelay) {
      Objects.requireNonNull(maxDelay, "maxDelay");
      if (maxDelay.isNegative()) {
        throw new IllegalArgumentException("maxDelay must not be negative, was " + maxDelay);
      }
      this.maxDelay = maxDelay;
      return this;
    }

    /**
     * The deploy-time batch check on (the default) or off. Turn it off only for a model whose
     * answer depends on its batch-mates by design.
     */
    public Builder deployCheck(boolean check) {
      this.deployCheck = check;
      return this;
    }

    /** The policy. */
    public BatchingPolicy build() {
      return new BatchingPolicy(maxBatchSize, maxDelay, deployCheck);
    }
  }
}
