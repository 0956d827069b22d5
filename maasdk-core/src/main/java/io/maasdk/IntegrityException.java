package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A model artifact failed verification: tampered, truncated, unsigned where a signature is required,
 * signed by an untrusted key, or encrypted under an unknown key. Nothing of it reached the engine.
 */
public class IntegrityException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public IntegrityException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public IntegrityException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
