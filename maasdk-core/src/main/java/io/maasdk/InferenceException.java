package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The engine failed while computing a prediction for a valid input (a native or runtime error). The
 * message carries the engine's own cause.
 */
public class InferenceException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public InferenceException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public InferenceException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
