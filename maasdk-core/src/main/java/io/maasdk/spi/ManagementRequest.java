package io.maasdk.spi;

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
 */
public record ManagementRequest(
    Action action,
    String modelName,
    @Nullable Version version,
    @Nullable String alias,
    @Nullable String credentials) {

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

  @Override
  public String toString() {
    return "ManagementRequest[" + action + " " + modelName
        + (version == null ? "" : "@" + version) + (alias == null ? "" : " alias=" + alias) + "]";
  }
}
