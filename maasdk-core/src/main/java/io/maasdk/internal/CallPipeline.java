package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
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
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 *   <li>response cache — (issue #4: hit → listeners → return; miss → single flight);
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
  private final Clock clock;
  private final ScheduledExecutorService deadlines;

  CallPipeline(
      ModelRegistry registry,
      List<CallInterceptor> interceptors,
      List<InferenceListener> listeners,
      Clock clock) {
    this.registry = registry;
    this.interceptors = List.copyOf(interceptors);
    this.listeners = List.copyOf(listeners);
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
    long start = System.nanoTime();
    long deadline =
        opts.timeout() == null ? Long.MAX_VALUE : start + opts.timeout().toNanos();
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

      // 3. Response cache: see issue #4.

      // 4. Validation, then admission to the version's bounded queue.
      InputValidator<I> validator = target.spec.validator();
      String problem = validator == null ? null : validator.problem(input);
      if (problem != null) {
        return refuse(model, version, input, opts, Outcome.INVALID_INPUT,
            new InvalidInputException(model, version,
                "invalid input for " + model + "@" + version + ": " + problem));
      }
      Request<I, O> request = new Request<>(input, opts, deadline);
      try {
        target.admit(request);
      } catch (OverloadedException e) {
        return refuse(model, version, input, opts, Outcome.OVERLOADED, e);
      } catch (ModelUnavailableException e) {
        if (attempt < 3 && !target.accepting()) { // draining: the alias may have moved on
          continue;
        }
        return refuse(model, version, input, opts, Outcome.UNAVAILABLE, e);
      }
      if (deadline != Long.MAX_VALUE) {
        armDeadline(target, request, deadline - System.nanoTime());
      }
      // 5. The version's workers take it from here and call finish().
      return request.future;
    }
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
      emit(new InferenceEvent(
          clock.instant(), r.options.tenant(), dv.spec.name(), dv.version(), device, r.input,
          output, queueWaitNanos, inferenceNanos, batchSize, false, outcome, error));
      if (outcome == Outcome.SUCCESS && output != null) {
        r.future.complete(new Prediction<>(output, dv.spec.name(), dv.version(),
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

  void close() {
    deadlines.shutdownNow();
    try {
      deadlines.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
