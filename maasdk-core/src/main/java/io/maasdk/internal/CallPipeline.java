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
import io.maasdk.Ticker;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.spi.InputValidator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The request path, every stage in order; each stage is one class:
 *
 * <ol>
 *   <li>interceptors ({@link CallInterceptor}) — access control, quotas; may refuse, nothing is
 *       queued;
 *   <li>version resolution ({@link ModelRegistry#resolve}) — pin, range, alias (weighted, sticky by
 *       key), latest; an alias's fallback version while its primary is failing or draining;
 *   <li>response cache ({@link ResponseCache}) — hit → listeners → return, never queued; miss →
 *       single flight: the first identical call leads the computation, the others join it;
 *   <li>validation and admission ({@link Admission}) — bad input refused on the caller's thread;
 *       bounded queue, full → {@link OverloadedException} at once; circuit breaker; deadline armed;
 *   <li>batcher ({@link Batcher}) and replica ({@link Replica}) — a worker per replica forms
 *       batches and runs them on its own DJL Predictor (or an idle replica runs a lone call on its
 *       caller's thread);
 *   <li>completion ({@link Completer}) — listeners (metrics, metering, audit), then the caller's
 *       future.
 * </ol>
 *
 * <p>Every asynchronous refusal, whatever its cause (a closed runtime included), comes through the
 * returned future, never as an exception on the caller's thread.
 */
final class CallPipeline {
  /**
   * Every call's id ({@link Prediction#callId()}): JVM-wide, so ids never repeat across runtimes.
   */
  private static final AtomicLong CALL_IDS = new AtomicLong();

  private final ModelRegistry registry;
  private final List<CallInterceptor> interceptors;
  private final Completer completer;
  private final Ticker ticker;
  private final ScheduledExecutorService deadlines;
  final ResponseCache responseCache = new ResponseCache();

  CallPipeline(
      ModelRegistry registry,
      List<CallInterceptor> interceptors,
      Completer completer,
      Ticker ticker) {
    this.registry = registry;
    this.interceptors = List.copyOf(interceptors);
    this.completer = completer;
    this.ticker = ticker;
    responseCache.ticker(ticker);
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

  /**
   * Runs one call down the path; the future completes with the result or a MaasdkException. {@code
   * sync} says the caller will block on the future at once, so the call may run on the caller's
   * thread when a replica is idle.
   */
  <I, O> CompletableFuture<Prediction<O>> call(
      HandleImpl<I, O> handle, I input, CallOptions opts, boolean sync) {
    try {
      return start(handle, input, opts, sync);
    } catch (RuntimeException e) { // e.g. the runtime closed under us: still through the future
      return CompletableFuture.failedFuture(
          e instanceof MaasdkException
              ? e
              : new MaasdkException(
                  handle.modelName(), null, "call to " + handle.modelName() + " failed: " + e, e));
    }
  }

  private <I, O> CompletableFuture<Prediction<O>> start(
      HandleImpl<I, O> handle, I input, CallOptions opts, boolean sync) {
    long callId = CALL_IDS.incrementAndGet();
    // The clock is read only for a call with a timeout: a cache hit without one never touches it.
    long deadline =
        opts.timeout() == null ? Long.MAX_VALUE : ticker.read() + opts.timeout().toNanos();
    String model = handle.modelName();
    if (!handle.inputType().isInstance(input)) {
      InvalidInputException e =
          new InvalidInputException(
              model,
              null,
              "model "
                  + model
                  + " takes "
                  + handle.inputType().getSimpleName()
                  + ", got "
                  + (input == null ? "null" : input.getClass().getSimpleName()));
      return input == null
          ? CompletableFuture.failedFuture(e)
          : completer.refuse(model, null, input, opts, null, Outcome.INVALID_INPUT, e, callId);
    }

    String principal = null; // who an authenticating interceptor bound the call to, if any
    // 1. Interceptors: may refuse before anything is resolved or queued. An authenticating one
    //    binds the call's tenant; every later stage (cache isolation, queueing, events) uses the
    //    bound options, never the tenant the caller wrote.
    if (!interceptors.isEmpty()) {
      CallContext ctx = new CallContext(model, handle.selector(), input, opts);
      try {
        for (CallInterceptor interceptor : interceptors) {
          interceptor.beforeCall(ctx);
        }
      } catch (MaasdkException e) {
        return completer.refuse(
            model, null, input, ctx.options(), ctx.principal(), Outcome.REFUSED, e, callId);
      }
      opts = ctx.options();
      principal = ctx.principal();
    }
    return route(handle, input, opts, principal, deadline, 0, sync, callId);
  }

  /** Stages 2 to 5; waiters of a computation that failed for its own caller's reasons re-enter. */
  private <I, O> CompletableFuture<Prediction<O>> route(
      HandleImpl<I, O> handle,
      I input,
      CallOptions opts,
      @Nullable String principal,
      long deadline,
      int retries,
      boolean sync,
      long callId) {
    String model = handle.modelName();
    // 2. Version resolution; a version that starts draining between resolution and admission is
    //    resolved again, so an alias move never fails a call. An alias with a fallback sends the
    //    call there while its primary is failing (breaker open) or draining.
    for (int attempt = 0; ; attempt++) {
      Deployment<I, O> target;
      Deployment<I, O> fallback;
      try {
        ModelRegistry.Route<I, O> route = registry.route(handle, opts);
        target = route.target();
        fallback = route.fallback();
      } catch (ModelNotFoundException e) {
        return completer.refuse(model, null, input, opts, principal, Outcome.NOT_FOUND, e, callId);
      } catch (MaasdkException e) {
        return completer.refuse(
            model, null, input, opts, principal, Outcome.UNAVAILABLE, e, callId);
      }
      Version failoverFrom = null;
      if (fallback == target || (fallback != null && !fallback.accepting())) {
        fallback = null;
      }
      if (fallback != null && (target.failing() || !target.accepting())) {
        failoverFrom = target.version();
        target = fallback;
        fallback = null;
      }
      Version version = target.version();

      // 3. Response cache: the resolved version's own cache, the input's fingerprint and, when
      //    isolated, the tenant. A hit returns at once; a miss leads or joins a computation.
      ResponseCache.Flight flight = null;
      if (target.spec.cachePolicy().enabled()) {
        ResponseCache.VersionCache vc = handle.lastCache; // no map lookup while it stays valid
        if (vc == null || vc.dv != target || vc.dropped) {
          vc = responseCache.forVersion(target);
          handle.lastCache = vc;
        }
        Object key = vc == null ? null : vc.key(input, opts.tenant());
        if (vc != null && key != null) {
          Object found = vc.lookup(key);
          if (found instanceof ResponseCache.Flight lead) {
            flight = lead;
          } else if (found instanceof ResponseCache.Joined joined) {
            return join(
                handle,
                version,
                input,
                opts,
                principal,
                deadline,
                retries,
                joined.flight(),
                callId);
          } else {
            @SuppressWarnings("unchecked")
            O output = (O) ResponseCache.copy(found);
            return completer.hit(model, version, input, opts, principal, output, callId);
          }
        }
      }

      // 4. Validation, then admission to the version's bounded queue; 5. batcher and replica.
      InputValidator<I> validator = target.spec.validator();
      String problem = validator == null ? null : validator.problem(input);
      if (problem != null) {
        return lead(
            flight,
            version,
            completer.refuse(
                model,
                version,
                input,
                opts,
                principal,
                Outcome.INVALID_INPUT,
                new InvalidInputException(
                    model, version, "invalid input for " + model + "@" + version + ": " + problem),
                callId));
      }
      CompletableFuture<Prediction<O>> result;
      try {
        result = submit(target, input, opts, principal, deadline, sync, failoverFrom, callId);
      } catch (OverloadedException e) {
        return lead(
            flight,
            version,
            completer.refuse(
                model, version, input, opts, principal, Outcome.OVERLOADED, e, callId));
      } catch (ModelUnavailableException e) {
        if (fallback != null) { // refused by a half-open breaker or a drain: the fallback serves
          result = failOver(target, fallback, input, opts, principal, deadline, e, callId);
          return lead(flight, version, result);
        }
        if (attempt < 3 && !target.accepting()) { // draining: the alias may have moved on
          if (flight != null) {
            flight.fail(e); // its waiters resolve again too
          }
          continue;
        }
        return lead(
            flight,
            version,
            completer.refuse(
                model, version, input, opts, principal, Outcome.UNAVAILABLE, e, callId));
      }
      if (fallback != null) {
        Deployment<I, O> primary = target;
        Deployment<I, O> fb = fallback;
        CompletableFuture<Prediction<O>> first = result;
        // An engine failure of the primary (not the input's fault) is computed again on the
        // fallback: callers through an alias with a fallback never see the primary fail.
        CompletableFuture<Prediction<O>> composed =
            first.exceptionallyCompose(
                e -> {
                  Throwable cause = unwrap(e);
                  return cause instanceof InferenceException
                          || cause instanceof ModelUnavailableException
                      ? failOver(primary, fb, input, opts, principal, deadline, cause, callId)
                      : CompletableFuture.failedFuture(cause);
                });
        composed.whenComplete(
            (p, e) -> {
              if (composed.isCancelled()) {
                first.cancel(false); // reaches the queued request
              }
            });
        result = composed;
      }
      return lead(flight, version, result);
    }
  }

  /**
   * Stages 4 and 5 for one version: admission, then a replica, on this thread when one is idle
   * (only without a deadline, because a call computing on its caller's thread cannot give up when
   * its deadline passes), else through the queue with the deadline armed.
   */
  private <I, O> CompletableFuture<Prediction<O>> submit(
      Deployment<I, O> target,
      I input,
      CallOptions opts,
      @Nullable String principal,
      long deadline,
      boolean sync,
      @Nullable Version failoverFrom,
      long callId) {
    Request<I, O> request = new Request<>(input, opts, deadline);
    request.callId = callId;
    request.principal = principal;
    request.failoverFrom = failoverFrom;
    if (sync && deadline == Long.MAX_VALUE && target.tryRunInline(request)) {
      return request.future;
    }
    target.admit(request);
    if (deadline != Long.MAX_VALUE) {
      armDeadline(target, request, deadline);
    }
    return request.future;
  }

  /** The same call on the alias's fallback, told as failed over from {@code primary}. */
  private <I, O> CompletableFuture<Prediction<O>> failOver(
      Deployment<I, O> primary,
      Deployment<I, O> fallback,
      I input,
      CallOptions opts,
      @Nullable String principal,
      long deadline,
      Throwable why,
      long callId) {
    try {
      return submit(fallback, input, opts, principal, deadline, false, primary.version(), callId);
    } catch (MaasdkException e) {
      e.addSuppressed(why);
      return completer.refuse(
          primary.spec.name(),
          fallback.version(),
          input,
          opts,
          principal,
          e instanceof OverloadedException ? Outcome.OVERLOADED : Outcome.UNAVAILABLE,
          e,
          callId);
    }
  }

  /**
   * The leader's result also settles its flight: the cache gets the answer (or loses the entry on
   * failure, which all waiters then receive) before the caller's future completes, so a caller that
   * got an answer finds it cached on its next call. An answer of another version (a failover) is
   * never cached as {@code cached}'s: its waiters resolve again. Cancelling what the caller holds
   * reaches the queued request.
   */
  private static <O> CompletableFuture<Prediction<O>> lead(
      ResponseCache.@Nullable Flight flight,
      Version cached,
      CompletableFuture<Prediction<O>> result) {
    if (flight == null) {
      return result;
    }
    CompletableFuture<Prediction<O>> caller = new CompletableFuture<>();
    result.whenComplete(
        (p, e) -> {
          if (e == null) {
            if (p.version().equals(cached)) {
              flight.succeed(p.output());
            } else { // the fallback answered: never cache it as the primary's answer
              flight.fail(
                  new ModelUnavailableException(
                      p.modelName(),
                      cached,
                      p.modelName()
                          + "@"
                          + cached
                          + " failed over to "
                          + p.version()
                          + "; calls go there meanwhile"));
            }
            caller.complete(p);
          } else {
            Throwable cause = unwrap(e);
            flight.fail(cause);
            caller.completeExceptionally(cause);
          }
        });
    caller.whenComplete(
        (p, e) -> {
          if (caller.isCancelled()) {
            result.cancel(false);
          }
        });
    return caller;
  }

  /**
   * A waiter on an identical call in flight. Its own deadline and cancellation apply; it gets the
   * leader's answer as a hit, or the leader's failure — unless that failure was the leader's own
   * business (its deadline, its cancellation, its version draining), in which case it goes round
   * again and may lead a new computation.
   */
  private <I, O> CompletableFuture<Prediction<O>> join(
      HandleImpl<I, O> handle,
      Version version,
      I input,
      CallOptions opts,
      @Nullable String principal,
      long deadline,
      int retries,
      CompletableFuture<Object> entry,
      long callId) {
    String model = handle.modelName();
    CompletableFuture<Prediction<O>> caller = new CompletableFuture<>();
    if (deadline != Long.MAX_VALUE) {
      ScheduledFuture<?> timer =
          deadlines.schedule(
              () ->
                  caller.completeExceptionally(
                      new DeadlineExceededException(
                          model,
                          version,
                          "call to "
                              + model
                              + "@"
                              + version
                              + " did not finish within its timeout of "
                              + opts.timeout()
                              + " while waiting for an identical call in flight.")),
              Math.max(0, deadline - ticker.read()),
              TimeUnit.NANOSECONDS);
      caller.whenComplete((v, e) -> timer.cancel(false));
    }
    entry.whenComplete(
        (value, error) -> {
          if (caller.isDone()) {
            Outcome gone = caller.isCancelled() ? Outcome.CANCELLED : Outcome.DEADLINE_EXCEEDED;
            completer.waiterEnded(model, version, input, opts, principal, gone, null, callId);
            return;
          }
          if (error == null && value != null && !(value instanceof ResponseCache.Failed)) {
            @SuppressWarnings("unchecked")
            O output = (O) ResponseCache.copy(value);
            completer
                .hit(model, version, input, opts, principal, output, callId)
                .whenComplete(
                    (p, e) -> {
                      if (e == null) {
                        caller.complete(p);
                      } else { // a release gate refused it (durable metering could not record it)
                        caller.completeExceptionally(unwrap(e));
                      }
                    });
            return;
          }
          Throwable cause =
              value instanceof ResponseCache.Failed f
                  ? f.error()
                  : error != null
                      ? unwrap(error)
                      : new InferenceException(
                          model, version, model + "@" + version + " produced no output");
          if (retries < 3
              && (cause instanceof CancellationException
                  || cause instanceof DeadlineExceededException
                  || cause instanceof ModelUnavailableException)) {
            route(handle, input, opts, principal, deadline, retries + 1, false, callId)
                .whenComplete(
                    (p, e) -> {
                      if (e == null) {
                        caller.complete(p);
                      } else {
                        caller.completeExceptionally(unwrap(e));
                      }
                    });
            return;
          }
          completer.waiterEnded(
              model, version, input, opts, principal, outcomeOf(cause), cause, callId);
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

  /**
   * The deadline's timer: it only completes the caller's future, at the deadline; the request then
   * leaves the queue and its event is told on the completions thread ({@link Deployment#admit}).
   */
  private <I, O> void armDeadline(Deployment<I, O> target, Request<I, O> r, long deadline) {
    ScheduledFuture<?> timer =
        deadlines.schedule(
            () ->
                r.future.completeExceptionally(
                    new DeadlineExceededException(
                        target.spec.name(),
                        target.version(),
                        "call to "
                            + target.spec.name()
                            + "@"
                            + target.version()
                            + " did not finish within its timeout of "
                            + r.options.timeout()
                            + " (queue depth "
                            + target.queueDepth()
                            + "). Raise the timeout,"
                            + " add replicas or enable batching.")),
            Math.max(0, deadline - ticker.read()),
            TimeUnit.NANOSECONDS);
    r.future.whenComplete((v, e) -> timer.cancel(false));
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
