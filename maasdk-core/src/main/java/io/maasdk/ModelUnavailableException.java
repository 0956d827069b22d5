package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The model version cannot take calls right now: it is being undeployed, the runtime is closing, or
 * its circuit breaker is open. The message says which, and whether retrying later can help.
 */
public class ModelUnavailableException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   */
  public ModelUnavailableException(
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
  public ModelUnavailableException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
