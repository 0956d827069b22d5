package io.maasdk.internal;

import io.maasdk.MaasdkException;
import io.maasdk.spi.InferenceEvent.Outcome;
import org.jspecify.annotations.Nullable;

/**
 * How one admitted request ended, as the stage that ended it reports it to {@link Completer}: a
 * replica (computed or failed), a batcher (expired or cancelled before it ran) or admission
 * (drained or removed from the queue). Immutable.
 *
 * @param request the request
 * @param outcome how it ended
 * @param output the output on success, else {@code null}
 * @param device where it ran, {@code null} if it never reached a replica
 * @param queueWaitNanos from admission until its batch started ({@code 0} if it never ran)
 * @param inferenceNanos the engine time of its batch ({@code 0} if it never ran)
 * @param batchSize how many requests shared its engine call ({@code 0} if it never ran)
 * @param error what its caller receives unless the outcome is a success
 */
record Completion<I, O>(
    Request<I, O> request,
    Outcome outcome,
    @Nullable O output,
    @Nullable String device,
    long queueWaitNanos,
    long inferenceNanos,
    int batchSize,
    @Nullable MaasdkException error) {

  static <I, O> Completion<I, O> success(
      Request<I, O> r, O output, String device, long wait, long took, int batchSize) {
    return new Completion<>(r, Outcome.SUCCESS, output, device, wait, took, batchSize, null);
  }

  static <I, O> Completion<I, O> failure(
      Request<I, O> r,
      Outcome outcome,
      @Nullable String device,
      long wait,
      long took,
      int batchSize,
      @Nullable MaasdkException error) {
    return new Completion<>(r, outcome, null, device, wait, took, batchSize, error);
  }

  /** Ended before it ran: cancelled, expired or drained. */
  static <I, O> Completion<I, O> unrun(
      Request<I, O> r, Outcome outcome, @Nullable MaasdkException error) {
    return new Completion<>(r, outcome, null, null, 0, 0, 0, error);
  }
}
