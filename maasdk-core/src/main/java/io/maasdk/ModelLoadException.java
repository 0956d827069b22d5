package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A model could not be loaded: the message names the source (file or directory), the engine and the
 * engine's own cause.
 */
public class ModelLoadException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public ModelLoadException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
