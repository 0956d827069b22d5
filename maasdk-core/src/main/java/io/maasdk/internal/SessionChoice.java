package io.maasdk.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * For one version on one device with two engine sessions, one multi-threaded for calls that run
 * alone and one single-threaded for calls that run while others compute (see {@link
 * EngineLoader#concurrentSession}): which of the two an engine call uses. Thread-safe; every {@link
 * #begin} is paired with an {@link #end} in a {@code finally}.
 */
final class SessionChoice {
  /** Engine calls computing now, on either session. */
  private final AtomicInteger computing = new AtomicInteger();

  /** Whether a call has gone to the concurrent session yet (a benign race: at worst twice). */
  private volatile boolean concurrentWarm;

  /**
   * An engine call starts: {@code true} if it should use the concurrent (single-threaded) session,
   * because another call computes now, or because that session has never run (ONNX Runtime's first
   * run of a session is slow, so the version's first call, a warm-up input or a replica's
   * verification, warms it; the next one, on the other replica, warms the other session).
   */
  boolean begin() {
    int now = computing.incrementAndGet();
    if (!concurrentWarm) {
      concurrentWarm = true;
      return true;
    }
    return now > 1;
  }

  /** The call that {@link #begin} started has returned or thrown. */
  void end() {
    computing.decrementAndGet();
  }
}
