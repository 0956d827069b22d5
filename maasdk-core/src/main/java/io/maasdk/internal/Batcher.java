package io.maasdk.internal;

import io.maasdk.BatchingPolicy;
import io.maasdk.DeadlineExceededException;
import io.maasdk.Ticker;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 5a of the request path: the loop of one replica's worker thread. It takes a batch from its
 * version's queue, drops what must not be computed, hands the rest to its {@link Replica} and the
 * replica's {@link Completion}s to the {@link Completer}.
 *
 * <p><b>Forming a batch.</b> A free worker takes the oldest waiting request and whatever queued up
 * behind it, up to {@link BatchingPolicy#maxBatchSize()}. It waits for more only at saturation (its
 * previous batch was full) and only while arrivals predict a fuller batch within {@link
 * BatchingPolicy#maxDelay()}: the rate of arrivals during its last engine call must promise at
 * least one more request before the oldest one has waited {@code maxDelay}, and it stops at the
 * first gap twice as long as that rate predicts. Below saturation callers are answered before they
 * send again, so it never waits there: a lone caller, or a few, lose nothing to the delay.
 *
 * <p><b>Deadlines.</b> A request whose deadline passes before this batch's expected compute time
 * ends (the moving average of this replica's engine calls) is never computed: its caller gets
 * {@link DeadlineExceededException} at once. Deadlines that pass while a request waits are fired by
 * the runtime's timer, not by this loop.
 *
 * <p><b>Threads.</b> The loop runs on a thread of the runtime's shared, bounded {@link WorkerPool}
 * only while there is work: {@link #wake} (called after each queued call) submits it if it does not
 * run, and it gives the thread back after about {@link #IDLE_EXIT_POLLS} idle polls (one second),
 * or at once when nothing is queued here and other replicas wait for a thread; while they wait, it
 * goes back behind them after each batch, so busy versions take turns. Idle versions therefore hold
 * no thread and cost no CPU, and a burst to a thousand versions uses at most the pool's threads. A
 * replica whose predictor must be recreated with backoff leaves the pool for a thread of its own
 * meanwhile, so failing replicas never hold the shared threads.
 */
final class Batcher<I, O> implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

  /** One idle wait; a worker gives its thread back after {@link #IDLE_EXIT_POLLS} of them. */
  private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** How long a free worker spins for the next call before it parks (see spinForWork). */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  /** Empty polls in a row after which the worker thread ends (it restarts on the next call). */
  static final int IDLE_EXIT_POLLS = 50;

  private final Deployment<I, O> dv;
  private final Replica<I, O> replica;
  private final RequestQueue<I, O> queue;
  private final Ticker ticker;
  private final int maxBatch;
  private final long maxDelay;

  /** Moving averages of this replica's engine calls: time and batch size. */
  private double avgComputeNanos;

  private double avgBatch;

  /** The last engine call: how long it took and how many requests arrived meanwhile. */
  private long lastComputeNanos;

  private long arrivalsDuringLast;

  /** Whether the last batch taken was full: arrivals then outpace what one batch serves. */
  private boolean lastFull;

  /** Whether a thread runs this loop (or is about to); at most one does. */
  private final AtomicBoolean running = new AtomicBoolean();

  /** The thread that runs or last ran this loop, for close to join. */
  private volatile @Nullable Thread thread;

  /**
   * Whether this replica's worker is a thread of its own rather than the shared pool's: for a
   * backend that is not DJL's (a remote server, a user's own), whose calls may block on I/O for as
   * long as their timeout; on the pool, a stalled endpoint would hold threads every local model
   * needs.
   */
  private final boolean ownThread;

  Batcher(Deployment<I, O> dv, Replica<I, O> replica) {
    this.dv = dv;
    this.replica = replica;
    this.queue = dv.admission.queue;
    this.ticker = dv.ticker;
    BatchingPolicy policy = dv.spec.batching();
    this.maxBatch = policy.maxBatchSize();
    this.maxDelay = policy.maxDelay().toNanos();
    this.ownThread = dv.spec.backend() != null;
  }

  /**
   * Makes sure a worker serves this replica: takes a thread from the runtime's {@link WorkerPool}
   * unless one runs (or is about to). Whoever queues work calls this after the queue holds it; a
   * worker that ends re-checks the queue after it stops counting as running, so a call queued at
   * that moment is never left without a worker.
   */
  void wake() {
    if (!running.get() && running.compareAndSet(false, true)) {
      if (replica.restartPending || ownThread) {
        startOwnThread();
      } else {
        requeue();
      }
    } else {
      Thread t = thread;
      if (t != null && replica.restartPending) {
        LockSupport.unpark(t); // a worker backing off between restarts tries again now
      }
    }
  }

  /** Back into the pool's queue (this replica still counts as running). */
  private void requeue() {
    try {
      dv.completer.workers.execute(this);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      startOwnThread(); // the runtime is closing: drain on a thread of its own
    }
  }

  /** A thread of this replica's own, outside the pool: while its predictor must be recreated. */
  private void startOwnThread() {
    Thread t = new Thread(this, replica.name);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Waits up to {@code millis} for this replica's worker loop, if one runs, to end. */
  void join(long millis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (this) {
      while (running.get()) {
        long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
        if (left <= 0) {
          return;
        }
        wait(left);
      }
    }
  }

  /** Stops counting as running; false if work arrived meanwhile and this thread must go on. */
  private boolean retire() {
    running.set(false);
    boolean more = queue.size() > 0 || replica.restartPending || replica.stopping;
    if (more && running.compareAndSet(false, true)) {
      return false;
    }
    synchronized (this) {
      notifyAll(); // a close waiting in join
    }
    return true;
  }

  @Override
  public void run() {
    Thread me = Thread.currentThread();
    boolean pooled = WorkerPool.onWorker();
    String poolName = me.getName();
    if (pooled) {
      me.setName(replica.name); // for thread dumps and listeners: whose batches run here
    }
    thread = me;
    try {
      loop(pooled);
    } finally {
      if (pooled) {
        me.setName(poolName);
      }
    }
  }

  private void loop(boolean pooled) {
    List<Request<I, O>> batch = new ArrayList<>(maxBatch);
    int idlePolls = 0;
    boolean stillRunning = true; // until retire() or a hand-over to a thread of its own
    try {
      while (true) {
        if (replica.restartPending) {
          if (pooled && !replica.stopping) {
            stillRunning = false; // the new thread carries on as this replica's worker
            startOwnThread(); // backoff may take long: never on a shared thread
            return;
          }
          replica.lock.lock();
          try {
            replica.restartWithBackoff();
          } finally {
            replica.lock.unlock();
          }
        }
        Request<I, O> first;
        try {
          queue.spinForWork(SPIN_NANOS);
          // Others wait for a pool thread: give this one up as soon as nothing is queued here.
          first =
              pooled && dv.completer.workers.backlog()
                  ? queue.poll(0)
                  : queue.poll(IDLE_POLL_NANOS);
        } catch (InterruptedException e) {
          if (pooled && !replica.stopping) {
            Thread.interrupted(); // the pool is closing: finish what is queued, then leave
            first = null;
          } else {
            break;
          }
        }
        if (first == null) {
          if (replica.stopping) {
            break;
          }
          if ((++idlePolls >= IDLE_EXIT_POLLS || (pooled && dv.completer.workers.backlog()))
              && !replica.restartPending) {
            if (retire()) {
              stillRunning = false;
              return;
            }
          }
          continue;
        }
        idlePolls = 0;
        batch.add(first);
        if (maxBatch > 1) {
          queue.drainTo(batch, maxBatch - 1);
          if (maxDelay > 0 && batch.size() < maxBatch) {
            fill(batch);
          }
        }
        boolean full = batch.size() >= maxBatch;
        runBatch(batch);
        lastFull = full;
        batch.clear();
        if (replica.stopping) {
          replica.closeIfStopping();
        } else if (pooled && dv.completer.workers.backlog()) {
          // Other replicas wait for a thread: take turns, so a busy version never starves them.
          stillRunning = false; // still counts as running: queued again behind them
          requeue();
          return;
        }
      }
    } finally {
      replica.closeIfStopping();
      if (stillRunning) { // stopped (close) or interrupted: nobody serves this replica any more
        running.set(false);
        synchronized (this) {
          notifyAll();
        }
      }
    }
  }

  /** Waits for more requests while the arrival rate predicts them within the batching delay. */
  private void fill(List<Request<I, O>> batch) {
    if (!lastFull || arrivalsDuringLast == 0 || lastComputeNanos <= 0) {
      // Below saturation (the last batch was not full) callers are answered before they send
      // again, so a wait would only add latency: with 4 closed-loop callers it cost 30% of the
      // throughput. Nothing arrived while the engine last ran: the same.
      return;
    }
    double perNano = arrivalsDuringLast / (double) lastComputeNanos;
    long oldest = Long.MAX_VALUE;
    long tightest = Long.MAX_VALUE;
    for (Request<I, O> r : batch) {
      oldest = Math.min(oldest, r.enqueuedNanos);
      tightest = Math.min(tightest, r.deadlineNanos);
    }
    long until = oldest + maxDelay;
    if (tightest != Long.MAX_VALUE) {
      until = Math.min(until, tightest - (long) avgComputeNanos);
    }
    try {
      while (batch.size() < maxBatch) {
        long left = until - ticker.read();
        if (left <= 0 || perNano * left < 1) {
          return;
        }
        long gap = (long) Math.min(left, 2 / perNano);
        if (!queue.awaitWork(gap)) {
          return;
        }
        queue.drainTo(batch, maxBatch - batch.size());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void runBatch(List<Request<I, O>> batch) {
    long now = ticker.read();
    long expectedEnd = now + expectedCompute(batch.size());
    List<Request<I, O>> live = new ArrayList<>(batch.size());
    for (Request<I, O> r : batch) {
      if (r.future.isDone()) { // cancelled or expired after we took it: never computed
        dv.completer.complete(dv, Completion.unrun(r, Outcome.CANCELLED, null));
      } else if (r.expiresBy(expectedEnd)) {
        dv.completer.complete(
            dv, Completion.unrun(r, Outcome.DEADLINE_EXCEEDED, tooLate(r, now, expectedEnd)));
      } else {
        live.add(r);
      }
    }
    if (live.isEmpty()) {
      return;
    }
    ToIntFunction<? super I> lengthOf = dv.spec.batchLength();
    if (lengthOf == null || live.size() < 2) {
      runGroup(live);
      return;
    }
    // Variable-length inputs (text): one engine call per group of similar length, so short
    // inputs are not padded to a long one (see LengthBuckets).
    for (int[] group :
        LengthBuckets.groups(
            live, r -> lengthOf.applyAsInt(r.input), LengthBuckets.DEFAULT_CALL_COST)) {
      List<Request<I, O>> part = new ArrayList<>(group.length);
      for (int i : group) {
        part.add(live.get(i));
      }
      runGroup(part);
    }
  }

  /** One engine call for {@code live} under the replica's lock, then its completions. */
  private void runGroup(List<Request<I, O>> live) {
    List<Completion<I, O>> done;
    long arrivals = queue.arrivals();
    long start = ticker.read();
    replica.lock.lock(); // waits while a caller runs inline (at most one call)
    try {
      if (replica.restartPending) {
        replica.restartWithBackoff();
      }
      done = replica.run(live);
    } catch (Throwable t) { // never let one batch kill the worker
      LOG.error("{}: unexpected failure in a batch", replica.name, t);
      done = new ArrayList<>();
      for (Request<I, O> r : live) {
        done.add(
            Completion.failure(
                r,
                Outcome.FAILED,
                replica.placement.device(),
                0,
                0,
                live.size(),
                new io.maasdk.InferenceException(
                    dv.spec.name(),
                    dv.version(),
                    "internal error computing " + dv.spec.name() + "@" + dv.version() + ": " + t)));
      }
    } finally {
      replica.lock.unlock();
    }
    long took = ticker.read() - start;
    lastComputeNanos = took;
    arrivalsDuringLast = queue.arrivals() - arrivals;
    avgComputeNanos = avgComputeNanos == 0 ? took : avgComputeNanos + (took - avgComputeNanos) / 4;
    avgBatch = avgBatch == 0 ? live.size() : avgBatch + (live.size() - avgBatch) / 4;
    dv.completer.completeAll(dv, done);
  }

  /** The engine time a batch of {@code n} is expected to take; lenient for smaller batches. */
  private long expectedCompute(int n) {
    if (avgComputeNanos == 0) {
      return 0;
    }
    return (long) (avgComputeNanos * Math.min(1.0, n / Math.max(1.0, avgBatch)));
  }

  private DeadlineExceededException tooLate(Request<I, O> r, long now, long expectedEnd) {
    String why =
        r.expiresBy(now)
            ? "expired after waiting "
                + TimeUnit.NANOSECONDS.toMillis(now - r.enqueuedNanos)
                + " ms in the queue"
            : "would pass its deadline before its batch could finish (expected compute "
                + TimeUnit.NANOSECONDS.toMicros(expectedEnd - now)
                + " us, "
                + TimeUnit.NANOSECONDS.toMicros(Math.max(0, r.deadlineNanos - now))
                + " us left)";
    return new DeadlineExceededException(
        dv.spec.name(),
        dv.version(),
        "call to "
            + dv.spec.name()
            + "@"
            + dv.version()
            + " "
            + why
            + " (timeout "
            + r.options.timeout()
            + "); it was not computed. Raise the timeout or add replicas.");
  }
}
