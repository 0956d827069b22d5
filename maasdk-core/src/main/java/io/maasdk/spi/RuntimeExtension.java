package io.maasdk.spi;

import io.maasdk.ModelRuntime;
import java.util.List;

/**
 * Something that runs alongside a {@link ModelRuntime} for its whole life and needs to see its
 * calls: maasdk-ops' repository watchers and rollouts, say. Install it with {@link
 * ModelRuntime.Builder#extension}: its listeners and interceptors are added to the runtime's, it is
 * told once the runtime is built, and it is closed first when the runtime closes (before calls
 * drain), so it never acts on a closed runtime.
 *
 * <p>Methods are called once each, in this order: {@link #listeners()} and {@link #interceptors()}
 * while the runtime is built, {@link #started} at the end of {@link ModelRuntime.Builder#build()},
 * {@link #close()} at the start of {@link ModelRuntime#close()}. An exception from {@link #started}
 * fails the build (the runtime is closed again); one from {@link #close()} is logged and ignored.
 */
public interface RuntimeExtension extends AutoCloseable {

  /**
   * Listeners to add to the runtime; default none.
   *
   * @return the listeners
   */
  default List<InferenceListener> listeners() {
    return List.of();
  }

  /**
   * Interceptors to add to the runtime, after the builder's own; default none.
   *
   * @return the interceptors
   */
  default List<CallInterceptor> interceptors() {
    return List.of();
  }

  /**
   * The runtime is built and ready for management; called on the thread that built it.
   *
   * @param runtime the runtime
   */
  void started(ModelRuntime runtime);

  /** The runtime is closing: stop every thread this extension started. */
  @Override
  default void close() {}
}
