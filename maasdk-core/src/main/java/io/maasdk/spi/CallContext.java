package io.maasdk.spi;

import io.maasdk.CallOptions;
import io.maasdk.VersionSelector;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link CallInterceptor} sees of a call before it is admitted: the model, the selector the
 * handle follows (the version is not resolved yet), the input and the caller's options.
 *
 * <p><b>Binding.</b> An interceptor that authenticates the caller ({@link
 * CallInterceptor.Phase#AUTHENTICATION}) {@linkplain #bind binds} the call to the principal it
 * identified and the tenant that principal acts for. From then on {@link #options()} carries the
 * bound tenant, so every later interceptor (quotas) and every later stage of the runtime (cache
 * isolation, queueing, the {@link InferenceEvent}s that metering and audit read) uses it, whatever
 * tenant the caller wrote; {@link #requestedOptions()} keeps what the caller wrote. A call binds at
 * most once.
 *
 * <p>A context belongs to one call and is used on the calling thread only; it is not thread-safe.
 */
public final class CallContext {
  private final String modelName;
  private final VersionSelector selector;
  private final Object input;
  private final CallOptions requested;
  private CallOptions options;
  private @Nullable String principal;

  /**
   * A context for one call, not yet bound.
   *
   * @param modelName the model called
   * @param selector the selector the handle follows
   * @param input the input as given
   * @param options the options as the caller wrote them
   * @throws NullPointerException if any argument is null
   */
  public CallContext(
      String modelName, VersionSelector selector, Object input, CallOptions options) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    this.selector = Objects.requireNonNull(selector, "selector");
    this.input = Objects.requireNonNull(input, "input");
    this.requested = Objects.requireNonNull(options, "options");
    this.options = options;
  }

  /**
   * The model called.
   *
   * @return the model's name
   */
  public String modelName() {
    return modelName;
  }

  /**
   * The selector the handle follows.
   *
   * @return the selector
   */
  public VersionSelector selector() {
    return selector;
  }

  /**
   * The input as given.
   *
   * @return the input
   */
  public Object input() {
    return input;
  }

  /**
   * The call's options: as the caller wrote them, with the bound tenant once bound.
   *
   * @return the options in force
   */
  public CallOptions options() {
    return options;
  }

  /**
   * The options exactly as the caller wrote them, tenant included.
   *
   * @return the requested options
   */
  public CallOptions requestedOptions() {
    return requested;
  }

  /**
   * The id of the principal the call is bound to, or {@code null} while unbound.
   *
   * @return the principal's id, or {@code null}
   */
  public @Nullable String principal() {
    return principal;
  }

  /**
   * Whether an authenticating interceptor has bound this call.
   *
   * @return whether the call is bound
   */
  public boolean isBound() {
    return principal != null;
  }

  /**
   * Binds the call to {@code principalId}, acting for {@code tenant}: {@link #options()} carries
   * {@code tenant} from now on.
   *
   * @param principalId the principal the credentials identify
   * @param tenant the tenant it acts for in this call
   * @throws IllegalStateException if the call is already bound (to anyone)
   * @throws IllegalArgumentException if either is blank
   */
  public void bind(String principalId, String tenant) {
    Objects.requireNonNull(principalId, "principalId");
    Objects.requireNonNull(tenant, "tenant");
    if (principalId.isBlank() || tenant.isBlank()) {
      throw new IllegalArgumentException("principal and tenant must not be blank");
    }
    if (principal != null) {
      throw new IllegalStateException(
          "call to "
              + modelName
              + " is already bound to principal '"
              + principal
              + "'; a call binds once");
    }
    principal = principalId;
    options =
        tenant.equals(requested.tenant())
            ? requested
            : requested.toBuilder().tenant(tenant).build();
  }

  @Override
  public String toString() {
    return "CallContext["
        + modelName
        + " "
        + selector
        + ", "
        + options
        + (principal == null ? "" : ", principal=" + principal)
        + "]";
  }
}
