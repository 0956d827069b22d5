package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A tenant's rate limit or budget does not allow this call. Raised by a quota {@link
 * io.maasdk.spi.CallInterceptor} before anything is queued; the message says which limit, the usage
 * and when to retry.
 */
public class QuotaExceededException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public QuotaExceededException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public QuotaExceededException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
