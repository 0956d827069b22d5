package io.maasdk.spring.boot;

import io.maasdk.ModelRuntime;

/**
 * Customizes the {@link ModelRuntime.Builder} that maasdk's auto-configuration builds the
 * application's runtime with, after it has applied the {@code maasdk.*} properties and added every
 * {@code CallInterceptor}, {@code InferenceListener} and {@code DeviceInventory} bean. Declare one
 * or more as beans; they run in {@link org.springframework.core.annotation.Order} order, once, on
 * the thread that creates the runtime bean.
 *
 * <p>An exception thrown here fails the application's startup; nothing has been built yet, so there
 * is nothing to close.
 */
@FunctionalInterface
public interface ModelRuntimeBuilderCustomizer {

  /**
   * Changes {@code builder} in place.
   *
   * @param builder the builder of the auto-configured runtime, before it is built
   */
  void customize(ModelRuntime.Builder builder);
}
