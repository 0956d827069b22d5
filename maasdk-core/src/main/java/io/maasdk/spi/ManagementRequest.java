package io.maasdk.spi;

import io.maasdk.ModelSource;
import io.maasdk.Version;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A management operation on the runtime, as a {@link CallInterceptor} sees it before it happens.
 *
 * <p>An authenticating interceptor ({@link CallInterceptor.Phase#AUTHENTICATION}) {@linkplain #bind
 * binds} the request to the principal it identified and that principal's tenant, so that later
 * interceptors (an audit log) can say who did it without ever seeing the credential. A request
 * binds at most once. A request belongs to one operation and is used on the thread that made it; it
 * is not thread-safe.
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

  private ManagementRequest(Builder b) {
    this.action = b.action;
    this.modelName = b.modelName;
    this.version = b.version;
    this.alias = b.alias;
    this.credentials = b.credentials;
    this.source = b.source;
    this.reason = b.reason;
  }

  /**
   * Starts a request, not yet bound, to do {@code action} on {@code modelName}.
   *
   * @throws NullPointerException if {@code action} or {@code modelName} is null
   */
  public static Builder builder(Action action, String modelName) {
    return new Builder(action, modelName);
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
    return "ManagementRequest["
        + action
        + " "
        + modelName
        + (version == null ? "" : "@" + version)
        + (alias == null ? "" : " alias=" + alias)
        + (principal == null ? "" : " by " + principal)
        + (reason == null ? "" : " reason=" + reason)
        + "]";
  }

  /** Builds a {@link ManagementRequest}; every setting but the action and model is optional. */
  public static final class Builder {
    private final Action action;
    private final String modelName;
    private @Nullable Version version;
    private @Nullable String alias;
    private @Nullable String credentials;
    private @Nullable ModelSource source;
    private @Nullable String reason;

    private Builder(Action action, String modelName) {
      this.action = Objects.requireNonNull(action, "action");
      this.modelName = Objects.requireNonNull(modelName, "modelName");
    }

    /** The version concerned, if any. */
    public Builder version(@Nullable Version version) {
      this.version = version;
      return this;
    }

    /** The alias concerned, for {@link Action#ALIAS} and {@link Action#ROLLBACK}. */
    public Builder alias(@Nullable String alias) {
      this.alias = alias;
      return this;
    }

    /** The credential the operation was made with, if any (never logged). */
    public Builder credentials(@Nullable String credentials) {
      this.credentials = credentials;
      return this;
    }

    /**
     * For {@link Action#DEPLOY}, where the version's files come from (so that a policy can require,
     * say, signed models).
     */
    public Builder source(@Nullable ModelSource source) {
      this.source = source;
      return this;
    }

    /**
     * Why, in words, when automation made the operation (a rollout's automatic rollback names the
     * gate that failed); none for operations made directly.
     */
    public Builder reason(@Nullable String reason) {
      this.reason = reason;
      return this;
    }

    /** The request. */
    public ManagementRequest build() {
      return new ManagementRequest(this);
    }
  }
}
