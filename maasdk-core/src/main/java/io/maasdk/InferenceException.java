package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The engine failed while computing a prediction for a valid input (a native or runtime error). The
 * message carries the engine's own cause.
 */
public class InferenceException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   */
  public InferenceException(@Nullable String modelName, @Nullable Version version, String message) {
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
  public InferenceException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
