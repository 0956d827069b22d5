package io.maasdk.spi;

import org.jspecify.annotations.Nullable;

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

  /**
   * Called once a management operation that every interceptor let through has ended: {@code
   * failure} is {@code null} if it took effect, else what it failed with (and the operation had
   * no effect). Runs on the thread that made the request, after an undeploy has drained. An
   * exception thrown here is logged and does not change the operation's outcome.
   */
  default void afterManagement(ManagementRequest request, @Nullable RuntimeException failure) {}
}
