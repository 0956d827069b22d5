package io.maasdk.internal;

import io.maasdk.Ticker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A version's bounded admission queue. Two priority levels (interactive before bulk); within a
 * level, tenants are served round-robin so one tenant's flood cannot starve another (fair queuing
 * by {@code CallOptions.tenant}); within a tenant, first in first out. {@link #offer} never blocks:
 * a full queue refuses at once.
 */
final class RequestQueue<I, O> {
  private final int capacity;
  private final Ticker ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();

  /** [0] interactive, [1] bulk; tenant → FIFO, iteration order is the round-robin order. */
  @SuppressWarnings("unchecked")
  private final LinkedHashMap<String, ArrayDeque<Request<I, O>>>[] levels =
      new LinkedHashMap[] {new LinkedHashMap<>(), new LinkedHashMap<>()};

  private volatile int size; // written under the lock; read without it by spinning workers
  private volatile boolean closed;

  /** Requests ever offered and accepted; batchers read it to estimate the arrival rate. */
  private volatile long arrivals;

  RequestQueue(int capacity, Ticker ticker) {
    this.capacity = capacity;
    this.ticker = ticker;
  }

  int capacity() {
    return capacity;
  }

  /** Adds {@code r}; false if the queue is full or closed. */
  boolean offer(Request<I, O> r) {
    lock.lock();
    try {
      if (closed || size >= capacity) {
        return false;
      }
      r.enqueuedNanos = ticker.read();
      levels[r.bulk() ? 1 : 0].computeIfAbsent(r.options.tenant(), t -> new ArrayDeque<>()).add(r);
      size++;
      arrivals++;
      notEmpty.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next request in priority and fair order, waiting up to {@code timeoutNanos}; {@code null}
   * on timeout, or at once when the queue is closed and empty.
   */
  @Nullable Request<I, O> poll(long timeoutNanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long left = timeoutNanos;
      while (size == 0) {
        if (closed || left <= 0) {
          return null;
        }
        left = notEmpty.awaitNanos(left);
      }
      return next();
    } finally {
      lock.unlock();
    }
  }

  /** How many requests were ever accepted. */
  long arrivals() {
    return arrivals;
  }

  /**
   * Waits up to {@code nanos} for the queue to hold a request; {@code true} if it does. Used by a
   * batcher that holds a partial batch and expects more calls within its batching delay.
   */
  boolean awaitWork(long nanos) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      long left = nanos;
      while (size == 0) {
        if (closed || left <= 0) {
          return false;
        }
        left = notEmpty.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Spins up to {@code nanos} waiting for a request to arrive, without blocking. A worker that just
   * finished calls this before parking: under a steady trickle of calls the next one usually
   * arrives within microseconds, and catching it here saves an OS wake-up per call.
   */
  boolean spinForWork(long nanos) {
    long end = System.nanoTime() + nanos;
    while (size == 0) {
      if (closed || System.nanoTime() - end >= 0) {
        return false;
      }
      Thread.onSpinWait();
    }
    return true;
  }

  /** Moves up to {@code max} queued requests into {@code into} without waiting. */
  int drainTo(List<Request<I, O>> into, int max) {
    lock.lock();
    try {
      int n = 0;
      while (n < max && size > 0) {
        into.add(next());
        n++;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Removes {@code r} if it is still queued (a cancelled call): true if it was. */
  boolean remove(Request<I, O> r) {
    lock.lock();
    try {
      Map<String, ArrayDeque<Request<I, O>>> level = levels[r.bulk() ? 1 : 0];
      ArrayDeque<Request<I, O>> q = level.get(r.options.tenant());
      if (q != null && q.remove(r)) {
        size--;
        if (q.isEmpty()) {
          level.remove(r.options.tenant());
        }
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    return size;
  }

  /** Stops admitting; queued requests stay until drained. Wakes every waiting worker. */
  void close() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Removes and returns everything still queued. */
  List<Request<I, O>> clear() {
    List<Request<I, O>> out = new ArrayList<>();
    drainTo(out, Integer.MAX_VALUE);
    return out;
  }

  /**
   * Caller holds the lock and size > 0. Takes from the first tenant, then rotates it to the back.
   */
  private Request<I, O> next() {
    for (LinkedHashMap<String, ArrayDeque<Request<I, O>>> level : levels) {
      Iterator<Map.Entry<String, ArrayDeque<Request<I, O>>>> it = level.entrySet().iterator();
      if (!it.hasNext()) {
        continue;
      }
      Map.Entry<String, ArrayDeque<Request<I, O>>> e = it.next();
      Request<I, O> r = e.getValue().poll();
      it.remove();
      if (!e.getValue().isEmpty()) {
        level.put(e.getKey(), e.getValue()); // to the back of the round-robin
      }
      size--;
      return r;
    }
    throw new IllegalStateException("queue size " + size + " but no request found");
  }
}
