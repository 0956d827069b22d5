package io.maasdk.spi;

/**
 * Runs before a call is resolved and queued, and may refuse it by throwing a {@link
 * io.maasdk.MaasdkException} (typically {@link io.maasdk.AccessDeniedException} or {@link
 * io.maasdk.QuotaExceededException}): a refused call is never queued, and its {@link
 * InferenceEvent} has outcome {@link InferenceEvent.Outcome#REFUSED}.
 *
 * <p>Interceptors run on the caller's thread, in the order they were added to the runtime's
 * builder; they must be thread-safe and fast. Access control and quotas live in maasdk-security and
 * maasdk-metrics; core only calls them.
 */
public interface CallInterceptor {

  /** Does nothing. */
  CallInterceptor NONE = ctx -> {};

  /** Called before every prediction. Throw to refuse it. */
  void beforeCall(CallContext context);

  /** Called before every management operation (deploy, undeploy, alias, rollback). */
  default void beforeManagement(ManagementRequest request) {}
}
