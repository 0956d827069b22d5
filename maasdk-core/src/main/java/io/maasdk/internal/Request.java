package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.Prediction;
import java.util.concurrent.CompletableFuture;

/** One admitted call on its way through a version's queue to a worker. */
final class Request<I, O> {
  final I input;
  final CallOptions options;
  /** Absolute {@link System#nanoTime()} deadline, or {@link Long#MAX_VALUE} for none. */
  final long deadlineNanos;

  final CompletableFuture<Prediction<O>> future = new CompletableFuture<>();
  long enqueuedNanos;

  Request(I input, CallOptions options, long deadlineNanos) {
    this.input = input;
    this.options = options;
    this.deadlineNanos = deadlineNanos;
  }

  boolean expired(long now) {
    return now - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE;
  }

  boolean bulk() {
    return options.priority() == CallOptions.Priority.BULK;
  }
}
