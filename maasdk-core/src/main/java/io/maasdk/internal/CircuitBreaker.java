package io.maasdk.internal;

import java.util.function.LongSupplier;

/**
 * A consecutive-failure circuit breaker. CLOSED: calls pass; {@code threshold} failures in a row
 * open it. OPEN: calls are refused until {@code openNanos} passed; then HALF_OPEN lets exactly one
 * probe through: its success closes the breaker, its failure opens it again. Thread-safe.
 */
final class CircuitBreaker {
  /** The breaker's state, as health reports it. */
  enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final int threshold;
  private final long openNanos;
  private final LongSupplier ticker;
  private State state = State.CLOSED;
  private int failures;
  private long openedAt;
  private boolean probeOut;

  CircuitBreaker(int threshold, long openNanos, LongSupplier ticker) {
    this.threshold = threshold;
    this.openNanos = openNanos;
    this.ticker = ticker;
  }

  /** Whether a call may proceed now; in HALF_OPEN only the first caller (the probe) may. */
  synchronized boolean tryAcquire() {
    if (state == State.OPEN && ticker.getAsLong() - openedAt >= openNanos) {
      state = State.HALF_OPEN;
      probeOut = false;
    }
    switch (state) {
      case CLOSED:
        return true;
      case HALF_OPEN:
        if (probeOut) {
          return false;
        }
        probeOut = true;
        return true;
      default:
        return false;
    }
  }

  synchronized void onSuccess() {
    failures = 0;
    state = State.CLOSED;
  }

  synchronized void onFailure() {
    failures++;
    if (state == State.HALF_OPEN || failures >= threshold) {
      state = State.OPEN;
      openedAt = ticker.getAsLong();
    }
  }

  /** A call let through that ended without reaching the engine (cancelled, expired). */
  synchronized void onIgnored() {
    if (state == State.HALF_OPEN) {
      probeOut = false;
    }
  }

  synchronized State state() {
    if (state == State.OPEN && ticker.getAsLong() - openedAt >= openNanos) {
      return State.HALF_OPEN;
    }
    return state;
  }

  synchronized int consecutiveFailures() {
    return failures;
  }

  /** Nanoseconds until an open breaker lets a probe through (0 if not open). */
  synchronized long retryInNanos() {
    return state == State.OPEN ? Math.max(0, openNanos - (ticker.getAsLong() - openedAt)) : 0;
  }
}
