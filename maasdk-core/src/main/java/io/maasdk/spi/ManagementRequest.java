package io.maasdk.spi;

import io.maasdk.ModelSource;
import io.maasdk.Version;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A management operation on the runtime, as a {@link CallInterceptor} sees it before it happens.
 *
 * @param action what is being done
 * @param modelName the model concerned
 * @param version the version concerned, if any
 * @param alias the alias concerned, for {@link Action#ALIAS} and {@link Action#ROLLBACK}
 * @param credentials the credential the operation was made with, if any (never logged)
 * @param source for {@link Action#DEPLOY}, where the version's files come from (so that a policy
 *     can require, say, signed models); {@code null} otherwise
 * @param reason why, in words, when automation made the operation (a rollout's automatic rollback
 *     names the gate that failed); {@code null} for operations made directly
 */
public record ManagementRequest(
    Action action,
    String modelName,
    @Nullable Version version,
    @Nullable String alias,
    @Nullable String credentials,
    @Nullable ModelSource source,
    @Nullable String reason) {

  /** Management actions. */
  public enum Action {
    DEPLOY,
    UNDEPLOY,
    ALIAS,
    ROLLBACK
  }

  public ManagementRequest {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(modelName, "modelName");
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

  @Override
  public String toString() {
    return "ManagementRequest[" + action + " " + modelName
        + (version == null ? "" : "@" + version) + (alias == null ? "" : " alias=" + alias)
        + (reason == null ? "" : " reason=" + reason) + "]";
  }
}
