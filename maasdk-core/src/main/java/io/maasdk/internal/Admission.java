package io.maasdk.internal;

import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Ticker;
import io.maasdk.Version;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stage 4 of the request path, for one deployed version: whether a call may enter, and how many are
 * inside. It owns the version's bounded {@link RequestQueue} and its {@link CircuitBreaker}. A call
 * is refused at once, on its caller's thread, while the version drains ({@link
 * ModelUnavailableException}), while the breaker is open (the same), or when the queue is full
 * ({@link OverloadedException}); nothing is queued then.
 *
 * <p>Every admitted request is ended exactly once through {@link #ended}, which also hands back a
 * half-open probe slot that the request held without the engine judging it (cancelled, expired,
 * drained, or failed for its own input), so the breaker can never stay half-open for good.
 */
final class Admission<I, O> {
  final RequestQueue<I, O> queue;
  final CircuitBreaker breaker;
  private final ModelSpec<I, O> spec;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private volatile int inFlight; // written under lock; read without it to pre-check inline runs
  private volatile boolean accepting = true;

  Admission(ModelSpec<I, O> spec, Ticker ticker) {
    this.spec = spec;
    this.queue = new RequestQueue<>(spec.queueCapacity(), ticker);
    this.breaker =
        new CircuitBreaker(
            spec.failurePolicy().breakerThreshold(),
            spec.failurePolicy().breakerOpenFor().toNanos(),
            ticker);
  }

  private Version version() {
    return spec.version();
  }

  /**
   * Queues {@code r} or refuses at once: {@link ModelUnavailableException} if this version is
   * draining (the caller may resolve again) or its breaker is open, {@link OverloadedException} if
   * the queue is full.
   */
  void admit(Request<I, O> r) {
    lock.lock();
    try {
      enter(r);
      if (!queue.offer(r)) {
        breaker.release(r.probe);
        r.probe = false;
        throw new OverloadedException(spec.name(), version(), queue.capacity());
      }
      inFlight++;
    } finally {
      lock.unlock();
    }
  }

  /** A cheap, lock-free look: nothing queued and nothing running. */
  boolean looksIdle() {
    return inFlight == 0 && queue.size() == 0;
  }

  /**
   * Admits {@code r} to run on its caller's thread, if the version is wholly idle (nothing queued,
   * nothing running): then nobody is overtaken. Refuses like {@link #admit} when draining or open.
   *
   * @return whether {@code r} was admitted; {@code false} means queue it as usual
   */
  boolean admitInline(Request<I, O> r) {
    lock.lock();
    try {
      if (queue.size() != 0 || inFlight != 0) {
        return false; // someone came in meanwhile
      }
      enter(r);
      inFlight++;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Under {@code lock}: refuses while draining or while the circuit breaker is open. */
  private void enter(Request<I, O> r) {
    if (!accepting) {
      throw new ModelUnavailableException(
          spec.name(), version(), spec.name() + "@" + version() + " is being undeployed");
    }
    CircuitBreaker.Permit permit = breaker.tryAcquire();
    if (permit == CircuitBreaker.Permit.REFUSED) {
      throw new ModelUnavailableException(
          spec.name(),
          version(),
          spec.name()
              + "@"
              + version()
              + " is failing: its circuit breaker opened after "
              + spec.failurePolicy().breakerThreshold()
              + " consecutive engine failures."
              + " Calls fail fast; a probe call is let through in "
              + TimeUnit.NANOSECONDS.toMillis(breaker.retryInNanos())
              + " ms.");
    }
    r.probe = permit == CircuitBreaker.Permit.PROBE;
  }

  /**
   * Called exactly once per admitted request, by {@link Completer}. A probe slot the engine did not
   * judge is handed back.
   */
  void ended(Request<I, O> r) {
    if (r.probe) {
      r.probe = false;
      breaker.release(true);
    }
    lock.lock();
    try {
      if (--inFlight == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The engine judged {@code r}'s probe (a success or an engine failure was recorded). */
  static void judged(Request<?, ?> r) {
    r.probe = false;
  }

  int inFlight() {
    return inFlight;
  }

  boolean accepting() {
    return accepting;
  }

  /** Stops admitting and waits up to {@code nanos} for every admitted call to end. */
  boolean stopAndAwaitIdle(long nanos) {
    lock.lock();
    try {
      accepting = false;
      long left = nanos;
      while (inFlight > 0 && left > 0) {
        left = idle.awaitNanos(left);
      }
      return inFlight == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the queue (waking idle batchers) and returns what was still waiting in it. */
  List<Request<I, O>> closeQueue() {
    queue.close();
    return queue.clear();
  }
}
