package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception maasdk throws. Unchecked: a caller catches the subclass it can act on
 * ({@link OverloadedException}: back off; {@link InvalidInputException}: fix the input; …) and lets
 * the rest propagate.
 *
 * <p>Every message names the model and, where one was resolved, the version, says what was expected
 * and what to do. The model name and version are also available as fields for programmatic use.
 */
public class MaasdkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String modelName;
  private final @Nullable Version version;

  /**
   * Creates an exception that concerns no particular model.
   *
   * @param message what went wrong
   */
  public MaasdkException(String message) {
    this(null, null, message, null);
  }

  /**
   * Creates the exception.
   *
   * @param modelName the model concerned, or {@code null}
   * @param version the version concerned, or {@code null}
   * @param message what went wrong, naming the model and what was expected
   * @param cause the underlying failure, or {@code null}
   */
  public MaasdkException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(message, cause);
    this.modelName = modelName;
    this.version = version;
  }

  /**
   * For flow-control failures raised at high rates (queue full): no stack trace is captured, so
   * refusing a call stays cheap when it matters most.
   */
  protected MaasdkException(
      @Nullable String modelName, @Nullable Version version, String message, boolean stackTrace) {
    super(message, null, true, stackTrace);
    this.modelName = modelName;
    this.version = version;
  }

  /**
   * The model this failure concerns, if any.
   *
   * @return the model's name, or {@code null}
   */
  public @Nullable String modelName() {
    return modelName;
  }

  /**
   * The resolved version this failure concerns, if one was resolved before it failed.
   *
   * @return the version, or {@code null}
   */
  public @Nullable Version version() {
    return version;
  }

  /** {@code name@version}, {@code name} or {@code runtime}, for messages. */
  static String subject(@Nullable String modelName, @Nullable Version version) {
    if (modelName == null) {
      return "runtime";
    }
    return version == null ? modelName : modelName + "@" + version;
  }
}
