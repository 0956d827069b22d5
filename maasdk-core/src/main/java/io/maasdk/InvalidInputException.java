package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The input was rejected before it reached the engine (wrong type, wrong shape, empty, too large),
 * or the engine rejected it. The message names the expected input signature. The worker that saw it
 * keeps serving other callers.
 */
public class InvalidInputException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   */
  public InvalidInputException(
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
  public InvalidInputException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
