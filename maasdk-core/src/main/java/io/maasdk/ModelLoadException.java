package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A model could not be loaded: the message names the source (file or directory), the engine and the
 * engine's own cause.
 */
public class ModelLoadException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   */
  public ModelLoadException(@Nullable String modelName, @Nullable Version version, String message) {
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
  public ModelLoadException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
