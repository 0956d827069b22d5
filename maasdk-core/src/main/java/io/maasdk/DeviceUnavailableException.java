package io.maasdk;

import org.jspecify.annotations.Nullable;

/**
 * A {@link DevicePolicy} could not be satisfied and its fallback is to fail. The message lists the
 * devices found and their free memory.
 */
public class DeviceUnavailableException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(
      @Nullable String modelName, @Nullable Version version, String message) {
    super(modelName, version, message, null);
  }

  public DeviceUnavailableException(
      @Nullable String modelName,
      @Nullable Version version,
      String message,
      @Nullable Throwable cause) {
    super(modelName, version, message, cause);
  }
}
