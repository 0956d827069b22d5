package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * No deployed model, version, alias or range matches what was asked for. The message lists what is
 * deployed.
 */
public class ModelNotFoundException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public ModelNotFoundException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
