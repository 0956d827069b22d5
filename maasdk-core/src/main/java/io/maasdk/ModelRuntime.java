package io.maasdk;

import io.maasdk.internal.DjlDeviceInventory;
import io.maasdk.internal.ModelRegistry;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.RuntimeExtension;
import io.maasdk.spi.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * reads immutable alias targets, and each version has its own queue; its replicas (one DJL {@code
 * Predictor} each) run their batches on a worker pool shared by the runtime, bounded by 4 x cores
 * threads. Management operations (deploy, undeploy, alias, rollback) take a per-model lock, and
 * only for their check-and-publish step: a deploy loads and warms up with no lock held and
 * publishes the version only then (so callers never reach a cold version), and an undeploy drains
 * outside the lock. So a rollback or alias move of one model never waits for another model's
 * deploy, nor for a deploy of another version of the same model.
 *
 * <p><b>Handles and undeploy.</b> {@link ModelHandle}s hold nothing and need no closing; a version
 * can be undeployed under a handle, whose next call then fails with {@link ModelNotFoundException}
 * naming the version and what is deployed. What keeps a version deployed is explicit: an alias that
 * points at it (by weight or as {@linkplain AliasTarget#withFallback fallback}), or an open {@link
 * ModelHandle.Lease} from {@link ModelHandle#pin()}.
 *
 * <p><b>Lifecycle.</b> {@link #close()} stops admitting calls, lets queued and running calls finish
 * for up to the drain timeout, fails the rest with {@link ModelUnavailableException}, closes every
 * predictor and model (freeing native and GPU memory) and stops every thread it started. The
 * runtime owns what is registered with it: interceptors and listeners that are {@link
 * AutoCloseable} (a metering pipeline, an audit log) are closed last, in reverse order of
 * registration, so nothing they started outlives the runtime.
 *
 * <p><b>Engine settings.</b> DJL engine options (inter/intra-op threads) are JVM-wide, not per
 * model: set them once with system properties before the first model loads, e.g. {@code
 * -Dai.djl.pytorch.num_interop_threads=1 -Dai.djl.pytorch.num_threads=2}. By default maasdk keeps
 * DJL from downloading anything or reporting usage: building a runtime sets the JVM-wide system
 * properties {@code ai.djl.offline=true} and {@code ai.djl.disable_usage_tracking=true}, each only
 * if the application has not set it; {@link Builder#djlOffline(boolean) djlOffline(false)} leaves
 * both alone.
 */
public final class ModelRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRuntime.class);
  private final ModelRegistry registry;
  private final @Nullable StateStore stateStore;
  private final List<RuntimeExtension> extensions;

  private final List<AutoCloseable> owned = new ArrayList<>();

  private ModelRuntime(Builder b) {
    if (b.djlOffline) {
      setIfAbsent("ai.djl.offline", "true");
      setIfAbsent("ai.djl.disable_usage_tracking", "true");
    }
    for (Object o : b.registered) {
      if (o instanceof AutoCloseable c && !owned.contains(c)) {
        owned.add(c);
      }
    }
    DeviceInventory inventory =
        b.inventory != null ? b.inventory : new DjlDeviceInventory(b.defaultEngine);
    List<CallInterceptor> interceptors = new ArrayList<>(b.interceptors);
    List<InferenceListener> listeners = new ArrayList<>(b.listeners);
    for (RuntimeExtension x : b.extensions) {
      interceptors.addAll(x.interceptors());
      listeners.addAll(x.listeners());
    }
    this.stateStore = b.stateStore;
    this.extensions = List.copyOf(b.extensions);
    this.registry =
        new ModelRegistry(
            inventory,
            interceptors,
            listeners,
            b.defaultEngine,
            b.drainTimeout.toNanos(),
            b.clock,
            b.ticker,
            b.aliasHistoryLimit,
            b.stateStore);
  }

  /** Tells each extension the runtime is built; closes the runtime again if one fails. */
  private ModelRuntime start() {
    try {
      for (RuntimeExtension x : extensions) {
        x.started(this);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  /**
   * The state store given to {@link Builder#stateStore}, where aliases (and extensions' state) are
   * kept across restarts; empty if none was given.
   */
  public Optional<StateStore> stateStore() {
    return Optional.ofNullable(stateStore);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads {@code spec} on the devices its policy picks, warms every replica up with the spec's
   * warm-up inputs, and only then makes the version callable. Blocks until done; holds no lock
   * while loading, so other management goes on meanwhile.
   *
   * @return the deployed version
   * @throws DeploymentConflictException if that version (or one differing only in build metadata)
   *     is already deployed or being deployed by another call right now (refused at once, before
   *     loading anything), or the model's other versions have other input/output types
   * @throws ModelUnavailableException if the runtime is closed while the version loads (what was
   *     loaded is closed)
   * @throws ModelLoadException if the engine cannot load it (names the file and the engine's cause)
   * @throws DeviceUnavailableException if the device policy cannot be met and must not fall back
   */
  public Version deploy(ModelSpec<?, ?> spec) {
    return registry.deploy(Objects.requireNonNull(spec, "spec"), null);
  }

  /**
   * Deploys every version of {@code template}'s model found in {@code repository}; each version's
   * spec is {@code template} with that version and its folder as the source. One folder's problem
   * is never fatal for the others: folders that are not versions ({@link
   * ModelRepository#scan(String)}), and versions whose deploy fails (an unreadable model, a
   * conflicting deploy), are skipped, logged and listed in the result.
   *
   * <p>Idempotent: a version already deployed (the same version, build metadata included) is left
   * as it is and listed in {@link ModelRepository.DeployResult#alreadyDeployed()}, not as a
   * conflict, so calling this again after adding a folder deploys just the new version. A folder
   * whose version differs from a deployed one only in build metadata is still a conflict.
   *
   * @return the versions deployed and the folders skipped, with why
   * @throws ModelNotFoundException if the repository has no folder for the model
   */
  public <I, O> ModelRepository.DeployResult deployAll(
      ModelRepository repository, ModelSpec.Builder<I, O> template) {
    return deployAll(repository, template, UnaryOperator.identity());
  }

  /**
   * Like {@link #deployAll(ModelRepository, ModelSpec.Builder)}, letting {@code perVersion} adjust
   * each version's builder (replicas, labels…).
   */
  public <I, O> ModelRepository.DeployResult deployAll(
      ModelRepository repository,
      ModelSpec.Builder<I, O> template,
      UnaryOperator<ModelSpec.Builder<I, O>> perVersion) {
    String name = template.name();
    ModelRepository.Listing listing = repository.scan(name);
    List<Version> deployed = new ArrayList<>();
    List<Version> already = new ArrayList<>();
    List<ModelRepository.Skipped> skipped = new ArrayList<>(listing.skipped());
    listing
        .versions()
        .forEach(
            (v, source) -> {
              if (isDeployedExactly(name, v)) {
                already.add(v);
                return;
              }
              try {
                deployed.add(deploy(perVersion.apply(template.forVersion(v, source)).build()));
              } catch (RuntimeException e) {
                if (e instanceof DeploymentConflictException && isDeployedExactly(name, v)) {
                  already.add(v); // another thread deployed it meanwhile
                  return;
                }
                Path folder = repository.root().resolve(name).resolve(v.toString());
                LOG.warn(
                    "model repository: {}@{} from {} not deployed: {}",
                    name,
                    v,
                    folder,
                    e.getMessage());
                skipped.add(
                    new ModelRepository.Skipped(folder, "deploy failed: " + e.getMessage(), e));
              }
            });
    return new ModelRepository.DeployResult(name, deployed, already, skipped);
  }

  /** Whether {@code model@v} is deployed as exactly {@code v} (build metadata included). */
  private boolean isDeployedExactly(String model, Version v) {
    return registry
        .describe(model, v)
        .map(d -> d.version().toString().equals(v.toString()))
        .orElse(false);
  }

  /**
   * Stops sending calls to {@code model@version}, lets its in-flight calls finish, then closes it.
   *
   * <p>Handles do not keep a version deployed (see {@link ModelHandle}); what does: an alias whose
   * target names it (by weight or as fallback), and an open {@link ModelHandle.Lease} that needs it
   * (a lease on this exact version, or on a range or {@code latest} that no other deployed version
   * would satisfy). {@code version} matches a deployed version that differs only in build metadata.
   *
   * @throws DeploymentConflictException if an alias or open lease still needs it; the message names
   *     each alias with its target and each lease with where it was taken
   * @throws ModelNotFoundException if it is not deployed (or still being deployed)
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

  /**
   * Points {@code alias} at a target, which may split traffic by weight (a canary) and may name a
   * {@linkplain AliasTarget#withFallback fallback} version.
   *
   * @throws DeploymentConflictException if a version the target names, weighted or fallback, is not
   *     deployed
   */
  public void setAlias(String model, String alias, AliasTarget target) {
    registry.setAlias(model, alias, Objects.requireNonNull(target, "target"), null);
  }

  /**
   * Moves {@code alias} back to the target it had before its last move. Each alias remembers its
   * last {@link Builder#aliasHistoryLimit} targets (default 256), so at most that many minus one
   * rollbacks in a row are possible.
   *
   * @return the target it points to now
   * @throws DeploymentConflictException if it has no previous target or a version it names is
   *     undeployed
   */
  public AliasTarget rollback(String model, String alias) {
    return registry.rollback(model, alias, null);
  }

  /**
   * Moves {@code alias} back to {@code target}, a target it had before (what automation such as a
   * rollout does when a gate fails): like {@link #setAlias(String, String, AliasTarget)}, but
   * recorded as a {@link AliasChange.Kind#ROLLBACK} in the alias's history, and interceptors (the
   * audit log) see a {@code ROLLBACK} management request carrying {@code reason}.
   *
   * @param reason why, in words (the gate that failed); shown to interceptors and logged
   * @throws DeploymentConflictException if a version {@code target} names is not deployed
   * @throws ModelNotFoundException if the alias does not exist
   */
  public void rollbackTo(String model, String alias, AliasTarget target, String reason) {
    registry.rollbackTo(model, alias, Objects.requireNonNull(target, "target"), reason, null);
  }

  /**
   * Management operations made with {@code credentials} (an API key, say), for runtimes whose
   * interceptors check who manages what. The plain methods on the runtime act with no credential.
   */
  public ModelAdmin admin(String credentials) {
    return new ModelAdmin(registry, credentials);
  }

  /**
   * The last moves of {@code alias}, oldest first: at most {@link Builder#aliasHistoryLimit}
   * (default 256); older moves are forgotten, so a long-lived alias moved by automation keeps
   * bounded memory.
   *
   * @throws ModelNotFoundException if the model or alias does not exist
   */
  public List<AliasChange> aliasHistory(String model, String alias) {
    return registry.aliasHistory(model, alias);
  }

  /** The aliases of {@code model} and their targets now. */
  public Map<String, AliasTarget> aliases(String model) {
    return registry.aliases(model);
  }

  /**
   * A typed handle on {@code model} following {@code selector}. The handle pins nothing and needs
   * no closing (see {@link ModelHandle}); take a {@link ModelHandle#pin() lease} to keep its
   * version deployed.
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
    return registry.invalidate(
            Objects.requireNonNull(model, "model"),
            Objects.requireNonNull(version, "version"),
            null)
        > 0;
  }

  /**
   * Statistics of every response cache of this runtime together: hits, misses and evictions since
   * it started (versions since undeployed included, so counters never go backwards) and the entries
   * held now. {@code maasdk-metrics} publishes them as Micrometer's {@code cache.*} meters.
   */
  public CacheStats responseCacheStats() {
    return registry.responseCache().stats();
  }

  /**
   * One version's response-cache statistics; empty until the first call to that version with
   * caching on, and again after it is undeployed.
   */
  public Optional<CacheStats> responseCacheStats(String model, Version version) {
    return registry
        .responseCache()
        .stats(Objects.requireNonNull(model, "model"), Objects.requireNonNull(version, "version"));
  }

  /** Drains and closes every version, frees native memory and stops every maasdk thread. */
  @Override
  public void close() {
    for (int i = extensions.size() - 1; i >= 0; i--) {
      try {
        extensions.get(i).close();
      } catch (RuntimeException e) {
        LOG.error("extension {} failed to close", extensions.get(i), e);
      }
    }
    registry.close();
    List<AutoCloseable> reversed;
    synchronized (owned) {
      reversed = new ArrayList<>(owned);
      owned.clear(); // closed once, however often close() is called
    }
    java.util.Collections.reverse(reversed);
    for (AutoCloseable c : reversed) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing {} after the runtime failed; continuing", c, e);
      }
    }
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /** Configures a {@link ModelRuntime}. */
  public static final class Builder {
    private @Nullable DeviceInventory inventory;
    private final List<CallInterceptor> interceptors = new ArrayList<>();
    private final List<InferenceListener> listeners = new ArrayList<>();
    private String defaultEngine = "PyTorch";
    private Duration drainTimeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private Ticker ticker = Ticker.system();
    private boolean djlOffline = true;

    /** Interceptors and listeners in registration order, for closing in reverse. */
    private final List<Object> registered = new ArrayList<>();

    private int aliasHistoryLimit = ModelRegistry.DEFAULT_ALIAS_HISTORY_LIMIT;
    private @Nullable StateStore stateStore;
    private final List<RuntimeExtension> extensions = new ArrayList<>();

    private Builder() {}

    /**
     * Keeps aliases (targets with their splits and fallbacks, rollback stacks, history) in {@code
     * store}, written on every alias move before the move takes effect, and restores them when the
     * runtime is built: a model's history and rollback stack come back when its first version is
     * deployed, and each alias starts serving its restored target as soon as every version that
     * target names is deployed again (deploy them, e.g. with {@link ModelRuntime#deployAll}, before
     * taking calls). Default: none, aliases are forgotten on restart.
     *
     * @see StateStore#directory(Path)
     */
    public Builder stateStore(StateStore store) {
      this.stateStore = Objects.requireNonNull(store, "store");
      return this;
    }

    /** Installs an extension (see {@link RuntimeExtension}); they start in the order added. */
    public Builder extension(RuntimeExtension extension) {
      extensions.add(Objects.requireNonNull(extension, "extension"));
      return this;
    }

    /**
     * How many moves each alias keeps in {@link ModelRuntime#aliasHistory} and how many targets in
     * its rollback stack; default 256. Older ones are forgotten, oldest first.
     *
     * @throws IllegalArgumentException if below 2 (one rollback needs two targets)
     */
    public Builder aliasHistoryLimit(int limit) {
      if (limit < 2) {
        throw new IllegalArgumentException(
            "aliasHistoryLimit must be at least 2 (one rollback needs two targets), was " + limit);
      }
      this.aliasHistoryLimit = limit;
      return this;
    }

    /** Where GPUs are found; default: DJL's view of CUDA. */
    public Builder deviceInventory(DeviceInventory inventory) {
      this.inventory = Objects.requireNonNull(inventory, "inventory");
      return this;
    }

    /**
     * Adds an interceptor. Interceptors run before each call is resolved, ordered by their {@link
     * CallInterceptor#phase() phase} (authentication, then checks, then quotas) and, within a
     * phase, in the order added. One that is {@link AutoCloseable} is closed by {@link
     * ModelRuntime#close()}.
     */
    public Builder interceptor(CallInterceptor interceptor) {
      interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      registered.add(interceptor);
      return this;
    }

    /**
     * Adds a listener told about every call's outcome. One that is {@link AutoCloseable} is closed
     * by {@link ModelRuntime#close()}, after every call has ended.
     */
    public Builder listener(InferenceListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      registered.add(listener);
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
     * The one time source of the request path: deadlines, queue waits, batching delays, the circuit
     * breaker's open period and response-cache expiry ({@link
     * CachePolicy.Builder#expireAfterWrite}); default {@link Ticker#system()}. Tests pass a fake
     * one to move time without sleeping. Deadline timers fire in real time; when they fire, the
     * runtime measures with this ticker.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Whether building the runtime keeps DJL offline and untracked (default {@code true}): it then
     * sets the JVM-wide system properties {@code ai.djl.offline=true} and {@code
     * ai.djl.disable_usage_tracking=true}, each only if the application has not set it already.
     * With {@code false} the runtime touches no system property; DJL may then try to download
     * engines or report usage as its own defaults say.
     */
    public Builder djlOffline(boolean offline) {
      this.djlOffline = offline;
      return this;
    }

    /**
     * Builds the runtime, restoring aliases from the {@linkplain #stateStore state store} and
     * starting each extension.
     *
     * @throws IllegalStateException if the state store holds state that cannot be read
     */
    public ModelRuntime build() {
      return new ModelRuntime(this).start();
    }
  }
}
