package io.maasdk.internal;

import io.maasdk.DevicePolicy;
import io.maasdk.DeviceUnavailableException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.Placement;
import io.maasdk.Ticker;
import io.maasdk.Version;
import io.maasdk.spi.Backend;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One deployed model version, and its lifecycle: loaded on every placed device, each replica
 * verified there and warmed up, the batch check passed, then serving; {@link #drainAndClose} stops
 * admitting, lets admitted calls finish within the drain timeout, settles the rest and frees native
 * memory. The request path's stages for a version live in their own classes: {@link Admission}
 * (queue and circuit breaker), {@link Batcher} (one worker loop per replica), {@link Replica}
 * (predictor, failure attribution, restart), {@link Completer} (events and futures).
 */
final class Deployment<I, O> {
  private static final Logger LOG = LoggerFactory.getLogger(Deployment.class);

  final ModelSpec<I, O> spec;
  final String engine;
  final List<Placement> placements;
  final Admission<I, O> admission;
  final Completer completer;
  final Ticker ticker;
  final AtomicLong restarts = new AtomicLong();
  final FailureLog failures;
  private final Backend backend;
  private final Map<String, Backend.Loaded<I, O>> models = new LinkedHashMap<>();
  private final List<Replica<I, O>> replicas = new ArrayList<>();

  /** One batcher per replica, index for index; each runs on a thread only while it has work. */
  private final List<Batcher<I, O>> batchers = new ArrayList<>();

  /** Predictors not yet closed; the last one closed also closes the models. */
  private final AtomicInteger openReplicas = new AtomicInteger();

  /**
   * Loads, verifies and warms every replica and checks batching. No thread is started: a replica's
   * worker starts when a call is queued for it and ends after it has been idle a while (see {@link
   * Batcher}), so a thousand idle versions hold no threads.
   */
  Deployment(
      ModelSpec<I, O> spec,
      Backend backend,
      List<Placement> placed,
      Completer completer,
      Ticker ticker) {
    this.spec = spec;
    this.backend = backend;
    this.engine = backend.engine();
    this.completer = completer;
    this.ticker = ticker;
    this.admission = new Admission<>(spec, ticker);
    this.failures = new FailureLog(spec.name() + "@" + spec.version(), ticker);
    List<Placement> actual = new ArrayList<>();
    try {
      for (Placement p : placed) {
        Replica<I, O> replica;
        try {
          replica = start(p);
        } catch (RuntimeException e) {
          if (!p.onGpu()) {
            throw e;
          }
          p = fallBack(p, e);
          replica = start(p);
        }
        actual.add(p);
        replicas.add(replica);
      }
      checkBatching(replicas.get(0));
    } catch (RuntimeException e) {
      closeNative();
      throw e;
    }
    this.placements = List.copyOf(actual);
    for (Replica<I, O> r : replicas) {
      batchers.add(new Batcher<>(this, r));
    }
  }

  /** Loads (or reuses) the model on {@code p}'s device, makes its session, proves it there. */
  private Replica<I, O> start(Placement p) {
    Backend.Loaded<I, O> model = models.get(p.device());
    if (model == null) {
      model = backend.load(spec, p);
      models.put(p.device(), model);
    }
    Replica<I, O> replica = new Replica<>(this, p, model);
    openReplicas.incrementAndGet();
    try {
      if (spec.warmup().isEmpty()) {
        model.verify(p);
      } else {
        for (I input : spec.warmup()) {
          Replica.predictOne(replica.predictor(), input);
        }
      }
    } catch (Exception e) {
      replica.tryClose();
      if (e instanceof MaasdkException me) {
        throw me;
      }
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          "warm-up of "
              + spec.name()
              + "@"
              + spec.version()
              + " on "
              + p.device()
              + " failed: "
              + e.getMessage(),
          e);
    }
    return replica;
  }

  /** A GPU replica failed to load or verify: CPU if the policy allows, else a clear refusal. */
  private Placement fallBack(Placement p, RuntimeException cause) {
    String why = p.device() + " failed verification (" + cause.getMessage() + ")";
    if (spec.devicePolicy().fallback() == DevicePolicy.Fallback.FAIL) {
      throw new DeviceUnavailableException(
          spec.name(),
          spec.version(),
          spec.name()
              + "@"
              + spec.version()
              + " cannot run on "
              + p.device()
              + ": the engine "
              + engine
              + " could not load or compute there: "
              + cause.getMessage()
              + ". Use a CPU policy or fallbackToCpu().",
          cause);
    }
    LOG.warn(
        "{}@{}: replica {} falls back to the CPU: {}",
        spec.name(),
        spec.version(),
        p.replica(),
        why);
    return new Placement(p.replica(), Placer.CPU, "fallback: " + why);
  }

  /**
   * With batching on and warm-up inputs given, the warm-up inputs computed as one batch must give
   * the answers they gave alone: a translator that adds its own batch dimension, or a model whose
   * answer depends on its batch-mates, would otherwise give silently wrong answers under load.
   */
  private void checkBatching(Replica<I, O> replica) {
    if (!spec.batching().enabled() || !spec.batching().deployCheck() || spec.warmup().isEmpty()) {
      return;
    }
    List<I> inputs = new ArrayList<>(spec.warmup());
    if (inputs.size() == 1) {
      inputs.add(inputs.get(0));
    }
    List<O> batched;
    List<O> alone = new ArrayList<>();
    try {
      List<Backend.Call<I>> calls = new ArrayList<>(inputs.size());
      for (I input : inputs) {
        alone.add(Replica.predictOne(replica.predictor(), input));
        calls.add(Backend.Call.of(input));
      }
      batched = replica.predictor().predict(calls);
    } catch (Exception e) {
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          spec.name()
              + "@"
              + spec.version()
              + ": its warm-up inputs compute alone but not as a"
              + " batch of "
              + inputs.size()
              + " ("
              + e.getMessage()
              + "). Fix the translator's"
              + " batchifier or deploy with BatchingPolicy.disabled().",
          e);
    }
    for (int i = 0; i < inputs.size(); i++) {
      String difference = Outputs.difference(alone.get(i), batched.get(i));
      if (difference != null) {
        throw new ModelLoadException(
            spec.name(),
            spec.version(),
            spec.name()
                + "@"
                + spec.version()
                + " answers warm-up input "
                + i
                + " differently in"
                + " a batch of "
                + inputs.size()
                + " than alone ("
                + difference
                + "). Batching"
                + " would give wrong answers: the translator "
                + (spec.translator() == null
                    ? "of backend " + engine
                    : spec.translator().getClass().getSimpleName())
                + " may add its own batch"
                + " dimension (DJL's batchifier adds one), or the model's output depends on its"
                + " batch-mates. Fix the translator, or deploy with BatchingPolicy.disabled();"
                + " BatchingPolicy.builder().deployCheck(false) skips this check.");
      }
    }
  }

  Version version() {
    return spec.version();
  }

  // ---------------------------------------------------------------- admission and inline runs

  /**
   * Queues {@code r} (see {@link Admission#admit}). A call cancelled, or whose deadline fires,
   * while it waits leaves the queue at once and is never computed.
   */
  void admit(Request<I, O> r) {
    admission.admit(r);
    for (Batcher<I, O> b : batchers) {
      b.wake(); // one volatile read each when the workers already run
    }
    r.future.whenComplete(
        (v, e) -> {
          if (e != null && admission.queue.remove(r)) {
            completer.completeLater(this, Completion.unrun(r, Outcome.CANCELLED, null));
          }
        });
  }

  /**
   * Caller runs: a synchronous call that finds the version idle (nothing queued, nothing running)
   * runs on the caller's own thread with a free replica's predictor, saving the two thread
   * hand-offs a queued call pays. Nobody is overtaken and batching is untouched.
   *
   * @return whether {@code r} was admitted and has run (its future is complete)
   */
  boolean tryRunInline(Request<I, O> r) {
    if (!admission.looksIdle()) {
      return false; // the common case under load: decided without taking any lock
    }
    for (Replica<I, O> replica : replicas) {
      if (!replica.up || !replica.lock.tryLock()) {
        continue;
      }
      List<Completion<I, O>> done;
      try {
        if (!replica.up || replica.stopping) {
          continue;
        }
        if (!admission.admitInline(r)) {
          return false;
        }
        r.enqueuedNanos = ticker.read();
        try {
          done = replica.run(List.of(r));
        } catch (Throwable t) { // never let one call break the replica
          LOG.error("{}: unexpected failure in an inline call", replica.name, t);
          done =
              List.of(
                  Completion.failure(
                      r,
                      Outcome.FAILED,
                      replica.placement.device(),
                      0,
                      0,
                      1,
                      new io.maasdk.InferenceException(
                          spec.name(),
                          version(),
                          "internal error computing " + spec.name() + "@" + version() + ": " + t)));
        }
      } finally {
        replica.lock.unlock();
      }
      replica.closeIfStopping();
      completer.completeAll(this, done);
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- inspection

  int queueDepth() {
    return admission.queue.size();
  }

  int inFlight() {
    return admission.inFlight();
  }

  boolean accepting() {
    return admission.accepting();
  }

  /** Whether calls would be refused now because the breaker is open (failover looks at this). */
  boolean failing() {
    return admission.breaker.state() == CircuitBreaker.State.OPEN;
  }

  int replicasUp() {
    return (int) replicas.stream().filter(r -> r.up).count();
  }

  long replicaRestarts() {
    return restarts.get();
  }

  String breakerState() {
    return admission.breaker.state().name();
  }

  /** Makes sure {@code replica}'s worker runs (to retry a restart, for one). */
  void wake(Replica<I, O> replica) {
    int i = replicas.indexOf(replica);
    if (i >= 0 && i < batchers.size()) {
      batchers.get(i).wake();
    }
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Stops admitting, lets admitted calls finish for up to {@code graceNanos}, then settles every
   * call still waiting or running with {@link ModelUnavailableException}, stops the workers and
   * frees native memory. Returns within about {@code graceNanos} plus one second even if a call is
   * stuck in the engine or the translator: that call's predictor is then never closed under it; it
   * is closed when the call returns, and leaks (with a warning) if it never does.
   */
  void drainAndClose(long graceNanos, String why) {
    long end = System.nanoTime() + graceNanos + TimeUnit.SECONDS.toNanos(1);
    admission.stopAndAwaitIdle(graceNanos);
    for (Request<I, O> r : admission.closeQueue()) {
      completer.complete(this, Completion.unrun(r, Outcome.UNAVAILABLE, closed(why, true)));
    }
    for (Replica<I, O> r : replicas) {
      r.stopping = true;
      for (Request<I, O> running : r.running) {
        running.future.completeExceptionally(closed(why, false)); // its caller stops waiting now
      }
    }
    for (Batcher<I, O> b : batchers) {
      try {
        b.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closeNative();
  }

  private ModelUnavailableException closed(String why, boolean queued) {
    return new ModelUnavailableException(
        spec.name(),
        version(),
        spec.name()
            + "@"
            + version()
            + (queued
                ? " was closed before this queued call ran: "
                : " was closed while this call was still running, past the drain timeout: ")
            + why);
  }

  private void closeNative() {
    for (Replica<I, O> r : replicas) {
      r.stopping = true;
      if (!r.tryClose()) {
        LOG.warn(
            "{}: a call is still running past the drain timeout; its predictor stays open"
                + " until the call returns (and leaks if it never does)",
            r.name);
      }
    }
    if (openReplicas.get() == 0) {
      closeModels(); // also a deploy that failed before any replica was made
    }
  }

  /** A replica's predictor was closed; the last one closes the models. */
  void replicaClosed() {
    if (openReplicas.decrementAndGet() == 0) {
      closeModels();
    }
  }

  private synchronized void closeModels() {
    for (Map.Entry<String, Backend.Loaded<I, O>> e : models.entrySet()) {
      try {
        e.getValue().close(); // a GPU model also empties the engine's CUDA cache
      } catch (RuntimeException ex) {
        LOG.debug("closing {} threw", e.getKey(), ex);
      }
    }
    models.clear();
  }

  static String describe(Object input) {
    Class<?> c = input.getClass();
    if (c.isArray()) {
      return c.getComponentType().getSimpleName()
          + "["
          + java.lang.reflect.Array.getLength(input)
          + "]";
    }
    return c.getSimpleName();
  }
}
