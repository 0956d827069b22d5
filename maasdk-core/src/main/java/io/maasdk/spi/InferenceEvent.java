package io.maasdk.spi;

import io.maasdk.Version;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One call, after it ended. Immutable.
 *
 * @param timestamp when the call ended
 * @param tenant the call's tenant: the one an authenticating interceptor bound it to ({@link
 *     CallContext#bind}), else {@link io.maasdk.CallOptions#tenant()} as the caller wrote it
 * @param modelName the model called
 * @param version the version that served (or would have served) it; {@code null} when the call
 *     ended before a version was resolved (refused, not found)
 * @param device where it ran ({@code cpu()}, {@code gpu(0)}), {@code "cache"} for a hit, {@code
 *     null} if it never ran
 * @param input the input as given (listeners that meter input size or tokens read it)
 * @param output the output, {@code null} unless the outcome is a success
 * @param queueWaitNanos time from admission until its batch started ({@code 0} if never queued)
 * @param inferenceNanos time the engine spent on its batch ({@code 0} if it never ran)
 * @param batchSize how many requests shared its engine call ({@code 0} if it never ran)
 * @param cacheHit whether the output came from the response cache
 * @param outcome how the call ended
 * @param error the exception the caller received, {@code null} on success
 * @param failoverFrom the alias's primary version when this call was served by the alias's fallback
 *     instead ({@code AliasTarget.withFallback}), else {@code null}
 * @param principal the id of the principal an authenticating interceptor bound the call to ({@link
 *     CallContext#bind}; never a credential), {@code null} when none did
 * @param callId the call's id, the same as its {@link io.maasdk.Prediction#callId()}: unique in
 *     this JVM, increasing in the order calls were made; {@code 0} for an event a runtime did not
 *     make
 * @param promptTokens the input tokens the backend's server counted for this call (an
 *     OpenAI-compatible server's {@code usage}; see {@link Backend.Session#promptTokens()}), {@code
 *     -1} when the backend does not count them (every local model, cache hits, failures)
 */
public record InferenceEvent(
    Instant timestamp,
    String tenant,
    String modelName,
    @Nullable Version version,
    @Nullable String device,
    Object input,
    @Nullable Object output,
    long queueWaitNanos,
    long inferenceNanos,
    int batchSize,
    boolean cacheHit,
    Outcome outcome,
    @Nullable Throwable error,
    @Nullable Version failoverFrom,
    @Nullable String principal,
    long callId,
    long promptTokens) {

  /** How a call ended. */
  public enum Outcome {
    SUCCESS,
    INVALID_INPUT,
    FAILED,
    OVERLOADED,
    DEADLINE_EXCEEDED,
    REFUSED,
    CANCELLED,
    UNAVAILABLE,
    NOT_FOUND;

    /** Whether the model produced an output. */
    public boolean isSuccess() {
      return this == SUCCESS;
    }
  }

  public InferenceEvent {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(outcome, "outcome");
  }

  /** An event without a call id ({@code 0}) whose backend did not count tokens ({@code -1}). */
  public InferenceEvent(
      Instant timestamp,
      String tenant,
      String modelName,
      @Nullable Version version,
      @Nullable String device,
      Object input,
      @Nullable Object output,
      long queueWaitNanos,
      long inferenceNanos,
      int batchSize,
      boolean cacheHit,
      Outcome outcome,
      @Nullable Throwable error,
      @Nullable Version failoverFrom,
      @Nullable String principal) {
    this(
        timestamp,
        tenant,
        modelName,
        version,
        device,
        input,
        output,
        queueWaitNanos,
        inferenceNanos,
        batchSize,
        cacheHit,
        outcome,
        error,
        failoverFrom,
        principal,
        0,
        -1);
  }

  /** An event of a call that was not failed over (the common case). */
  public InferenceEvent(
      Instant timestamp,
      String tenant,
      String modelName,
      @Nullable Version version,
      @Nullable String device,
      Object input,
      @Nullable Object output,
      long queueWaitNanos,
      long inferenceNanos,
      int batchSize,
      boolean cacheHit,
      Outcome outcome,
      @Nullable Throwable error) {
    this(
        timestamp,
        tenant,
        modelName,
        version,
        device,
        input,
        output,
        queueWaitNanos,
        inferenceNanos,
        batchSize,
        cacheHit,
        outcome,
        error,
        null,
        null);
  }

  /** An event without a bound principal. */
  public InferenceEvent(
      Instant timestamp,
      String tenant,
      String modelName,
      @Nullable Version version,
      @Nullable String device,
      Object input,
      @Nullable Object output,
      long queueWaitNanos,
      long inferenceNanos,
      int batchSize,
      boolean cacheHit,
      Outcome outcome,
      @Nullable Throwable error,
      @Nullable Version failoverFrom) {
    this(
        timestamp,
        tenant,
        modelName,
        version,
        device,
        input,
        output,
        queueWaitNanos,
        inferenceNanos,
        batchSize,
        cacheHit,
        outcome,
        error,
        failoverFrom,
        null);
  }

  /** Whether an alias's fallback served this call because its primary was failing or draining. */
  public boolean failedOver() {
    return failoverFrom != null;
  }

  /** Total time the call spent in the runtime after admission (queue wait + inference). */
  public long totalNanos() {
    return queueWaitNanos + inferenceNanos;
  }
}
