package io.maasdk.internal;

import io.maasdk.Ticker;

/**
 * A consecutive-failure circuit breaker. CLOSED: calls pass; {@code threshold} failures in a row
 * open it. OPEN: calls are refused until {@code openNanos} passed; then HALF_OPEN lets exactly one
 * probe through: its success closes the breaker, its failure opens it again, and a probe that ends
 * without judging the engine (cancelled, expired, drained, or failed for its own input) hands the
 * slot back with {@link #release}, so the next call probes. Thread-safe.
 *
 * <p>Only failures of the engine itself count (see {@link Replica}): an error that a healthy
 * predictor reproduces on the same input is that input's fault and never moves the breaker.
 */
final class CircuitBreaker {
  /** The breaker's state, as health reports it. */
  enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** What {@link #tryAcquire} decided for one call. */
  enum Permit {
    /** Refused: the breaker is open, or another probe is out. */
    REFUSED,
    /** Let through while closed. */
    PASS,
    /**
     * Let through as the one half-open probe: the caller must end it with exactly one of {@link
     * #onSuccess}, {@link #onFailure} or {@link #release}.
     */
    PROBE
  }

  private final int threshold;
  private final long openNanos;
  private final Ticker ticker;
  private State state = State.CLOSED;
  private int failures;
  private long openedAt;
  private boolean probeOut;

  CircuitBreaker(int threshold, long openNanos, Ticker ticker) {
    this.threshold = threshold;
    this.openNanos = openNanos;
    this.ticker = ticker;
  }

  /** Whether a call may proceed now; in HALF_OPEN only the first caller (the probe) may. */
  synchronized Permit tryAcquire() {
    if (state == State.CLOSED) {
      return Permit.PASS;
    }
    if (state == State.OPEN && ticker.read() - openedAt >= openNanos) {
      state = State.HALF_OPEN;
      probeOut = false;
    }
    if (state == State.HALF_OPEN && !probeOut) {
      probeOut = true;
      return Permit.PROBE;
    }
    return Permit.REFUSED;
  }

  /** The engine computed a call: closes the breaker and resets the count. */
  synchronized void onSuccess() {
    failures = 0;
    state = State.CLOSED;
    probeOut = false;
  }

  /** The engine itself failed (not the input): counts towards opening, reopens a half-open one. */
  synchronized void onFailure() {
    failures++;
    if (state == State.HALF_OPEN || failures >= threshold) {
      state = State.OPEN;
      openedAt = ticker.read();
      probeOut = false;
    }
  }

  /**
   * A call ended without judging the engine. If it held the probe slot ({@code probe}), the slot is
   * free again; otherwise nothing changes.
   */
  synchronized void release(boolean probe) {
    if (probe && state == State.HALF_OPEN) {
      probeOut = false;
    }
  }

  synchronized State state() {
    if (state == State.OPEN && ticker.read() - openedAt >= openNanos) {
      return State.HALF_OPEN;
    }
    return state;
  }

  /** Nanoseconds until an open breaker lets a probe through (0 if not open). */
  synchronized long retryInNanos() {
    return state == State.OPEN ? Math.max(0, openNanos - (ticker.read() - openedAt)) : 0;
  }
}
