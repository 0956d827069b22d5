package io.maasdk;

import java.time.Duration;
import java.util.Objects;

/**
 * How a version recovers from engine failures. Immutable.
 *
 * <p>A replica whose Predictor fails with an engine error (not an input the validator caught) is
 * closed and a new Predictor is made from the loaded model; if that fails too, the replica retries
 * with exponential backoff from {@link #restartBackoff()} up to {@link #maxRestartBackoff()} while
 * the other replicas keep serving. After {@link #breakerThreshold()} consecutive failed calls the
 * version's circuit breaker opens: calls fail at once with {@link ModelUnavailableException} for
 * {@link #breakerOpenFor()}, then one probe call is let through; its success closes the breaker.
 */
public final class FailurePolicy {
  private static final FailurePolicy DEFAULTS =
      new FailurePolicy(5, Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofSeconds(10));

  private final int breakerThreshold;
  private final Duration breakerOpenFor;
  private final Duration restartBackoff;
  private final Duration maxRestartBackoff;

  private FailurePolicy(int threshold, Duration openFor, Duration backoff, Duration maxBackoff) {
    this.breakerThreshold = threshold;
    this.breakerOpenFor = openFor;
    this.restartBackoff = backoff;
    this.maxRestartBackoff = maxBackoff;
  }

  /** Breaker after 5 consecutive failures, open 5 s; restart backoff 50 ms doubling to 10 s. */
  public static FailurePolicy ofDefaults() {
    return DEFAULTS;
  }

  /** A builder starting from {@link #ofDefaults()}. */
  public static Builder builder() {
    return new Builder(DEFAULTS);
  }

  /** A builder starting from this policy's settings, to derive a modified copy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  public int breakerThreshold() {
    return breakerThreshold;
  }

  public Duration breakerOpenFor() {
    return breakerOpenFor;
  }

  public Duration restartBackoff() {
    return restartBackoff;
  }

  public Duration maxRestartBackoff() {
    return maxRestartBackoff;
  }

  @Override
  public String toString() {
    return "FailurePolicy[breaker "
        + breakerThreshold
        + " failures / "
        + breakerOpenFor
        + ", restart backoff "
        + restartBackoff
        + ".."
        + maxRestartBackoff
        + "]";
  }

  /** Builds a {@link FailurePolicy}; starts from {@link #ofDefaults()}. */
  public static final class Builder {
    private int breakerThreshold;
    private Duration breakerOpenFor;
    private Duration restartBackoff;
    private Duration maxRestartBackoff;

    private Builder(FailurePolicy from) {
      this.breakerThreshold = from.breakerThreshold;
      this.breakerOpenFor = from.breakerOpenFor;
      this.restartBackoff = from.restartBackoff;
      this.maxRestartBackoff = from.maxRestartBackoff;
    }

    /** Opens the breaker after {@code threshold} consecutive failures, for {@code openFor}. */
    public Builder breaker(int threshold, Duration openFor) {
      Objects.requireNonNull(openFor, "openFor");
      if (threshold < 1) {
        throw new IllegalArgumentException("breaker threshold must be >= 1, was " + threshold);
      }
      if (openFor.isNegative() || openFor.isZero()) {
        throw new IllegalArgumentException("breaker open time must be positive, was " + openFor);
      }
      this.breakerThreshold = threshold;
      this.breakerOpenFor = openFor;
      return this;
    }

    /** First and largest wait between attempts to recreate a failed replica's Predictor. */
    public Builder restartBackoff(Duration first, Duration max) {
      Objects.requireNonNull(first, "first");
      Objects.requireNonNull(max, "max");
      if (first.isNegative() || max.compareTo(first) < 0) {
        throw new IllegalArgumentException(
            "need 0 <= first <= max backoff, got first=" + first + " max=" + max);
      }
      this.restartBackoff = first;
      this.maxRestartBackoff = max;
      return this;
    }

    /** The policy. */
    public FailurePolicy build() {
      return new FailurePolicy(breakerThreshold, breakerOpenFor, restartBackoff, maxRestartBackoff);
    }
  }
}
