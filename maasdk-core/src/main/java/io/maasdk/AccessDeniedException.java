package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The caller lacks a permission for this model and action. Raised by an access-control {@link
 * io.maasdk.spi.CallInterceptor}; the call was never queued.
 */
public class AccessDeniedException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public AccessDeniedException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public AccessDeniedException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
