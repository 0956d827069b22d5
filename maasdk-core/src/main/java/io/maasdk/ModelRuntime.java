package io.maasdk;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;
import io.maasdk.internal.CallPipeline;
import io.maasdk.internal.DjlDeviceInventory;
import io.maasdk.internal.ModelRegistry;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Hosts model versions inside this JVM and hands out {@link ModelHandle}s to call them. Create one
 * per application with {@link #builder()}, share it, and close it once on shutdown.
 *
 * <pre>{@code
 * try (ModelRuntime runtime = ModelRuntime.builder().build()) {
 *   runtime.deploy(spec);                                     // loads and warms up, then serves
 *   runtime.setAlias("digits", "stable", Version.parse("1.0.0"));
 *   ModelHandle<float[], float[]> digits =
 *       runtime.handle("digits", "stable", float[].class, float[].class);
 *   float[] logits = digits.predict(pixels);
 * }
 * }</pre>
 *
 * <p><b>Thread safety.</b> All methods are thread-safe. Calls never take a global lock: resolution
 * reads immutable alias targets, and each version has its own queue and worker threads (one DJL
 * {@code Predictor} per replica thread). Management operations (deploy, undeploy, alias, rollback)
 * are serialized with each other; loading a model happens before the new version becomes visible,
 * so callers never reach a cold version.
 *
 * <p><b>Lifecycle.</b> {@link #close()} stops admitting calls, lets queued and running calls finish
 * for up to the drain timeout, fails the rest with {@link ModelUnavailableException}, closes every
 * predictor and model (freeing native and GPU memory) and stops every thread it started.
 *
 * <p><b>Engine settings.</b> DJL engine options (inter/intra-op threads) are JVM-wide, not per
 * model: set them once with system properties before the first model loads, e.g. {@code
 * -Dai.djl.pytorch.num_interop_threads=1 -Dai.djl.pytorch.num_threads=2}. maasdk never lets DJL
 * download anything or report usage: the builder sets {@code ai.djl.offline=true} and opts out of
 * DJL's tracking unless the application set those properties itself.
 */
public final class ModelRuntime implements AutoCloseable {
  private final ModelRegistry registry;

  private ModelRuntime(Builder b) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("ai.djl.disable_usage_tracking") == null) {
      System.setProperty("ai.djl.disable_usage_tracking", "true");
    }
    DeviceInventory inventory =
        b.inventory != null ? b.inventory : new DjlDeviceInventory(b.defaultEngine);
    this.registry =
        new ModelRegistry(
            inventory,
            b.interceptors,
            b.listeners,
            b.defaultEngine,
            b.drainTimeout.toNanos(),
            b.clock);
    if (b.cacheTicker != null) {
      CallPipeline.responseCache(registry).ticker(b.cacheTicker);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads {@code spec} on the devices its policy picks, warms every replica up with the spec's
   * warm-up inputs, and only then makes the version callable. Blocks until done.
   *
   * @return the deployed version
   * @throws DeploymentConflictException if that version is already deployed, or the model's other
   *     versions have other input/output types
   * @throws ModelLoadException if the engine cannot load it (names the file and the engine's cause)
   * @throws DeviceUnavailableException if the device policy cannot be met and must not fall back
   */
  public Version deploy(ModelSpec<?, ?> spec) {
    return registry.deploy(Objects.requireNonNull(spec, "spec"), null);
  }

  /**
   * Deploys every version of {@code template}'s model found in {@code repository}; each version's
   * spec is {@code template} with that version and its folder as the source.
   *
   * @return the versions deployed, ascending
   */
  public <I, O> List<Version> deployAll(
      ModelRepository repository, ModelSpec.Builder<I, O> template) {
    return deployAll(repository, template, UnaryOperator.identity());
  }

  /**
   * Like {@link #deployAll(ModelRepository, ModelSpec.Builder)}, letting {@code perVersion} adjust
   * each version's builder (replicas, labels…).
   */
  public <I, O> List<Version> deployAll(
      ModelRepository repository,
      ModelSpec.Builder<I, O> template,
      UnaryOperator<ModelSpec.Builder<I, O>> perVersion) {
    String name = template.name();
    List<Version> deployed = new ArrayList<>();
    repository
        .versions(name)
        .forEach(
            (v, source) ->
                deployed.add(
                    deploy(perVersion.apply(template.copy().version(v).source(source)).build())));
    return deployed;
  }

  /**
   * Stops sending calls to {@code model@version}, lets its in-flight calls finish, then closes it.
   *
   * @throws DeploymentConflictException if an alias or a live handle (pinned, or a range only it
   *     satisfies) still needs it; the message says which
   * @throws ModelNotFoundException if it is not deployed
   */
  public void undeploy(String model, Version version) {
    registry.undeploy(model, version, null);
  }

  /** Same as {@link #undeploy(String, Version)}, with the version as text. */
  public void undeploy(String model, String version) {
    undeploy(model, Version.parse(version));
  }

  /**
   * Points {@code alias} of {@code model} at {@code version}, atomically: every call after this
   * returns goes to {@code version}; calls already queued on the old version finish there.
   *
   * @throws DeploymentConflictException if {@code version} is not deployed
   */
  public void setAlias(String model, String alias, Version version) {
    registry.setAlias(model, alias, AliasTarget.of(version), null);
  }

  /** Points {@code alias} at a target, which may split traffic by weight (a canary). */
  public void setAlias(String model, String alias, AliasTarget target) {
    registry.setAlias(model, alias, Objects.requireNonNull(target, "target"), null);
  }

  /**
   * Moves {@code alias} back to the target it had before its last move.
   *
   * @return the target it points to now
   * @throws DeploymentConflictException if it has no previous target or that one is undeployed
   */
  public AliasTarget rollback(String model, String alias) {
    return registry.rollback(model, alias, null);
  }

  /**
   * Management operations made with {@code credentials} (an API key, say), for runtimes whose
   * interceptors check who manages what. The plain methods on the runtime act with no credential.
   */
  public ModelAdmin admin(String credentials) {
    return new ModelAdmin(registry, credentials);
  }

  /** Every move of {@code alias}, oldest first. */
  public List<AliasChange> aliasHistory(String model, String alias) {
    return registry.aliasHistory(model, alias);
  }

  /** The aliases of {@code model} and their targets now. */
  public Map<String, AliasTarget> aliases(String model) {
    return registry.aliases(model);
  }

  /**
   * A typed handle on {@code model} following {@code selector}.
   *
   * @throws ModelNotFoundException if nothing deployed matches the selector now
   * @throws IllegalArgumentException if the model's types are not {@code I -> O}
   */
  public <I, O> ModelHandle<I, O> handle(
      String model, VersionSelector selector, Class<I> inputType, Class<O> outputType) {
    return registry.handle(model, selector, inputType, outputType);
  }

  /** A handle with the selector as text: {@code "1.2.0"}, {@code "^1.2"}, {@code "stable"}, … */
  public <I, O> ModelHandle<I, O> handle(
      String model, String selector, Class<I> inputType, Class<O> outputType) {
    return handle(model, VersionSelector.parse(selector), inputType, outputType);
  }

  /** Every deployed version: placement, queue, aliases. */
  public List<DeploymentInfo> deployments() {
    return registry.deployments();
  }

  /** One deployed version, if it is deployed. */
  public Optional<DeploymentInfo> describe(String model, Version version) {
    return registry.describe(model, version);
  }

  /**
   * Drops every cached response of every version of {@code model} (see {@link CachePolicy}).
   * Computations in flight still answer their callers but are not cached. A management operation:
   * interceptors see it (as {@code ManagementRequest.Action.INVALIDATE}, without credentials; use
   * {@link ModelAdmin#invalidate} to act with some) and may refuse it.
   *
   * @return how many deployed versions had a response cache
   */
  public int invalidate(String model) {
    return registry.invalidate(Objects.requireNonNull(model, "model"), null, null);
  }

  /**
   * Drops every cached response of {@code model@version}.
   *
   * @return whether that version had a response cache
   */
  public boolean invalidate(String model, Version version) {
    return registry.invalidate(Objects.requireNonNull(model, "model"),
        Objects.requireNonNull(version, "version"), null) > 0;
  }

  /**
   * The runtime's response caches as one read-only Caffeine {@link Cache}: {@code estimatedSize()}
   * and {@code stats()} (hits, misses, evictions, load time — a load is one model computation) sum
   * every version's cache, including versions since undeployed. Made for Micrometer's {@code
   * CaffeineCacheMetrics.monitor(registry, runtime.responseCache(), "maasdk.response")}; reading or
   * writing entries through it is refused.
   */
  public Cache<Object, Object> responseCache() {
    return CallPipeline.responseCache(registry).view();
  }

  /**
   * One version's response cache, read-only like {@link #responseCache()}; empty until the first
   * call to that version with caching on, and again after it is undeployed.
   */
  public Optional<Cache<Object, Object>> responseCache(String model, Version version) {
    return CallPipeline.responseCache(registry).view(model, version);
  }

  /** Drains and closes every version, frees native memory and stops every maasdk thread. */
  @Override
  public void close() {
    registry.close();
  }

  /** Configures a {@link ModelRuntime}. */
  public static final class Builder {
    private @Nullable DeviceInventory inventory;
    private final List<CallInterceptor> interceptors = new ArrayList<>();
    private final List<InferenceListener> listeners = new ArrayList<>();
    private String defaultEngine = "PyTorch";
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private @Nullable Ticker cacheTicker;

    private Builder() {}

    /** Where GPUs are found; default: DJL's view of CUDA. */
    public Builder deviceInventory(DeviceInventory inventory) {
      this.inventory = Objects.requireNonNull(inventory, "inventory");
      return this;
    }

    /**
     * Adds an interceptor. Interceptors run before each call is resolved, ordered by their {@link
     * CallInterceptor#phase() phase} (authentication, then checks, then quotas) and, within a
     * phase, in the order added.
     */
    public Builder interceptor(CallInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /** Adds a listener told about every call's outcome. */
    public Builder listener(InferenceListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The DJL engine for specs that name none; default {@code PyTorch}. */
    public Builder defaultEngine(String engine) {
      this.defaultEngine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * How long undeploy and close wait for queued and running calls before failing the rest;
     * default 30 s.
     */
    public Builder drainTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must not be negative, was " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /** The clock for event timestamps and alias history; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The time source for response-cache expiry ({@link CachePolicy.Builder#expireAfterWrite});
     * default {@link Ticker#systemTicker()}. Tests pass a fake one to expire entries without
     * waiting.
     */
    public Builder cacheTicker(Ticker ticker) {
      this.cacheTicker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    public ModelRuntime build() {
      return new ModelRuntime(this);
    }
  }
}
