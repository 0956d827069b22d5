package io.maasdk.internal;

import io.maasdk.CallOptions;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.VersionSelector;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ModelHandle} implementation: a name, a selector and the types, over the pipeline. The
 * registry does not track handles; {@link #pin()} registers a lease there instead.
 */
final class HandleImpl<I, O> implements ModelHandle<I, O> {
  private final String modelName;
  private final VersionSelector selector;
  private final Class<I> inputType;
  private final Class<O> outputType;
  private final ModelRegistry registry;

  /**
   * The response cache of the version this handle's last cached call resolved to, so that a hit
   * finds its cache without a map lookup. Only a hint: the pipeline uses it only when it belongs to
   * the version just resolved and has not been dropped, and replaces it otherwise (racy writes are
   * harmless, every value is some version's valid cache or {@code null}).
   */
  volatile ResponseCache.@Nullable VersionCache lastCache;

  HandleImpl(
      String modelName,
      VersionSelector selector,
      Class<I> inputType,
      Class<O> outputType,
      ModelRegistry registry) {
    this.modelName = modelName;
    this.selector = selector;
    this.inputType = inputType;
    this.outputType = outputType;
    this.registry = registry;
  }

  @Override
  public String modelName() {
    return modelName;
  }

  @Override
  public VersionSelector selector() {
    return selector;
  }

  Class<I> inputType() {
    return inputType;
  }

  @Override
  public Prediction<O> predictDetailed(I input, CallOptions options) {
    Objects.requireNonNull(options, "options");
    CompletableFuture<Prediction<O>> f = registry.pipeline().call(this, input, options, true);
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(false);
      Thread.currentThread().interrupt();
      throw new MaasdkException(
          modelName, null, "interrupted while waiting for " + modelName + " (" + selector + ")", e);
    } catch (ExecutionException e) {
      throw unwrap(e); // unwraps to the cause
    }
  }

  @Override
  public CompletableFuture<O> predictAsync(I input, CallOptions options) {
    CompletableFuture<Prediction<O>> inner = predictDetailedAsync(input, options);
    CompletableFuture<O> outer = inner.thenApply(Prediction::output);
    // Cancelling what the caller holds must reach the queued request.
    outer.whenComplete(
        (v, e) -> {
          if (outer.isCancelled()) {
            inner.cancel(false);
          }
        });
    return outer;
  }

  @Override
  public CompletableFuture<Prediction<O>> predictDetailedAsync(I input, CallOptions options) {
    Objects.requireNonNull(options, "options");
    return registry.pipeline().call(this, input, options, false);
  }

  @Override
  public Version resolve(CallOptions options) {
    return registry.resolve(this, options).version();
  }

  @Override
  public Lease pin() {
    return registry.pin(this);
  }

  private static RuntimeException unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RuntimeException re) {
      return re;
    }
    return new MaasdkException(null, null, t.toString(), t);
  }

  @Override
  public String toString() {
    return "ModelHandle["
        + modelName
        + " "
        + selector
        + ", "
        + inputType.getSimpleName()
        + " -> "
        + outputType.getSimpleName()
        + "]";
  }
}
