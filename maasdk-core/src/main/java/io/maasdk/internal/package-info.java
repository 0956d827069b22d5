/**
 * Implementation. Not API: anything here may change in any release without notice.
 *
 * <h2>The request path, stage by stage</h2>
 *
 * <p>A call made through a {@code ModelHandle} ({@link io.maasdk.internal.HandleImpl}) passes these
 * stages in this order; each is one class, and none calls back into the stage that called it:
 *
 * <ol>
 *   <li><b>Interceptors</b> — {@link io.maasdk.internal.CallPipeline} runs every {@code
 *       CallInterceptor} (access control, quotas); a refusal ends the call, nothing is queued.
 *   <li><b>Version resolution</b> — {@link io.maasdk.internal.ModelRegistry#resolve}: exact pin,
 *       range, alias (weighted and sticky by key), latest; an alias's fallback while its primary is
 *       failing or draining.
 *   <li><b>Response cache</b> — {@link io.maasdk.internal.ResponseCache}: one Caffeine cache per
 *       deployed version; a lookup says hit (return), join (an identical call is computing: wait
 *       for it) or lead (compute, then settle the waiters).
 *   <li><b>Admission</b> — {@link io.maasdk.internal.Admission}: the version's bounded {@link
 *       io.maasdk.internal.RequestQueue} (priorities, round-robin across tenants) and its {@link
 *       io.maasdk.internal.CircuitBreaker}; refusals are immediate.
 *   <li><b>Batcher</b> — {@link io.maasdk.internal.Batcher}: one worker loop per replica, on a
 *       thread only while there is work, forms a batch (size, delay, deadlines) from the queue.
 *   <li><b>Replica</b> — {@link io.maasdk.internal.Replica}: one DJL {@code Predictor} on one
 *       device computes the batch, isolates failures, judges whose fault they are and restarts the
 *       predictor when the engine is at fault. An idle replica may run a lone synchronous call on
 *       its caller's thread instead.
 *   <li><b>Completion</b> — {@link io.maasdk.internal.Completer}: one {@code InferenceEvent} to the
 *       listeners, then the caller's future, then the request's place back to admission.
 * </ol>
 *
 * <p>{@link io.maasdk.internal.Deployment} holds one deployed version's stages 4 to 6 and their
 * lifecycle (load, verify each device, warm up, check batching, drain, close).
 */
@NullMarked
package io.maasdk.internal;

import org.jspecify.annotations.NullMarked;
