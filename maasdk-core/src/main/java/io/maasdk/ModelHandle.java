package io.maasdk;

import java.util.concurrent.CompletableFuture;

/**
 * A typed way to call one model, following a {@link VersionSelector}. Thread-safe and cheap: get
 * one from {@link ModelRuntime#handle} and share it. A handle pinned to an exact version never
 * moves; one that follows an alias or a range is re-resolved on every call, so alias moves take
 * effect at once without new handles.
 *
 * <p><b>Lifecycle.</b> A handle holds nothing: there is nothing to close, dropping it is free, and
 * it never stops a version from being undeployed. A call through a handle whose selector no longer
 * matches anything deployed (its exact version was undeployed, say) fails with {@link
 * ModelNotFoundException} naming the version and what is deployed; the handle works again if a
 * matching version is deployed later. To keep a version from being undeployed while you depend on
 * it, take a {@link Lease} with {@link #pin()} and close it when done: undeploy is refused while a
 * lease needs the version, and the refusal names each such lease and where it was taken.
 *
 * <p>Errors are {@link MaasdkException}s: {@link InvalidInputException} for input the model cannot
 * take, {@link OverloadedException} when the queue is full, {@link DeadlineExceededException} when
 * {@link CallOptions#timeout()} passes, {@link ModelNotFoundException} when nothing matches the
 * selector. The asynchronous variants complete exceptionally with the same types (unwrapped).
 *
 * @param <I> the input type the model's translator takes
 * @param <O> the output type it produces
 */
public interface ModelHandle<I, O> {

  /** The model's name. */
  String modelName();

  /** The selector this handle follows. */
  VersionSelector selector();

  /** Computes an output with default {@link CallOptions}; blocks until done. */
  default O predict(I input) {
    return predict(input, CallOptions.ofDefaults());
  }

  /** Computes an output; blocks until done, the deadline passes, or the thread is interrupted. */
  default O predict(I input, CallOptions options) {
    return predictDetailed(input, options).output();
  }

  /** Like {@link #predict(Object, CallOptions)}, and says which version and device answered. */
  Prediction<O> predictDetailed(I input, CallOptions options);

  /** Submits a call and returns at once. */
  default CompletableFuture<O> predictAsync(I input) {
    return predictAsync(input, CallOptions.ofDefaults());
  }

  /**
   * Submits a call and returns at once. Cancelling the future while the request is queued removes
   * it: it is never computed.
   */
  default CompletableFuture<O> predictAsync(I input, CallOptions options) {
    return predictDetailedAsync(input, options).thenApply(Prediction::output);
  }

  /** Submits a call and returns at once; the result says which version and device answered. */
  CompletableFuture<Prediction<O>> predictDetailedAsync(I input, CallOptions options);

  /**
   * The version a call with these options would go to now (for a split: the sticky choice).
   *
   * @throws ModelNotFoundException if nothing deployed matches the selector now
   */
  Version resolve(CallOptions options);

  /**
   * Takes a lease that keeps this handle callable until it is closed: while it is open, {@link
   * ModelRuntime#undeploy} refuses to remove what the selector needs. For an exact pin that is the
   * version; for a range, the last deployed version in the range; for {@code latest}, the last
   * release; for an alias, nothing more than the alias already protects (its targets and fallback).
   * The lease records where it was taken (the caller's stack frame) for the refusal message.
   *
   * <pre>{@code
   * try (ModelHandle.Lease lease = handle.pin()) {
   *   for (float[] x : batchJob) { handle.predict(x); }   // 1.4.0 cannot be undeployed meanwhile
   * }
   * }</pre>
   *
   * <p>Thread-safe. A lease never closed blocks undeploy of what it needs until the runtime closes;
   * leases are not released by garbage collection.
   *
   * @throws ModelNotFoundException if nothing deployed matches the selector now
   * @throws ModelUnavailableException if the runtime is closed
   */
  Lease pin();

  /**
   * An open claim, from {@link ModelHandle#pin()}, that a handle's selector stays satisfiable.
   * Closing it is idempotent and thread-safe and never throws.
   */
  interface Lease extends AutoCloseable {
    /** The handle's selector this lease protects. */
    VersionSelector selector();

    /** Whether {@link #close()} has not been called yet (and the runtime is open). */
    boolean isOpen();

    /** Releases the lease; undeploy no longer counts it. Idempotent. */
    @Override
    void close();
  }
}
