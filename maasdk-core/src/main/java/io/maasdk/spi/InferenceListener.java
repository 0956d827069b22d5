package io.maasdk.spi;

/**
 * Told once about every call that reached the runtime, whatever its outcome: success, cache hit,
 * invalid input, refusal by an interceptor, overload, deadline, failure. Metrics, metering and
 * audit plug in here.
 *
 * <p>Listeners run on the thread that completed the call (a worker thread, or the caller's for
 * refusals and cache hits) before the caller's future completes, so they must be fast and must not
 * block; an exception a listener throws is logged and ignored, and never changes the call's result.
 * Hand slow work (files, network) to a queue, as maasdk-metrics' ledger does.
 */
@FunctionalInterface
public interface InferenceListener {

  /** Does nothing. */
  InferenceListener NONE = event -> {};

  /**
   * Called once for every completed call, successful or not, on the thread that completed it.
   *
   * @param event what happened
   */
  void onEvent(InferenceEvent event);
}
