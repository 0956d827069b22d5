package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The call's deadline (see {@link CallOptions#timeout()}) passed before a result was ready. A request
 * that expires while queued is never computed.
 */
public class DeadlineExceededException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public DeadlineExceededException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
