package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The input was rejected before it reached the engine (wrong type, wrong shape, empty, too large), or
 * the engine rejected it. The message names the expected input signature. The worker that saw it
 * keeps serving other callers.
 */
public class InvalidInputException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public InvalidInputException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
