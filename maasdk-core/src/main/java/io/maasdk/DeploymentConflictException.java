package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A management operation conflicts with the runtime's state: deploying a version that is already
 * deployed or being deployed by another call, undeploying a version that an alias or an open
 * {@link ModelHandle.Lease} still needs, or pointing an alias at a version that is not deployed.
 * Nothing was changed.
 */
public class DeploymentConflictException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public DeploymentConflictException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public DeploymentConflictException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
