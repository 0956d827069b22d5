package io.maasdk.internal;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InferenceException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed model version: its DJL models (one per device), its replicas (one Predictor and one
 * thread each), and its bounded queue. Lifecycle: constructed loaded and warmed → serving → {@link
 * #drainAndClose} (stop admitting, finish queued work, stop threads, close predictors and models).
 */
final class DeployedVersion<I, O> {
  private static final Logger LOG = LoggerFactory.getLogger(DeployedVersion.class);
  private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  /** How long a free worker spins for the next call before it parks (see spinForWork). */
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  final ModelSpec<I, O> spec;
  final String engine;
  final List<Placement> placements;
  private final Map<String, Model> models;
  private final List<Replica> replicas = new ArrayList<>();
  private final RequestQueue<I, O> queue;
  private final CallPipeline pipeline;

  private final ReentrantLock stateLock = new ReentrantLock();
  private final Condition idle = stateLock.newCondition();
  private volatile int inFlight; // written under stateLock; read without it to pre-check inline
  private volatile boolean accepting = true;
  private final CircuitBreaker breaker;
  private final java.util.concurrent.atomic.AtomicLong restarts =
      new java.util.concurrent.atomic.AtomicLong();

  /** Loads on every placed device, creates predictors, warms each up, then starts the workers. */
  DeployedVersion(
      ModelSpec<I, O> spec, String engine, List<Placement> placements, CallPipeline pipeline) {
    this.spec = spec;
    this.engine = engine;
    this.placements = List.copyOf(placements);
    this.pipeline = pipeline;
    this.queue = new RequestQueue<>(spec.queueCapacity());
    this.breaker = new CircuitBreaker(spec.failurePolicy().breakerThreshold(),
        spec.failurePolicy().breakerOpenFor().toNanos(), System::nanoTime);
    this.models = new LinkedHashMap<>();
    try {
      for (Placement p : placements) {
        Model model =
            models.computeIfAbsent(
                p.device(), d -> EngineLoader.load(spec, engine, EngineLoader.device(p)));
        Predictor<I, O> predictor = model.newPredictor(spec.translator());
        Replica replica = new Replica(p, predictor);
        replicas.add(replica);
        replica.warmUp();
      }
    } catch (RuntimeException e) {
      closeNative();
      throw e;
    }
    replicas.forEach(Replica::start);
  }

  Version version() {
    return spec.version();
  }

  int queueDepth() {
    return queue.size();
  }

  int inFlight() {
    stateLock.lock();
    try {
      return inFlight;
    } finally {
      stateLock.unlock();
    }
  }

  boolean accepting() {
    return accepting;
  }

  int replicasUp() {
    return (int) replicas.stream().filter(r -> r.up).count();
  }

  long replicaRestarts() {
    return restarts.get();
  }

  String breakerState() {
    return breaker.state().name();
  }

  /**
   * Admission: queues {@code r} or refuses at once. Throws {@link ModelUnavailableException} if this
   * version is draining (the caller may re-resolve), {@link OverloadedException} if the queue is
   * full.
   */
  void admit(Request<I, O> r) {
    stateLock.lock();
    try {
      checkAdmissible();
      if (!queue.offer(r)) {
        breaker.onIgnored();
        throw new OverloadedException(spec.name(), version(), queue.capacity());
      }
      inFlight++;
    } finally {
      stateLock.unlock();
    }
    // A call cancelled (or timed out) while queued leaves the queue at once and is never computed.
    r.future.whenComplete(
        (v, e) -> {
          if (e != null && queue.remove(r)) {
            pipeline.finish(this, r, Outcome.CANCELLED, null, null, 0, 0, 0, null);
          }
        });
  }

  /** Under {@code stateLock}: refuses while draining or while the circuit breaker is open. */
  private void checkAdmissible() {
    if (!accepting) {
      throw new ModelUnavailableException(
          spec.name(), version(), spec.name() + "@" + version() + " is being undeployed");
    }
    if (!breaker.tryAcquire()) {
      throw new ModelUnavailableException(spec.name(), version(),
          spec.name() + "@" + version() + " is failing: its circuit breaker opened after "
              + spec.failurePolicy().breakerThreshold() + " consecutive engine failures."
              + " Calls fail fast; a probe call is let through in "
              + TimeUnit.NANOSECONDS.toMillis(breaker.retryInNanos()) + " ms.");
    }
  }

  /**
   * Caller runs: a synchronous call that finds the version idle (nothing queued, nothing running)
   * runs on the caller's own thread with a replica's predictor, saving the two thread hand-offs
   * (about 30 us here) that a queued call pays. Nobody is overtaken, and batching is untouched:
   * with anything queued or running the call is queued as usual and this returns {@code false}.
   *
   * @return whether {@code r} was admitted and has run (its future is complete)
   * @throws ModelUnavailableException as {@link #admit} does
   */
  boolean tryRunInline(Request<I, O> r) {
    // Only when the version is wholly idle. Under load, queued calls batch better than calls
    // computed one by one on their callers' threads, and a caller must never barge in on a worker
    // that holds requests and waits for its predictor (that starved workers: 200 ms tails at 4
    // callers). A worker's requests count in inFlight until they finish, so this covers both.
    if (queue.size() != 0 || inFlight != 0) {
      return false; // the common case under load: decided without taking any lock
    }
    for (Replica replica : replicas) {
      if (replica.up && replica.lock.tryLock()) {
        try {
          if (!replica.up) {
            continue;
          }
          stateLock.lock();
          try {
            if (queue.size() != 0 || inFlight != 0) {
              return false; // someone came in meanwhile
            }
            checkAdmissible();
            inFlight++;
          } finally {
            stateLock.unlock();
          }
          r.enqueuedNanos = System.nanoTime();
          replica.runInline(r);
          return true;
        } finally {
          replica.lock.unlock();
        }
      }
    }
    return false;
  }

  /** Called exactly once per admitted request, by whoever finished it. */
  void released() {
    stateLock.lock();
    try {
      if (--inFlight == 0) {
        idle.signalAll();
      }
    } finally {
      stateLock.unlock();
    }
  }

  /**
   * Stops admitting, lets queued and running calls finish for up to {@code graceNanos}, fails the
   * rest with {@link ModelUnavailableException}, stops the workers and closes every predictor and
   * model.
   */
  void drainAndClose(long graceNanos, String why) {
    stateLock.lock();
    try {
      accepting = false;
      long left = graceNanos;
      while (inFlight > 0 && left > 0) {
        left = idle.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stateLock.unlock();
    }
    queue.close();
    for (Request<I, O> r : queue.clear()) {
      pipeline.finish(
          this,
          r,
          Outcome.UNAVAILABLE,
          null,
          null,
          0,
          0,
          0,
          new ModelUnavailableException(
              spec.name(),
              version(),
              spec.name() + "@" + version() + " was closed before this queued call ran: " + why));
    }
    for (Replica r : replicas) {
      r.stop();
    }
    for (Replica r : replicas) {
      r.join();
    }
    closeNative();
  }

  private void closeNative() {
    for (Replica r : replicas) {
      boolean locked = false;
      try {
        // A caller may still be running on this predictor (a call past the grace period).
        locked = r.lock.tryLock(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        if (r.up) { // a replica that failed to restart already closed its predictor
          r.predictor.close();
        }
      } finally {
        if (locked) {
          r.lock.unlock();
        }
      }
    }
    boolean gpu = false;
    for (Map.Entry<String, Model> e : models.entrySet()) {
      e.getValue().close();
      gpu |= e.getKey().startsWith("gpu");
    }
    if (gpu) {
      EngineLoader.releaseGpuCache(engine);
    }
  }

  /**
   * One worker: a thread and one Predictor (DJL Predictors are not thread-safe). The predictor is
   * used only under {@link #lock}: by the worker for a batch, or by a caller running inline.
   */
  private final class Replica implements Runnable {
    final Placement placement;
    final ReentrantLock lock = new ReentrantLock();
    Predictor<I, O> predictor; // guarded by lock
    final Thread thread;
    volatile boolean stopping;
    volatile boolean up = true;
    /** An inline call's engine failure could not recreate the predictor; the worker retries. */
    volatile boolean restartPending;

    Replica(Placement placement, Predictor<I, O> predictor) {
      this.placement = placement;
      this.predictor = predictor;
      this.thread =
          new Thread(
              this,
              "maasdk-" + spec.name() + "@" + spec.version() + "-r" + placement.replica());
      thread.setDaemon(true);
    }

    void warmUp() {
      for (I input : spec.warmup()) {
        try {
          predictor.predict(input);
        } catch (TranslateException | RuntimeException e) {
          throw new io.maasdk.ModelLoadException(
              spec.name(),
              spec.version(),
              "warm-up of " + spec.name() + "@" + spec.version() + " on " + placement.device()
                  + " failed: " + e.getMessage(),
              e);
        }
      }
    }

    void start() {
      thread.start();
    }

    /** Runs one admitted request on the calling thread; the caller holds {@link #lock}. */
    void runInline(Request<I, O> r) {
      try {
        runBatch(List.of(r), true);
      } catch (Throwable t) { // never let one call break the replica
        LOG.error("{}: unexpected failure in an inline call", thread.getName(), t);
        if (!r.future.isDone()) {
          fail(r, Outcome.FAILED, 0, 0, 1, wrap(t, r));
        }
      }
    }

    void stop() {
      stopping = true;
    }

    void join() {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        LOG.warn("{} did not stop within 30 s; it will be abandoned", thread.getName());
      }
    }

    @Override
    public void run() {
      int max = spec.batching().maxBatchSize();
      List<Request<I, O>> batch = new ArrayList<>(max);
      while (true) {
        if (restartPending) {
          lock.lock();
          try {
            restart(false);
          } finally {
            lock.unlock();
          }
        }
        Request<I, O> first;
        try {
          queue.spinForWork(SPIN_NANOS);
          first = queue.poll(IDLE_POLL_NANOS);
        } catch (InterruptedException e) {
          break;
        }
        if (first == null) {
          if (stopping) {
            break;
          }
          continue;
        }
        batch.add(first);
        if (max > 1) {
          // A free worker never waits for a batch to fill: it takes what queued up meanwhile.
          queue.drainTo(batch, max - 1);
        }
        lock.lock(); // waits while a caller runs inline (at most one call)
        try {
          if (restartPending) {
            restart(false);
          }
          runTaken(batch);
        } catch (Throwable t) { // never let one batch kill the worker
          LOG.error("{}: unexpected failure in a batch", thread.getName(), t);
          for (Request<I, O> r : batch) {
            if (!r.future.isDone()) {
              fail(r, Outcome.FAILED, 0, 0, batch.size(), wrap(t, r));
            }
          }
        } finally {
          lock.unlock();
        }
        batch.clear();
      }
    }

    private void runBatch(List<Request<I, O>> batch, boolean inline) {
      runBatch(batch, inline, null);
    }

    /**
     * Runs the batch a worker took: as one engine call, or, with {@code spec.batchLength()} set,
     * as one call per group of similar length (see {@link LengthBuckets}).
     */
    private void runTaken(List<Request<I, O>> batch) {
      java.util.function.ToIntFunction<? super I> lengthOf = spec.batchLength();
      if (lengthOf == null || batch.size() < 2) {
        runBatch(batch, false);
        return;
      }
      List<int[]> groups = LengthBuckets.groups(
          batch, r -> lengthOf.applyAsInt(r.input), LengthBuckets.DEFAULT_CALL_COST);
      for (int[] group : groups) {
        List<Request<I, O>> part = new ArrayList<>(group.length);
        for (int i : group) {
          part.add(batch.get(i));
        }
        runBatch(part, false);
      }
    }

    /**
     * Runs a batch. With {@code isolating} non-null this is one member of a failed batch rerun
     * alone: an engine error is then added to {@code isolating} for the caller of this method to
     * judge, instead of restarting the replica.
     *
     * @return whether every live request succeeded
     */
    private boolean runBatch(List<Request<I, O>> batch, boolean inline,
        @Nullable List<EngineFailure> isolating) {
      long now = System.nanoTime();
      List<Request<I, O>> live = new ArrayList<>(batch.size());
      for (Request<I, O> r : batch) {
        if (r.future.isDone()) { // cancelled while queued but already taken by us
          breaker.onIgnored();
          pipeline.finish(DeployedVersion.this, r, Outcome.CANCELLED, null, null, 0, 0, 0, null);
        } else if (r.expired(now)) {
          breaker.onIgnored();
          fail(r, Outcome.DEADLINE_EXCEEDED, now - r.enqueuedNanos, 0, 0, expired(r, now));
        } else {
          live.add(r);
        }
      }
      if (live.isEmpty()) {
        return true;
      }
      List<I> inputs = new ArrayList<>(live.size());
      live.forEach(r -> inputs.add(r.input));
      long start = System.nanoTime();
      try {
        List<O> outputs =
            inputs.size() == 1 ? List.of(predictor.predict(inputs.get(0))) : predictor.batchPredict(inputs);
        long took = System.nanoTime() - start;
        for (int i = 0; i < live.size(); i++) {
          Request<I, O> r = live.get(i);
          breaker.onSuccess();
          pipeline.finish(
              DeployedVersion.this,
              r,
              Outcome.SUCCESS,
              outputs.get(i),
              placement.device(),
              start - r.enqueuedNanos,
              took,
              live.size(),
              null);
        }
        return true;
      } catch (TranslateException | RuntimeException e) {
        if (live.size() > 1) {
          isolate(live, inline);
          return false;
        }
        Request<I, O> r = live.get(0);
        long took = System.nanoTime() - start;
        boolean badInput =
            e instanceof TranslateException && !(e.getCause() instanceof ai.djl.engine.EngineException);
        if (badInput) {
          breaker.onIgnored();
          fail(r, Outcome.INVALID_INPUT, start - r.enqueuedNanos, took, 1, invalid(r, e));
        } else if (isolating != null) {
          isolating.add(new EngineFailure(r, e, start - r.enqueuedNanos, took));
        } else {
          breaker.onFailure();
          restart(inline); // before the caller hears of it, so health is current when it does
          fail(r, Outcome.FAILED, start - r.enqueuedNanos, took, 1, wrap(e, r));
        }
        return false;
      }
    }

    /**
     * Isolation: one bad input must not fail the other callers in its batch, so each member runs
     * again alone. If some members then succeed on this same predictor, the engine errors of the
     * others were caused by their inputs: the replica is healthy, so it is neither restarted nor
     * counted against the circuit breaker (a flood of such inputs cannot open it). If every member
     * fails, the replica is restarted once before its callers hear of it.
     */
    private void isolate(List<Request<I, O>> live, boolean inline) {
      List<EngineFailure> failures = new ArrayList<>();
      boolean anyOk = false;
      for (Request<I, O> r : live) {
        anyOk |= runBatch(List.of(r), inline, failures);
      }
      if (failures.isEmpty()) {
        return;
      }
      if (anyOk) {
        failures.forEach(f -> breaker.onIgnored());
      } else {
        breaker.onFailure();
        restart(inline);
      }
      for (EngineFailure f : failures) {
        fail(f.request, Outcome.FAILED, f.waitNanos, f.tookNanos, 1, wrap(f.error, f.request));
      }
    }

    /** An engine error of one member of a failed batch, judged once all members have rerun. */
    private final class EngineFailure {
      final Request<I, O> request;
      final Throwable error;
      final long waitNanos;
      final long tookNanos;

      EngineFailure(Request<I, O> request, Throwable error, long waitNanos, long tookNanos) {
        this.request = request;
        this.error = error;
        this.waitNanos = waitNanos;
        this.tookNanos = tookNanos;
      }
    }

    /**
     * Recovery: an engine error may leave a Predictor's native state unusable, so it is closed and
     * a new one is made from the loaded model, retrying with exponential backoff while the other
     * replicas keep serving. This replica takes no work until it is up again. A caller running
     * inline ({@code once}) tries once and leaves the backoff loop to the worker thread.
     */
    private void restart(boolean once) {
      if (!restartPending) {
        up = false;
        try {
          predictor.close();
        } catch (RuntimeException e) {
          LOG.debug("{}: closing the failed predictor threw", thread.getName(), e);
        }
      }
      long backoff = spec.failurePolicy().restartBackoff().toNanos();
      long max = spec.failurePolicy().maxRestartBackoff().toNanos();
      while (!stopping) {
        try {
          predictor = models.get(placement.device()).newPredictor(spec.translator());
          restarts.incrementAndGet();
          restartPending = false;
          up = true;
          LOG.warn("{}: predictor recreated after an engine failure", thread.getName());
          return;
        } catch (RuntimeException e) {
          if (once) {
            restartPending = true;
            LOG.error("{}: cannot recreate the predictor; its worker will retry", thread.getName(),
                e);
            LockSupport.unpark(thread);
            return;
          }
          LOG.error("{}: cannot recreate the predictor; retrying in {} ms", thread.getName(),
              TimeUnit.NANOSECONDS.toMillis(backoff), e);
          LockSupport.parkNanos(backoff);
          backoff = Math.min(max, Math.max(1, backoff * 2));
        }
      }
    }

    private void fail(Request<I, O> r, Outcome o, long wait, long took, int size, MaasdkException e) {
      pipeline.finish(DeployedVersion.this, r, o, null, placement.device(), wait, took, size, e);
    }

    private DeadlineExceededException expired(Request<I, O> r, long now) {
      return new DeadlineExceededException(
          spec.name(),
          spec.version(),
          "call to " + spec.name() + "@" + spec.version() + " expired after waiting "
              + TimeUnit.NANOSECONDS.toMillis(now - r.enqueuedNanos) + " ms in the queue (timeout "
              + r.options.timeout() + "); it was not computed. Raise the timeout or add replicas.");
    }

    private InvalidInputException invalid(Request<I, O> r, Throwable e) {
      return new InvalidInputException(
          spec.name(),
          spec.version(),
          spec.name() + "@" + spec.version() + " could not translate its input ("
              + describe(r.input) + ", expected " + spec.inputType().getSimpleName() + " for "
              + spec.translator() + "): " + e.getMessage(),
          e);
    }

    private MaasdkException wrap(Throwable e, Request<I, O> r) {
      if (e instanceof MaasdkException me) {
        return me;
      }
      return new InferenceException(
          spec.name(),
          spec.version(),
          "engine " + engine + " failed computing " + spec.name() + "@" + spec.version() + " on "
              + placement.device() + " for input " + describe(r.input) + " (expected "
              + spec.inputType().getSimpleName() + " for " + spec.translator() + "): "
              + e.getMessage(),
          e);
    }
  }

  static String describe(Object input) {
    Class<?> c = input.getClass();
    if (c.isArray()) {
      return c.getComponentType().getSimpleName() + "[" + java.lang.reflect.Array.getLength(input)
          + "]";
    }
    return c.getSimpleName();
  }
}
