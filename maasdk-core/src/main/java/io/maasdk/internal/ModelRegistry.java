package io.maasdk.internal;

import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.DeploymentConflictException;
import io.maasdk.DeploymentInfo;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelNotFoundException;
import io.maasdk.ModelSpec;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.VersionSelector;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ManagementRequest;
import io.maasdk.spi.ManagementRequest.Action;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's state: deployed versions per model, aliases and their history, live handles.
 * Reads (resolution on every call) are lock-free over concurrent maps and immutable alias targets;
 * management operations are serialized on {@code this}, so an alias move is one atomic write.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

  private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
  private final Map<HandleImpl<?, ?>, Boolean> liveHandles =
      Collections.synchronizedMap(new WeakHashMap<>());
  private final DeviceInventory inventory;
  private final List<CallInterceptor> interceptors;
  private final String defaultEngine;
  private final long drainNanos;
  private final Clock clock;
  private final CallPipeline pipeline;
  private volatile boolean closed;

  public ModelRegistry(
      DeviceInventory inventory,
      List<CallInterceptor> interceptors,
      List<InferenceListener> listeners,
      String defaultEngine,
      long drainNanos,
      Clock clock) {
    this.inventory = inventory;
    this.interceptors = List.copyOf(interceptors);
    this.defaultEngine = defaultEngine;
    this.drainNanos = drainNanos;
    this.clock = clock;
    this.pipeline = new CallPipeline(this, interceptors, listeners, clock);
  }

  CallPipeline pipeline() {
    return pipeline;
  }

  /** Per model: its types, deployed versions, and aliases. */
  private static final class ModelEntry {
    final Class<?> inputType;
    final Class<?> outputType;
    final NavigableMap<Version, DeployedVersion<?, ?>> versions = new ConcurrentSkipListMap<>();
    /** alias → current target; replaced whole on every move. */
    final Map<String, AliasTarget> aliases = new ConcurrentHashMap<>();
    /** alias → targets it had, oldest first, current last (the rollback stack). */
    final Map<String, List<AliasTarget>> stacks = new LinkedHashMap<>();
    final Map<String, List<AliasChange>> history = new LinkedHashMap<>();

    ModelEntry(Class<?> inputType, Class<?> outputType) {
      this.inputType = inputType;
      this.outputType = outputType;
    }
  }

  // ---------------------------------------------------------------- management

  public synchronized <I, O> Version deploy(ModelSpec<I, O> spec, @Nullable String credentials) {
    checkOpen();
    ManagementRequest request = new ManagementRequest(
        Action.DEPLOY, spec.name(), spec.version(), null, credentials, spec.source());
    guard(request);
    return managed(request, () -> deployGuarded(spec));
  }

  private <I, O> Version deployGuarded(ModelSpec<I, O> spec) {
    ModelEntry entry = models.get(spec.name());
    if (entry != null) {
      if (entry.inputType != spec.inputType() || entry.outputType != spec.outputType()) {
        throw new DeploymentConflictException(spec.name(), spec.version(),
            "model " + spec.name() + " takes " + entry.inputType.getSimpleName() + " -> "
                + entry.outputType.getSimpleName() + " in its deployed versions; "
                + spec.version() + " declares " + spec.inputType().getSimpleName() + " -> "
                + spec.outputType().getSimpleName() + ". All versions of a model share types.");
      }
      if (entry.versions.containsKey(spec.version())) {
        throw new DeploymentConflictException(spec.name(), spec.version(),
            spec.name() + "@" + spec.version() + " is already deployed; undeploy it first or"
                + " deploy a new version.");
      }
    }
    if (spec.batching().enabled()
        && spec.translator().getBatchifier() == null) {
      throw new IllegalArgumentException(
          spec.name() + "@" + spec.version() + ": batching " + spec.batching()
              + " needs a translator that can batch, but " + spec.translator()
              + " has no Batchifier. Use BatchingPolicy.disabled() or a batching translator.");
    }
    String engine = spec.engine() == null ? defaultEngine : spec.engine();
    List<Placement> placements =
        Placer.place(spec.name(), spec.version(), spec.replicas(), spec.devicePolicy(),
            inventory.gpus());
    // Loaded and warmed before it becomes visible: no call can reach a cold version.
    DeployedVersion<I, O> dv = new DeployedVersion<>(spec, engine, placements, pipeline);
    models
        .computeIfAbsent(spec.name(), n -> new ModelEntry(spec.inputType(), spec.outputType()))
        .versions
        .put(spec.version(), dv);
    LOG.info("deployed {}@{} on {}", spec.name(), spec.version(),
        placements.stream().map(Placement::device).toList());
    return spec.version();
  }

  public void undeploy(String model, Version version, @Nullable String credentials) {
    ManagementRequest request =
        new ManagementRequest(Action.UNDEPLOY, model, version, null, credentials);
    synchronized (this) {
      guard(request);
    }
    managed(request, () -> {
      undeployGuarded(model, version);
      return null;
    });
  }

  private void undeployGuarded(String model, Version version) {
    DeployedVersion<?, ?> dv;
    synchronized (this) {
      ModelEntry entry = entry(model);
      dv = entry.versions.get(version);
      if (dv == null) {
        throw notFound(model, "version " + version);
      }
      List<String> needs = new ArrayList<>();
      entry.aliases.forEach(
          (alias, target) -> {
            if (target.includes(version)) {
              needs.add("alias '" + alias + "' (" + target + ")");
            }
          });
      List<Version> remaining = new ArrayList<>(entry.versions.keySet());
      remaining.remove(version);
      synchronized (liveHandles) {
        for (HandleImpl<?, ?> h : liveHandles.keySet()) {
          if (!h.modelName().equals(model)) {
            continue;
          }
          VersionSelector s = h.selector();
          if (s instanceof VersionSelector.Exact e && e.version().equals(version)) {
            needs.add("a handle pinned to " + version);
          } else if (s instanceof VersionSelector.Range r
              && r.contains(version) && r.highest(remaining).isEmpty()) {
            needs.add("a handle on range " + r + " that no other version satisfies");
          } else if (s instanceof VersionSelector.Latest
              && remaining.stream().noneMatch(v -> !v.isPreRelease())) {
            needs.add("a handle on 'latest' (no other release would remain)");
          }
        }
      }
      if (!needs.isEmpty()) {
        throw new DeploymentConflictException(model, version,
            "cannot undeploy " + model + "@" + version + ": still needed by "
                + String.join(", ", needs.stream().distinct().toList())
                + ". Move the alias (setAlias) or drop the handle first.");
      }
      entry.versions.remove(version); // no new call resolves to it from here on
      if (entry.versions.isEmpty() && entry.aliases.isEmpty()) {
        models.remove(model);
      }
    }
    // Outside the lock: in-flight calls finish, then native memory is freed.
    dv.drainAndClose(drainNanos, "undeployed");
    CallPipeline.responseCache(this).drop(dv); // its cached answers go with it
    LOG.info("undeployed {}@{}", model, version);
  }

  public synchronized void setAlias(
      String model, String alias, AliasTarget target, @Nullable String credentials) {
    checkOpen();
    VersionSelector.Alias a = new VersionSelector.Alias(alias);
    ManagementRequest request = new ManagementRequest(Action.ALIAS, model, target.isSingle()
        ? target.weights().keySet().iterator().next() : null, a.name(), credentials);
    guard(request);
    managed(request, () -> {
      setAliasGuarded(model, alias, target);
      return null;
    });
  }

  private void setAliasGuarded(String model, String alias, AliasTarget target) {
    ModelEntry entry = entry(model);
    for (Version v : target.weights().keySet()) {
      DeployedVersion<?, ?> dv = entry.versions.get(v);
      if (dv == null || !dv.accepting()) {
        throw new DeploymentConflictException(model, v,
            "cannot point alias '" + alias + "' of " + model + " at " + v
                + ": it is not deployed (deployed: " + entry.versions.keySet() + ")");
      }
    }
    AliasTarget previous = entry.aliases.put(alias, target);
    entry.stacks.computeIfAbsent(alias, k -> new ArrayList<>()).add(target);
    record(entry, alias, target.isSingle() ? AliasChange.Kind.SET : AliasChange.Kind.SPLIT,
        previous, target);
    LOG.info("alias {}:{} -> {}", model, alias, target);
  }

  public synchronized AliasTarget rollback(String model, String alias, @Nullable String credentials) {
    checkOpen();
    ManagementRequest request =
        new ManagementRequest(Action.ROLLBACK, model, null, alias, credentials);
    guard(request);
    return managed(request, () -> rollbackGuarded(model, alias));
  }

  private AliasTarget rollbackGuarded(String model, String alias) {
    ModelEntry entry = entry(model);
    List<AliasTarget> stack = entry.stacks.get(alias);
    if (stack == null) {
      throw notFound(model, "alias '" + alias + "'");
    }
    if (stack.size() < 2) {
      throw new DeploymentConflictException(model, null,
          "alias '" + alias + "' of " + model + " has no previous target to roll back to (it"
              + " points at " + stack.get(0) + " since it was created)");
    }
    AliasTarget back = stack.get(stack.size() - 2);
    for (Version v : back.weights().keySet()) {
      if (!entry.versions.containsKey(v)) {
        throw new DeploymentConflictException(model, v,
            "cannot roll alias '" + alias + "' of " + model + " back to " + back + ": " + v
                + " is no longer deployed. Deploy it again or setAlias explicitly.");
      }
    }
    AliasTarget current = stack.remove(stack.size() - 1);
    entry.aliases.put(alias, back);
    record(entry, alias, AliasChange.Kind.ROLLBACK, current, back);
    LOG.info("alias {}:{} rolled back {} -> {}", model, alias, current, back);
    return back;
  }

  public synchronized List<AliasChange> aliasHistory(String model, String alias) {
    List<AliasChange> h = entry(model).history.get(alias);
    if (h == null) {
      throw notFound(model, "alias '" + alias + "'");
    }
    return List.copyOf(h);
  }

  public Map<String, AliasTarget> aliases(String model) {
    ModelEntry e = models.get(model);
    return e == null ? Map.of() : Map.copyOf(e.aliases);
  }

  private void record(
      ModelEntry entry, String alias, AliasChange.Kind kind, @Nullable AliasTarget from,
      AliasTarget to) {
    entry.history.computeIfAbsent(alias, k -> new ArrayList<>())
        .add(new AliasChange(clock.instant(), kind, from, to));
  }

  private void guard(ManagementRequest request) {
    for (CallInterceptor i : interceptors) {
      i.beforeManagement(request);
    }
  }

  /** Runs a request every interceptor let through, then tells them how it ended. */
  private <T> T managed(ManagementRequest request, java.util.function.Supplier<T> operation) {
    T result;
    try {
      result = operation.get();
    } catch (RuntimeException e) {
      ended(request, e);
      throw e;
    }
    ended(request, null);
    return result;
  }

  /** Tells every interceptor how a request they all let through ended; never throws. */
  private void ended(ManagementRequest request, @Nullable RuntimeException failure) {
    for (CallInterceptor i : interceptors) {
      try {
        i.afterManagement(request, failure);
      } catch (RuntimeException e) {
        LOG.error("interceptor {} failed after {}", i, request, e);
      }
    }
  }

  // ---------------------------------------------------------------- handles and resolution

  @SuppressWarnings("unchecked")
  public <I, O> ModelHandle<I, O> handle(
      String model, VersionSelector selector, Class<I> inputType, Class<O> outputType) {
    Objects.requireNonNull(selector, "selector");
    ModelEntry entry = entry(model);
    if (entry.inputType != inputType || entry.outputType != outputType) {
      throw new IllegalArgumentException(
          "model " + model + " takes " + entry.inputType.getSimpleName() + " -> "
              + entry.outputType.getSimpleName() + ", not " + inputType.getSimpleName() + " -> "
              + outputType.getSimpleName());
    }
    HandleImpl<I, O> h = new HandleImpl<>(model, selector, inputType, outputType, this);
    resolve(h, CallOptions.DEFAULT); // fail now, not on the first call, if nothing matches
    liveHandles.put(h, Boolean.TRUE);
    return h;
  }

  /** Resolution: the deployed version a call through {@code h} with {@code opts} goes to. */
  @SuppressWarnings("unchecked")
  <I, O> DeployedVersion<I, O> resolve(HandleImpl<I, O> h, CallOptions opts) {
    ModelEntry entry = entry(h.modelName());
    VersionSelector s = h.selector();
    Version v;
    if (s instanceof VersionSelector.Exact e) {
      v = e.version();
    } else if (s instanceof VersionSelector.Range r) {
      v = r.highest(entry.versions.keySet())
          .orElseThrow(() -> notFound(h.modelName(), "a version in range " + r));
    } else if (s instanceof VersionSelector.Alias a) {
      AliasTarget t = entry.aliases.get(a.name());
      if (t == null) {
        throw notFound(h.modelName(), "alias '" + a.name() + "'");
      }
      v = t.isSingle() ? t.weights().keySet().iterator().next() : t.pick(unit(opts, a.name()));
    } else {
      v = entry.versions.descendingKeySet().stream().filter(x -> !x.isPreRelease()).findFirst()
          .orElseThrow(() -> notFound(h.modelName(), "a released version"));
    }
    DeployedVersion<?, ?> dv = entry.versions.get(v);
    if (dv == null) {
      throw notFound(h.modelName(), "version " + v + " (selected by " + s + ")");
    }
    return (DeployedVersion<I, O>) dv;
  }

  /** A point in [0,1) fixed by the routing key (sticky), or random when there is none. */
  static double unit(CallOptions opts, String alias) {
    if (opts.routingKey() == null && CallOptions.DEFAULT_TENANT.equals(opts.tenant())) {
      return ThreadLocalRandom.current().nextDouble();
    }
    long h = 0xcbf29ce484222325L; // FNV-1a 64, then a murmur3 finalizer for avalanche
    for (byte b : (alias + '\0' + opts.stickyKey()).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53;
  }

  // ---------------------------------------------------------------- inspection

  public List<DeploymentInfo> deployments() {
    List<DeploymentInfo> out = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(models.keySet())) {
      ModelEntry e = models.get(name);
      if (e == null) {
        continue;
      }
      for (DeployedVersion<?, ?> dv : e.versions.values()) {
        out.add(info(name, e, dv));
      }
    }
    return out;
  }

  public Optional<DeploymentInfo> describe(String model, Version version) {
    ModelEntry e = models.get(model);
    DeployedVersion<?, ?> dv = e == null ? null : e.versions.get(version);
    return dv == null ? Optional.empty() : Optional.of(info(model, e, dv));
  }

  private static DeploymentInfo info(String name, ModelEntry e, DeployedVersion<?, ?> dv) {
    List<String> aliases = new ArrayList<>();
    e.aliases.forEach((a, t) -> {
      if (t.includes(dv.version())) {
        aliases.add(a);
      }
    });
    Collections.sort(aliases);
    return new DeploymentInfo(name, dv.version(), dv.engine, dv.spec.source().describe(),
        dv.placements, dv.queueDepth(), dv.spec.queueCapacity(), dv.inFlight(), dv.replicasUp(),
        dv.replicaRestarts(), dv.breakerState(), dv.accepting(),
        dv.spec.labels(), aliases);
  }

  private ModelEntry entry(String model) {
    Objects.requireNonNull(model, "model");
    if (closed) {
      throw new io.maasdk.ModelUnavailableException(model, null,
          "the ModelRuntime is closed; model " + model + " cannot be called or managed");
    }
    ModelEntry e = models.get(model);
    if (e == null) {
      throw new ModelNotFoundException(model, null,
          "no model named '" + model + "' is deployed; deployed models: "
              + new java.util.TreeSet<>(models.keySet()));
    }
    return e;
  }

  private ModelNotFoundException notFound(String model, String what) {
    ModelEntry e = models.get(model);
    String have = e == null ? "nothing" : "versions " + e.versions.keySet() + ", aliases "
        + e.aliases;
    return new ModelNotFoundException(model, null,
        "model " + model + " has no " + what + "; deployed: " + have);
  }

  private void checkOpen() {
    if (closed) {
      throw new MaasdkException("the ModelRuntime is closed");
    }
  }

  /** Stops admitting everywhere, drains every version, frees native memory, stops threads. */
  @Override
  public void close() {
    List<DeployedVersion<?, ?>> all = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      models.values().forEach(e -> all.addAll(e.versions.values()));
      models.clear();
    }
    for (DeployedVersion<?, ?> dv : all) {
      dv.drainAndClose(drainNanos, "the runtime closed");
    }
    pipeline.close();
  }
}
