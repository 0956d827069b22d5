package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.Prediction;
import io.maasdk.Version;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One admitted call on its way through a version's queue to a replica. It leaves the queue exactly
 * once (a batcher takes it, or the cancel/deadline path or a drain removes it: the queue's lock
 * decides), and whoever took it ends it exactly once with a {@link Completion}.
 */
final class Request<I, O> {
  final I input;
  final CallOptions options;

  /** Absolute {@link io.maasdk.Ticker} deadline, or {@link Long#MAX_VALUE} for none. */
  final long deadlineNanos;

  final CompletableFuture<Prediction<O>> future = new CompletableFuture<>();

  /** When admission queued it (ticker nanos). Written before it becomes visible to a batcher. */
  long enqueuedNanos;

  /** The principal an authenticating interceptor bound the call to, if any (for events). */
  @Nullable String principal;

  /** The alias's primary version when this request runs on the alias's fallback instead. */
  @Nullable Version failoverFrom;

  /** The call's id ({@link io.maasdk.Prediction#callId()}), set before admission. */
  long callId;

  /** Input tokens its backend's server counted ({@code Session.promptTokens}), else -1. */
  long promptTokens = -1;

  /** Whether it holds the circuit breaker's half-open probe slot (set at admission). */
  boolean probe;

  Request(I input, CallOptions options, long deadlineNanos) {
    this.input = input;
    this.options = options;
    this.deadlineNanos = deadlineNanos;
  }

  /** Whether its deadline passes at or before {@code when}. */
  boolean expiresBy(long when) {
    return deadlineNanos != Long.MAX_VALUE && when - deadlineNanos >= 0;
  }

  boolean bulk() {
    return options.priority() == CallOptions.Priority.BULK;
  }
}
