package io.maasdk.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime's replica workers: one bounded set of threads shared by every replica of every
 * version (issue #17 item 6). A replica with queued calls and no caller serving them gets a thread
 * from here for as long as it has work ({@link Batcher#run}); while it runs, the thread carries the
 * replica's name ({@code maasdk-<model>@<version>-r<N>}), and {@code maasdk-worker} while it waits
 * for the next replica. Threads start on demand, at most {@link #size}, and end after {@link
 * #KEEP_ALIVE_S} second idle, so a thousand idle versions hold no thread and use no CPU, and a
 * burst of one call to each of them uses at most {@link #size} threads, not a thousand.
 *
 * <p>Replicas of a backend other than DJL's (a remote server may block on I/O until its timeout)
 * never use the pool: each runs on a thread of its own that ends after the same idle second.
 *
 * <p>A replica whose predictor is down and must be recreated with backoff leaves the pool for a
 * thread of its own while it retries ({@link Batcher}), so failing replicas never hold the shared
 * threads.
 */
final class WorkerPool {
  static final String IDLE_NAME = "maasdk-worker";
  static final long KEEP_ALIVE_S = 1;

  private final ThreadPoolExecutor exec;
  private final int size;

  /** The threads started (dead ones pruned as new ones start), for close to join. */
  private final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  WorkerPool(int size) {
    this.size = size;
    AtomicInteger n = new AtomicInteger();
    this.exec =
        new ThreadPoolExecutor(
            size,
            size,
            KEEP_ALIVE_S,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Worker(r, IDLE_NAME + "-" + n.incrementAndGet());
              t.setDaemon(true);
              threads.removeIf(x -> !x.isAlive());
              threads.add(t);
              return t;
            });
    exec.allowCoreThreadTimeOut(true);
  }

  /** The default: four threads per core (at least eight). */
  static int defaultSize() {
    return Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
  }

  int size() {
    return size;
  }

  /** Runs {@code task} on a pool thread, now or when one is free. */
  void execute(Runnable task) {
    exec.execute(task);
  }

  /** Whether work waits for a free thread: a replica with nothing queued then gives its up. */
  boolean backlog() {
    return !exec.getQueue().isEmpty();
  }

  /** Whether the current thread is one of the pool's. */
  static boolean onWorker() {
    return Thread.currentThread() instanceof Worker;
  }

  /** Stops the threads once their work is done; waits up to {@code millis} for them to end. */
  void close(long millis) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    exec.shutdown();
    try {
      exec.awaitTermination(millis, TimeUnit.MILLISECONDS);
      for (Thread t : threads) { // terminated means their loops ended: now the threads too
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Worker extends Thread {
    Worker(Runnable r, String name) {
      super(r, name);
    }
  }
}
