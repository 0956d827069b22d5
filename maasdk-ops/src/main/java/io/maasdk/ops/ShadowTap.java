package io.maasdk.ops;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.OverloadedException;
import io.maasdk.QuotaExceededException;
import io.maasdk.Version;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One rollout's shadow step: copies the current version's answered inputs to the candidate,
 * compares the answers, discards the candidate's. Copies are calls of the operator's tenant at
 * {@code BULK} priority, so quotas, metering and invoices count them as the operator's. Bounded: at
 * most {@code maxInFlight} copies at once; any more, and any the candidate's queue or the
 * operator's quota refuses, are dropped. Thread-safe; {@link #mirror} never blocks (it runs in a
 * listener, on the thread that completed the caller's call).
 */
final class ShadowTap {
  final Version current;
  private final ModelHandle<Object, Object> candidate;
  private final ShadowComparison<Object, Object> comparison;
  private final CallOptions options;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  final LongAdder compared = new LongAdder();
  final LongAdder agreed = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder failed = new LongAdder();

  @SuppressWarnings("unchecked")
  ShadowTap(
      Version current,
      ModelHandle<?, ?> candidate,
      ShadowComparison<?, ?> comparison,
      CallOptions options,
      int maxInFlight) {
    this.current = current;
    this.candidate = (ModelHandle<Object, Object>) candidate;
    this.comparison = (ShadowComparison<Object, Object>) comparison;
    this.options = options;
    this.maxInFlight = maxInFlight;
  }

  void mirror(Object input, Object currentOutput) {
    if (inFlight.incrementAndGet() > maxInFlight) {
      inFlight.decrementAndGet();
      dropped.increment();
      return;
    }
    CompletableFuture<Object> f;
    try {
      f = candidate.predictAsync(input, options);
    } catch (RuntimeException e) { // refused before it was queued
      inFlight.decrementAndGet();
      dropped.increment();
      return;
    }
    f.whenComplete(
        (out, err) -> {
          inFlight.decrementAndGet();
          if (err == null) {
            compared.increment();
            if (comparison.agrees(currentOutput, out)) {
              agreed.increment();
            }
          } else {
            Throwable c =
                err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (c instanceof OverloadedException || c instanceof QuotaExceededException) {
              dropped.increment(); // refused before it computed: the candidate's queue, or the
              // operator's own quota (shadow calls are the operator's)
            } else {
              failed.increment();
            }
          }
        });
  }
}
