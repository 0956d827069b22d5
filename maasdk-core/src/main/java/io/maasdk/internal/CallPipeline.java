package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InferenceException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelNotFoundException;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.InputValidator;
import io.maasdk.spi.ReleaseGate;
import java.time.Clock;
import java.util.List;
import java.util.function.BiFunction;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request path, every stage in order (DESIGN.md):
 *
 * <ol>
 *   <li>interceptors — access control, quotas; may refuse, nothing is queued;
 *   <li>version resolution — pin, range, alias (weighted, sticky by key), latest;
 *   <li>response cache — {@link ResponseCache}, one Caffeine cache per deployed version: hit →
 *       listeners → return (never queued); miss → single flight, the first identical call computes
 *       and the others wait for it;
 *   <li>validation and admission — bad input refused on the caller's thread; bounded queue,
 *       full → {@link OverloadedException} at once; deadline armed;
 *   <li>batcher and replica worker — {@link DeployedVersion}'s workers take batches from the queue
 *       and run them on their own DJL Predictor;
 *   <li>completion — {@link #finish}: listeners (metrics, metering, audit), then the caller's
 *       future.
 * </ol>
 */
public final class CallPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(CallPipeline.class);

  private final ModelRegistry registry;
  private final List<CallInterceptor> interceptors;
  private final List<InferenceListener> listeners;
  /** The listeners that are also {@link ReleaseGate}s: a result waits for them (see release). */
  private final List<ReleaseGate> gates;
  private final Clock clock;
  private final ScheduledExecutorService deadlines;
  private final ResponseCache responseCache = new ResponseCache();
  /** The device a cache hit reports. */
  static final String CACHE_DEVICE = "cache";

  CallPipeline(
      ModelRegistry registry,
      List<CallInterceptor> interceptors,
      List<InferenceListener> listeners,
      Clock clock) {
    this.registry = registry;
    this.interceptors = List.copyOf(interceptors);
    this.listeners = List.copyOf(listeners);
    this.gates = this.listeners.stream().filter(ReleaseGate.class::isInstance)
        .map(ReleaseGate.class::cast).toList();
    this.clock = clock;
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "maasdk-deadlines");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    this.deadlines = timer;
  }

  /** Runs one call down the path; the future completes with the result or a MaasdkException. */
  <I, O> CompletableFuture<Prediction<O>> call(HandleImpl<I, O> handle, I input, CallOptions opts) {
    return call(handle, input, opts, false);
  }

  /**
   * As {@link #call(HandleImpl, Object, CallOptions)}; {@code sync} says the caller will block on
   * the future at once, so the call may run on the caller's thread when a replica is idle.
   */
  <I, O> CompletableFuture<Prediction<O>> call(
      HandleImpl<I, O> handle, I input, CallOptions opts, boolean sync) {
    // The clock is read only for a call with a timeout: a cache hit without one never touches it.
    long deadline =
        opts.timeout() == null ? Long.MAX_VALUE : System.nanoTime() + opts.timeout().toNanos();
    String model = handle.modelName();
    if (!handle.inputType().isInstance(input)) {
      InvalidInputException e =
          new InvalidInputException(
              model, null,
              "model " + model + " takes " + handle.inputType().getSimpleName() + ", got "
                  + (input == null ? "null" : input.getClass().getSimpleName()));
      return input == null ? CompletableFuture.failedFuture(e) : refuse(model, null, input, opts, Outcome.INVALID_INPUT, e);
    }

    // 1. Interceptors: may refuse before anything is resolved or queued.
    try {
      CallContext ctx = new CallContext(model, handle.selector(), input, opts);
      for (CallInterceptor interceptor : interceptors) {
        interceptor.beforeCall(ctx);
      }
    } catch (MaasdkException e) {
      return refuse(model, null, input, opts, Outcome.REFUSED, e);
    }

    return route(handle, input, opts, deadline, 0, sync);
  }

  /** Stages 2 to 5; waiters of a computation that failed for its own caller's reasons re-enter. */
  private <I, O> CompletableFuture<Prediction<O>> route(HandleImpl<I, O> handle, I input,
      CallOptions opts, long deadline, int retries, boolean sync) {
    String model = handle.modelName();
    // 2. Version resolution; a version that starts draining between resolution and admission is
    //    resolved again, so an alias move never fails a call.
    for (int attempt = 0; ; attempt++) {
      DeployedVersion<I, O> target;
      try {
        target = registry.resolve(handle, opts);
      } catch (ModelNotFoundException e) {
        return refuse(model, null, input, opts, Outcome.NOT_FOUND, e);
      }
      Version version = target.version();

      // 3. Response cache, keyed by the resolved version (its own cache), the input's fingerprint
      //    and, when isolated, the tenant. Hit → listeners → return, never queued. Miss → single
      //    flight: the first caller computes below; identical calls meanwhile wait for its answer.
      CompletableFuture<Object> flight = null;
      if (target.spec.cachePolicy().enabled()) {
        ResponseCache.VersionCache vc = handle.lastCache; // no map lookup while it stays valid
        if (vc == null || vc.dv != target || vc.dropped) {
          vc = responseCache.forVersion(target);
          handle.lastCache = vc;
        }
        Object key = vc == null ? null : vc.key(input, opts.tenant());
        if (key != null) {
          // Fast path for a hit: a plain map read (no loader, no allocation); counted by hand,
          // because Map.get records no statistics and a miss is recorded by get() below.
          CompletableFuture<Object> present = vc.cache.asMap().get(key);
          if (present != null && present.isDone() && !present.isCompletedExceptionally()) {
            vc.stats.recordHits(1);
            return hit(model, version, input, opts, present.join());
          }
          Flight leader = new Flight();
          CompletableFuture<Object> entry = vc.cache.get(key, leader);
          if (leader.promise == null && entry.isCompletedExceptionally()) {
            // A failure Caffeine is about to drop: failures are never served, so compute again.
            vc.cache.asMap().remove(key, entry);
            entry = vc.cache.get(key, leader);
          }
          if (leader.promise == null) {
            if (entry.isDone() && !entry.isCompletedExceptionally()) {
              return hit(model, version, input, opts, entry.join());
            }
            return join(handle, version, input, opts, deadline, retries, entry);
          }
          flight = leader.promise;
        }
      }

      // 4. Validation, then admission to the version's bounded queue.
      InputValidator<I> validator = target.spec.validator();
      String problem = validator == null ? null : validator.problem(input);
      if (problem != null) {
        return fail(flight, refuse(model, version, input, opts, Outcome.INVALID_INPUT,
            new InvalidInputException(model, version,
                "invalid input for " + model + "@" + version + ": " + problem)));
      }
      Request<I, O> request = new Request<>(input, opts, deadline);
      boolean ranInline;
      try {
        // 5'. Or on this thread, when a replica is idle: only without a deadline, because a call
        //     computing on its caller's thread cannot give up when its deadline passes.
        ranInline = sync && deadline == Long.MAX_VALUE && target.tryRunInline(request);
        if (!ranInline) {
          target.admit(request);
        }
      } catch (OverloadedException e) {
        return fail(flight, refuse(model, version, input, opts, Outcome.OVERLOADED, e));
      } catch (ModelUnavailableException e) {
        if (attempt < 3 && !target.accepting()) { // draining: the alias may have moved on
          if (flight != null) {
            flight.completeExceptionally(e); // its waiters re-resolve too
          }
          continue;
        }
        return fail(flight, refuse(model, version, input, opts, Outcome.UNAVAILABLE, e));
      }
      if (deadline != Long.MAX_VALUE && !ranInline) {
        armDeadline(target, request, deadline - System.nanoTime());
      }
      // 5. The version's workers take it from here and call finish().
      return flight == null ? request.future : settle(request, flight);
    }
  }

  /** Caffeine's loader for a missing key: records that this call leads the computation. */
  private static final class Flight
      implements BiFunction<Object, Executor, CompletableFuture<Object>> {
    @Nullable CompletableFuture<Object> promise;

    @Override
    public CompletableFuture<Object> apply(Object key, Executor executor) {
      promise = new CompletableFuture<>();
      return promise;
    }
  }

  /**
   * A cache hit: one SUCCESS event with cacheHit, then the answer (a copy of arrays). With no
   * listener registered there is nobody to tell, so neither the clock nor an event is touched.
   */
  private <O> CompletableFuture<Prediction<O>> hit(
      String model, Version version, Object input, CallOptions opts, Object cached) {
    @SuppressWarnings("unchecked")
    O output = (O) ResponseCache.copy(cached);
    Prediction<O> prediction = new Prediction<>(output, model, version, CACHE_DEVICE, true);
    if (listeners.isEmpty()) {
      return CompletableFuture.completedFuture(prediction);
    }
    InferenceEvent event = new InferenceEvent(clock.instant(), opts.tenant(), model, version,
        CACHE_DEVICE, input, output, 0, 0, 0, true, Outcome.SUCCESS, null);
    emit(event);
    CompletableFuture<Prediction<O>> released = new CompletableFuture<>();
    release(event, released, prediction);
    return released;
  }

  /**
   * Completes {@code target} with {@code value} once every {@link ReleaseGate}'s stage for {@code
   * event} has completed (at once when there is no gate); a failed stage or a throwing gate fails
   * it instead, with a MaasdkException.
   */
  private <T> void release(InferenceEvent event, CompletableFuture<T> target, T value) {
    CompletableFuture<?> all = null;
    for (ReleaseGate gate : gates) {
      CompletionStage<?> stage;
      try {
        stage = gate.beforeRelease(event);
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      if (stage instanceof CompletableFuture<?> f && f.isDone() && !f.isCompletedExceptionally()) {
        continue; // nothing to wait for (a gate with nothing to do): no allocation
      }
      all = (all == null ? CompletableFuture.completedFuture(null) : all)
          .thenCombine(stage, (x, y) -> null);
    }
    if (all == null) {
      target.complete(value);
      return;
    }
    all.whenComplete((v, e) -> {
      if (e == null) {
        target.complete(value);
        return;
      }
      Throwable cause = unwrap(e);
      target.completeExceptionally(cause instanceof MaasdkException ? cause
          : new InferenceException(event.modelName(), event.version(), "the result of "
              + event.modelName() + "@" + event.version() + " was computed but held back: "
              + cause, cause));
    });
  }

  /**
   * The leader's result also settles the flight: the cache gets the answer (or loses the entry on
   * failure, which all waiters then receive) before the caller's future completes, so a caller that
   * got an answer finds it cached on its next call.
   */
  private <I, O> CompletableFuture<Prediction<O>> settle(
      Request<I, O> request, CompletableFuture<Object> flight) {
    CompletableFuture<Prediction<O>> caller = new CompletableFuture<>();
    request.future.whenComplete(
        (p, e) -> {
          if (e == null) {
            flight.complete(ResponseCache.copy(p.output()));
            caller.complete(p);
          } else {
            flight.completeExceptionally(e);
            caller.completeExceptionally(e);
          }
        });
    // Cancelling what the caller holds must reach the queued request.
    caller.whenComplete(
        (p, e) -> {
          if (caller.isCancelled()) {
            request.future.cancel(false);
          }
        });
    return caller;
  }

  private static <O> CompletableFuture<Prediction<O>> fail(
      @Nullable CompletableFuture<Object> flight, CompletableFuture<Prediction<O>> refused) {
    if (flight != null) {
      refused.whenComplete((p, e) -> flight.completeExceptionally(e));
    }
    return refused;
  }

  /**
   * A waiter on an identical call in flight. Its own deadline and cancellation apply; it gets the
   * leader's answer as a hit, or the leader's failure — unless that failure was the leader's own
   * business (its deadline, its cancellation, its version draining), in which case it goes round
   * again and may lead a new computation.
   */
  private <I, O> CompletableFuture<Prediction<O>> join(
      HandleImpl<I, O> handle, Version version, I input, CallOptions opts, long deadline,
      int retries, CompletableFuture<Object> entry) {
    String model = handle.modelName();
    CompletableFuture<Prediction<O>> caller = new CompletableFuture<>();
    if (deadline != Long.MAX_VALUE) {
      ScheduledFuture<?> timer =
          deadlines.schedule(
              () -> caller.completeExceptionally(new DeadlineExceededException(model, version,
                  "call to " + model + "@" + version + " did not finish within its timeout of "
                      + opts.timeout() + " while waiting for an identical call in flight.")),
              Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      caller.whenComplete((v, e) -> timer.cancel(false));
    }
    entry.whenComplete(
        (value, error) -> {
          if (caller.isDone()) {
            Outcome gone = caller.isCancelled() ? Outcome.CANCELLED : Outcome.DEADLINE_EXCEEDED;
            emit(new InferenceEvent(clock.instant(), opts.tenant(), model, version, null, input,
                null, 0, 0, 0, false, gone, null));
            return;
          }
          if (error == null && value != null) {
            CallPipeline.this.<O>hit(model, version, input, opts, value)
                .whenComplete((p, e) -> {
                  if (e == null) {
                    caller.complete(p);
                  } else {
                    caller.completeExceptionally(unwrap(e));
                  }
                });
            return;
          }
          Throwable cause = error == null ? new InferenceException(model, version,
              model + "@" + version + " produced no output") : unwrap(error);
          if (retries < 3 && (cause instanceof CancellationException
              || cause instanceof DeadlineExceededException
              || cause instanceof ModelUnavailableException)) {
            route(handle, input, opts, deadline, retries + 1, false)
                .whenComplete((p, e) -> {
                  if (e == null) {
                    caller.complete(p);
                  } else {
                    caller.completeExceptionally(unwrap(e));
                  }
                });
            return;
          }
          emit(new InferenceEvent(clock.instant(), opts.tenant(), model, version, null, input,
              null, 0, 0, 0, false, outcomeOf(cause), cause));
          caller.completeExceptionally(cause);
        });
    return caller;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static Outcome outcomeOf(Throwable t) {
    if (t instanceof InvalidInputException) {
      return Outcome.INVALID_INPUT;
    } else if (t instanceof OverloadedException) {
      return Outcome.OVERLOADED;
    } else if (t instanceof DeadlineExceededException) {
      return Outcome.DEADLINE_EXCEEDED;
    } else if (t instanceof ModelUnavailableException) {
      return Outcome.UNAVAILABLE;
    } else if (t instanceof CancellationException) {
      return Outcome.CANCELLED;
    }
    return Outcome.FAILED;
  }

  private <I, O> void armDeadline(DeployedVersion<I, O> target, Request<I, O> r, long inNanos) {
    ScheduledFuture<?> timer =
        deadlines.schedule(
            () ->
                r.future.completeExceptionally(
                    new DeadlineExceededException(
                        target.spec.name(),
                        target.version(),
                        "call to " + target.spec.name() + "@" + target.version()
                            + " did not finish within its timeout of " + r.options.timeout()
                            + " (queue depth " + target.queueDepth() + "). Raise the timeout,"
                            + " add replicas or enable batching.")),
            Math.max(0, inNanos),
            TimeUnit.NANOSECONDS);
    r.future.whenComplete((v, e) -> timer.cancel(false));
  }

  /**
   * 6. Completion: exactly once per admitted request. Tells the listeners, then completes the
   * caller's future. If the caller already gave up (cancelled, or its deadline fired), the event
   * says so and no result is delivered.
   */
  <I, O> void finish(
      DeployedVersion<I, O> dv,
      Request<I, O> r,
      Outcome outcome,
      @Nullable O output,
      @Nullable String device,
      long queueWaitNanos,
      long inferenceNanos,
      int batchSize,
      @Nullable MaasdkException error) {
    try {
      if (r.future.isDone()) {
        outcome = r.future.isCancelled() ? Outcome.CANCELLED : Outcome.DEADLINE_EXCEEDED;
        output = null;
      }
      InferenceEvent event = new InferenceEvent(
          clock.instant(), r.options.tenant(), dv.spec.name(), dv.version(), device, r.input,
          output, queueWaitNanos, inferenceNanos, batchSize, false, outcome, error);
      emit(event);
      if (outcome == Outcome.SUCCESS && output != null) {
        release(event, r.future, new Prediction<>(output, dv.spec.name(), dv.version(),
            device == null ? "unknown" : device, false));
      } else if (error != null) {
        r.future.completeExceptionally(error);
      }
    } finally {
      dv.released();
    }
  }

  private <O> CompletableFuture<Prediction<O>> refuse(
      String model, @Nullable Version version, Object input, CallOptions opts, Outcome outcome,
      MaasdkException e) {
    emit(new InferenceEvent(clock.instant(), opts.tenant(), model, version, null, input, null, 0, 0,
        0, false, outcome, e));
    return CompletableFuture.failedFuture(e);
  }

  private void emit(InferenceEvent event) {
    for (InferenceListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException ex) {
        LOG.warn("InferenceListener {} threw; ignored", l.getClass().getName(), ex);
      }
    }
  }

  /** The runtime's response cache (ModelRuntime reaches it through its registry). */
  public static ResponseCache responseCache(ModelRegistry registry) {
    return registry.pipeline().responseCache;
  }

  void close() {
    responseCache.clear();
    deadlines.shutdownNow();
    try {
      deadlines.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
