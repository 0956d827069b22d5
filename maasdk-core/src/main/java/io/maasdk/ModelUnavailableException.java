package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The model version cannot take calls right now: it is being undeployed, the runtime is closing, or
 * its circuit breaker is open. The message says which, and whether retrying later can help.
 */
public class ModelUnavailableException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public ModelUnavailableException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public ModelUnavailableException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
