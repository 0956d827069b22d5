package io.maasdk.spi;

import java.util.concurrent.CompletionStage;

/**
 * Holds back a call's result until something the gate needs has happened, for example until the
 * call's usage record is durable (maasdk-metrics' durable metering). An {@link InferenceListener}
 * registered with the runtime that also implements this interface is used as a gate; nothing else
 * needs registering.
 *
 * <p><b>When it runs.</b> Only for calls that produced an output: a computed success or a response
 * cache hit. It runs after every listener has seen the call's {@link InferenceEvent}, on the same
 * thread (a worker thread, or the caller's for a cache hit or a call run inline), with the very
 * event object the listeners received. Refused, invalid, failed, overloaded, timed-out and
 * cancelled calls never reach a gate.
 *
 * <p><b>What the stage decides.</b> The caller's future completes with the result only when the
 * stages of all gates have completed normally (their values are ignored). If one completes
 * exceptionally, the call fails with that exception, wrapped in a {@link io.maasdk.MaasdkException}
 * naming the model and version if it is not one already; the event the listeners saw still says
 * {@code SUCCESS}, because the model did produce an output. A stage that never completes leaves the
 * caller waiting until its own deadline, if it has one.
 *
 * <p><b>Contract.</b> Must be thread-safe and must not block: return a stage at once (an already
 * completed one when there is nothing to wait for) and complete it from another thread. Dependent
 * actions of the caller's future may run on the thread that completes the stage. A gate that throws
 * instead of returning a stage fails the call as a failed stage would.
 */
public interface ReleaseGate {

  /**
   * Called after the listeners for every finished call that produced an output (computed or cache
   * hit); the caller's result is released only when the returned stage completes. A stage that
   * completes exceptionally fails the call with that exception (wrapped in a MaasdkException if it
   * is not one). Must not block.
   *
   * @param event the call's event, the same object the listeners were given
   * @return a stage that completes when the result may be released
   */
  CompletionStage<?> beforeRelease(InferenceEvent event);
}
