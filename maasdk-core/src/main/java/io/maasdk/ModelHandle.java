package io.maasdk;

import java.util.concurrent.CompletableFuture;

/**
 * A typed way to call one model, following a {@link VersionSelector}. Thread-safe and cheap: get one
 * from {@link ModelRuntime#handle} and share it. A handle pinned to an exact version never moves;
 * one that follows an alias or a range is re-resolved on every call, so alias moves take effect at
 * once without new handles.
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
    return predict(input, CallOptions.DEFAULT);
  }

  /** Computes an output; blocks until done, the deadline passes, or the thread is interrupted. */
  default O predict(I input, CallOptions options) {
    return predictDetailed(input, options).output();
  }

  /** Like {@link #predict(Object, CallOptions)}, and says which version and device answered. */
  Prediction<O> predictDetailed(I input, CallOptions options);

  /** Submits a call and returns at once. */
  default CompletableFuture<O> predictAsync(I input) {
    return predictAsync(input, CallOptions.DEFAULT);
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

  /** The version a call with these options would go to now (for a split: the sticky choice). */
  Version resolve(CallOptions options);
}
