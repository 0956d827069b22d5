package io.maasdk.spi;

import org.jspecify.annotations.Nullable;

/**
 * Runs before a call is resolved and queued, and may refuse it by throwing a {@link
 * io.maasdk.MaasdkException} (typically {@link io.maasdk.AccessDeniedException} or {@link
 * io.maasdk.QuotaExceededException}): a refused call is never queued, and its {@link
 * InferenceEvent} has outcome {@link InferenceEvent.Outcome#REFUSED}.
 *
 * <p>Interceptors run on the caller's thread, ordered by {@link #phase()} and, within a phase, in
 * the order they were added to the runtime's builder: authentication first, quotas last, whatever
 * the order of registration, so a call refused by any check spends no quota. They must be
 * thread-safe and fast. Access control and quotas live in maasdk-security and maasdk-metrics; core
 * only calls them.
 */
public interface CallInterceptor {

  /**
   * When an interceptor runs relative to the others; the runtime sorts by phase (stably, so
   * interceptors of one phase keep their registration order), for calls and management alike.
   */
  enum Phase {
    /**
     * Identifies the caller, {@linkplain CallContext#bind binds} the call's tenant and checks its
     * permissions (access control). Runs first.
     */
    AUTHENTICATION,
    /** Any other check or recorder; sees the bound tenant. The default. */
    CHECK,
    /**
     * Spends budgets (quotas, rate limits). Runs last, so a call that any other interceptor refuses
     * costs nothing.
     */
    ADMISSION
  }

  /**
   * This interceptor's phase; {@link Phase#CHECK} unless overridden.
   *
   * @return the phase
   */
  default Phase phase() {
    return Phase.CHECK;
  }

  /** Does nothing. */
  CallInterceptor NONE = ctx -> {};

  /**
   * Called before every prediction. Throw to refuse it.
   *
   * @param context the call: model, version, tenant, credentials
   */
  void beforeCall(CallContext context);

  /**
   * Called before every management operation (deploy, undeploy, alias, rollback).
   *
   * @param request the operation; throw to refuse it
   */
  default void beforeManagement(ManagementRequest request) {}

  /**
   * Called once a management operation that every interceptor let through has ended: {@code
   * failure} is {@code null} if it took effect, else what it failed with (and the operation had no
   * effect). Runs on the thread that made the request, after an undeploy has drained. An exception
   * thrown here is logged and does not change the operation's outcome.
   *
   * @param request the operation
   * @param failure why it failed, or {@code null} when it succeeded
   */
  default void afterManagement(ManagementRequest request, @Nullable RuntimeException failure) {}
}
