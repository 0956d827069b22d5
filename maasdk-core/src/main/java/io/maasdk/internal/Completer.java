package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.InferenceException;
import io.maasdk.MaasdkException;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ReleaseGate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage of the request path: every call ends here, exactly once. It tells the {@link
 * InferenceListener}s (metrics, metering, audit) in one immutable event, then completes the
 * caller's future, then returns the request's place to its version's {@link Admission}.
 *
 * <p>Stages hand it a {@link Completion} and never call back into the stage that called them.
 * Completions that arrive on the deadline timer or on a cancelling caller's thread are run on the
 * runtime's one {@code maasdk-completions} thread ({@link #completeLater}), so a slow listener can
 * never make the next deadline fire late.
 */
final class Completer {
  private static final Logger LOG = LoggerFactory.getLogger(Completer.class);

  /** The device a cache hit reports. */
  static final String CACHE_DEVICE = "cache";

  private final List<InferenceListener> listeners;

  /** The listeners that are also {@link ReleaseGate}s: a result waits for them. */
  private final List<ReleaseGate> gates;

  private final Clock clock;
  private final ExecutorService later;

  /** The threads replicas run their batches on when no caller does (shared, bounded). */
  final WorkerPool workers = new WorkerPool(WorkerPool.defaultSize());

  Completer(List<InferenceListener> listeners, Clock clock) {
    this.listeners = List.copyOf(listeners);
    this.gates =
        this.listeners.stream()
            .filter(ReleaseGate.class::isInstance)
            .map(ReleaseGate.class::cast)
            .toList();
    this.clock = clock;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            0,
            1,
            10,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "maasdk-completions");
              t.setDaemon(true);
              return t;
            });
    this.later = pool;
  }

  /**
   * Ends an admitted request. If its caller already gave up (cancelled, or its deadline fired), the
   * event says so and no result is delivered.
   */
  <I, O> void complete(Deployment<I, O> dv, Completion<I, O> c) {
    Request<I, O> r = c.request();
    try {
      Outcome outcome = c.outcome();
      O output = c.output();
      if (r.future.isDone()) {
        outcome = r.future.isCancelled() ? Outcome.CANCELLED : gaveUp(r.future);
        output = null;
      }
      InferenceEvent event =
          new InferenceEvent(
              clock.instant(),
              r.options.tenant(),
              dv.spec.name(),
              dv.version(),
              c.device(),
              r.input,
              output,
              c.queueWaitNanos(),
              c.inferenceNanos(),
              c.batchSize(),
              false,
              outcome,
              c.error(),
              r.failoverFrom,
              r.principal,
              r.callId,
              outcome == Outcome.SUCCESS ? r.promptTokens : -1);
      emit(event);
      if (outcome == Outcome.SUCCESS && output != null) {
        release(
            event,
            r.future,
            new Prediction<>(
                output,
                dv.spec.name(),
                dv.version(),
                c.device() == null ? "unknown" : c.device(),
                false,
                r.callId));
      } else if (c.error() != null) {
        r.future.completeExceptionally(c.error());
      }
    } finally {
      dv.admission.ended(r);
    }
  }

  /** {@link #complete} for every completion of a batch, in order. */
  <I, O> void completeAll(Deployment<I, O> dv, List<Completion<I, O>> batch) {
    for (Completion<I, O> c : batch) {
      complete(dv, c);
    }
  }

  /** {@link #complete} on the completions thread: for callers that must not run listeners. */
  <I, O> void completeLater(Deployment<I, O> dv, Completion<I, O> c) {
    try {
      later.execute(() -> complete(dv, c));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      complete(dv, c); // the runtime is closing: finish here
    }
  }

  private static Outcome gaveUp(CompletableFuture<?> f) {
    try {
      f.getNow(null);
      return Outcome.SUCCESS;
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause instanceof io.maasdk.ModelUnavailableException
          ? Outcome.UNAVAILABLE
          : Outcome.DEADLINE_EXCEEDED;
    }
  }

  /**
   * A cache hit: one SUCCESS event with cacheHit, then the answer. With no listener registered
   * there is nobody to tell, so neither the clock nor an event is touched.
   */
  <O> CompletableFuture<Prediction<O>> hit(
      String model,
      Version version,
      Object input,
      CallOptions opts,
      @Nullable String principal,
      O output,
      long callId) {
    Prediction<O> prediction = new Prediction<>(output, model, version, CACHE_DEVICE, true, callId);
    if (listeners.isEmpty()) {
      return CompletableFuture.completedFuture(prediction);
    }
    InferenceEvent event =
        new InferenceEvent(
            clock.instant(),
            opts.tenant(),
            model,
            version,
            CACHE_DEVICE,
            input,
            output,
            0,
            0,
            0,
            true,
            Outcome.SUCCESS,
            null,
            null,
            principal,
            callId,
            -1);
    emit(event);
    if (gates.isEmpty()) {
      return CompletableFuture.completedFuture(prediction);
    }
    CompletableFuture<Prediction<O>> released = new CompletableFuture<>();
    release(event, released, prediction);
    return released;
  }

  /**
   * Completes {@code target} with {@code value} once every {@link ReleaseGate}'s stage for {@code
   * event} has completed (at once when there is no gate, or every stage is already done); a failed
   * stage or a throwing gate fails it instead, with a MaasdkException.
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
        continue; // nothing to wait for: no allocation
      }
      all =
          (all == null ? CompletableFuture.completedFuture(null) : all)
              .thenCombine(stage, (x, y) -> null);
    }
    if (all == null) {
      target.complete(value);
      return;
    }
    all.whenComplete(
        (v, e) -> {
          if (e == null) {
            target.complete(value);
            return;
          }
          Throwable cause =
              e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          target.completeExceptionally(
              cause instanceof MaasdkException
                  ? cause
                  : new InferenceException(
                      event.modelName(),
                      event.version(),
                      "the result of "
                          + event.modelName()
                          + "@"
                          + event.version()
                          + " was computed but held back: "
                          + cause,
                      cause));
        });
  }

  /** A call that ended before it was admitted: one event, then a failed future. */
  <O> CompletableFuture<Prediction<O>> refuse(
      String model,
      @Nullable Version version,
      Object input,
      CallOptions opts,
      @Nullable String principal,
      Outcome outcome,
      MaasdkException e,
      long callId) {
    emit(
        new InferenceEvent(
            clock.instant(),
            opts.tenant(),
            model,
            version,
            null,
            input,
            null,
            0,
            0,
            0,
            false,
            outcome,
            e,
            null,
            principal,
            callId,
            -1));
    return CompletableFuture.failedFuture(e);
  }

  /** Tells a waiter's end (it shared a leader's computation) to the listeners. */
  void waiterEnded(
      String model,
      Version version,
      Object input,
      CallOptions opts,
      @Nullable String principal,
      Outcome outcome,
      @Nullable Throwable error,
      long callId) {
    emit(
        new InferenceEvent(
            clock.instant(),
            opts.tenant(),
            model,
            version,
            null,
            input,
            null,
            0,
            0,
            0,
            false,
            outcome,
            error,
            null,
            principal,
            callId,
            -1));
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
    workers.close(TimeUnit.SECONDS.toMillis(2));
    later.shutdown();
    try {
      later.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
