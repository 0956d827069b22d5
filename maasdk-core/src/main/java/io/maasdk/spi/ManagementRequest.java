package io.maasdk.spi;

import io.maasdk.ModelSource;
import io.maasdk.Version;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A management operation on the runtime, as a {@link CallInterceptor} sees it before it happens.
 *
 * <p>An authenticating interceptor ({@link CallInterceptor.Phase#AUTHENTICATION}) {@linkplain
 * #bind binds} the request to the principal it identified and that principal's tenant, so that
 * later interceptors (an audit log) can say who did it without ever seeing the credential. A
 * request binds at most once. A request belongs to one operation and is used on the thread that
 * made it; it is not thread-safe.
 */
public final class ManagementRequest {

  /** Management actions. */
  public enum Action {
    DEPLOY,
    UNDEPLOY,
    ALIAS,
    ROLLBACK,
    /** Dropping cached responses ({@code ModelRuntime.invalidate}). */
    INVALIDATE
  }

  private final Action action;
  private final String modelName;
  private final @Nullable Version version;
  private final @Nullable String alias;
  private final @Nullable String credentials;
  private final @Nullable ModelSource source;
  private final @Nullable String reason;
  private @Nullable String principal;
  private @Nullable String tenant;

  /**
   * A request, not yet bound.
   *
   * @param action what is being done
   * @param modelName the model concerned
   * @param version the version concerned, if any
   * @param alias the alias concerned, for {@link Action#ALIAS} and {@link Action#ROLLBACK}
   * @param credentials the credential the operation was made with, if any (never logged)
   * @param source for {@link Action#DEPLOY}, where the version's files come from (so that a policy
   *     can require, say, signed models); {@code null} otherwise
   * @param reason why, in words, when automation made the operation (a rollout's automatic
   *     rollback names the gate that failed); {@code null} for operations made directly
   * @throws NullPointerException if {@code action} or {@code modelName} is null
   */
  public ManagementRequest(
      Action action,
      String modelName,
      @Nullable Version version,
      @Nullable String alias,
      @Nullable String credentials,
      @Nullable ModelSource source,
      @Nullable String reason) {
    this.action = Objects.requireNonNull(action, "action");
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    this.version = version;
    this.alias = alias;
    this.credentials = credentials;
    this.source = source;
    this.reason = reason;
  }

  /** A request made directly (no reason). */
  public ManagementRequest(Action action, String modelName, @Nullable Version version,
      @Nullable String alias, @Nullable String credentials, @Nullable ModelSource source) {
    this(action, modelName, version, alias, credentials, source, null);
  }

  /** A request without a source (any action but a deploy). */
  public ManagementRequest(Action action, String modelName, @Nullable Version version,
      @Nullable String alias, @Nullable String credentials) {
    this(action, modelName, version, alias, credentials, null, null);
  }

  /** Why, when automation made the operation (e.g. the rollout gate that failed); else null. */
  public @Nullable String reason() {
    return reason;
  }

  /** What is being done. */
  public Action action() {
    return action;
  }

  /** The model concerned. */
  public String modelName() {
    return modelName;
  }

  /** The version concerned, if any. */
  public @Nullable Version version() {
    return version;
  }

  /** The alias concerned, for {@link Action#ALIAS} and {@link Action#ROLLBACK}. */
  public @Nullable String alias() {
    return alias;
  }

  /** The credential the operation was made with, if any; never log it. */
  public @Nullable String credentials() {
    return credentials;
  }

  /** For a deploy, where the version's files come from; {@code null} otherwise. */
  public @Nullable ModelSource source() {
    return source;
  }

  /** The id of the principal the request is bound to, or {@code null} while unbound. */
  public @Nullable String principal() {
    return principal;
  }

  /** The tenant of the bound principal, or {@code null} while unbound. */
  public @Nullable String tenant() {
    return tenant;
  }

  /**
   * Binds the request to {@code principalId}, acting for {@code tenant}.
   *
   * @throws IllegalStateException if the request is already bound
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
          this + " is already bound to principal '" + principal + "'; a request binds once");
    }
    this.principal = principalId;
    this.tenant = tenant;
  }

  @Override
  public String toString() {
    return "ManagementRequest[" + action + " " + modelName
        + (version == null ? "" : "@" + version) + (alias == null ? "" : " alias=" + alias)
        + (principal == null ? "" : " by " + principal)
        + (reason == null ? "" : " reason=" + reason) + "]";
  }
}
