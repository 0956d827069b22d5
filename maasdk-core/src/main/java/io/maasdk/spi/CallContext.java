package io.maasdk.spi;

import io.maasdk.CallOptions;
import io.maasdk.VersionSelector;
import java.util.Objects;

/**
 * What a {@link CallInterceptor} sees of a call before it is admitted: the model, the selector the
 * handle follows (the version is not resolved yet), the input and the caller's options.
 */
public record CallContext(
    String modelName, VersionSelector selector, Object input, CallOptions options) {
  public CallContext {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(selector, "selector");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(options, "options");
  }
}
