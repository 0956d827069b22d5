package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A management operation conflicts with the runtime's state: deploying a version that is already
 * deployed or being deployed by another call, undeploying a version that an alias or an open {@link
 * ModelHandle.Lease} still needs, or pointing an alias at a version that is not deployed. Nothing
 * was changed.
 */
public class DeploymentConflictException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   */
  public DeploymentConflictException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   * @param cause the underlying failure, or {@code null}
   */
  public DeploymentConflictException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
