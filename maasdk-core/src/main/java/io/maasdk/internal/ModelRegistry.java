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
import io.maasdk.ModelUnavailableException;
import io.maasdk.Placement;
import io.maasdk.Ticker;
import io.maasdk.Version;
import io.maasdk.VersionSelector;
import io.maasdk.spi.Backend;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ManagementRequest;
import io.maasdk.spi.ManagementRequest.Action;
import io.maasdk.spi.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's state: deployed versions per model, aliases and their bounded history, and the
 * leases taken on handles.
 *
 * <p><b>Concurrency.</b> Reads (resolution on every call) are lock-free over concurrent maps and
 * immutable alias targets. Each model has its own monitor (its {@link ModelEntry}); a management
 * operation holds only the monitor of the model it changes, and only for its check-and-publish
 * step, never while loading or draining. A deploy reserves its version under the monitor (a second
 * deploy of the same version is refused at once), loads and warms up with no lock held, then
 * publishes under the monitor. So a rollback of one model never waits for another model's load, and
 * an alias move is one atomic write.
 *
 * <p><b>Handles</b> are not tracked: only {@link ModelHandle.Lease}s and aliases keep a version
 * from being undeployed.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

  /** Alias moves kept per alias (history and rollback stack) unless the builder says otherwise. */
  public static final int DEFAULT_ALIAS_HISTORY_LIMIT = 256;

  /** Undeployed versions remembered per model, only to explain a failed resolution. */
  private static final int UNDEPLOYED_REMEMBERED = 32;

  private final Map<String, ModelEntry> models = new ConcurrentHashMap<>();
  private final DeviceInventory inventory;
  private final List<CallInterceptor> interceptors;
  private final String defaultEngine;
  private final long drainNanos;
  private final Clock clock;
  private final int historyLimit;
  private final Ticker ticker;
  private final Completer completer;
  private final CallPipeline pipeline;
  private final AtomicLong leaseIds = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile boolean closed;
  private final @Nullable StateStore store;

  /** Alias state read from the store at start, per model, until that model's entry is created. */
  private final Map<String, AliasState> restored = new ConcurrentHashMap<>();

  /**
   * The registry of one runtime.
   *
   * @param aliasHistoryLimit how many moves each alias keeps in its history, and how many targets
   *     in its rollback stack (at least 2)
   */
  public ModelRegistry(
      DeviceInventory inventory,
      List<CallInterceptor> interceptors,
      List<InferenceListener> listeners,
      String defaultEngine,
      long drainNanos,
      Clock clock,
      Ticker ticker,
      int aliasHistoryLimit) {
    this(
        inventory,
        interceptors,
        listeners,
        defaultEngine,
        drainNanos,
        clock,
        ticker,
        aliasHistoryLimit,
        null);
  }

  /**
   * The registry of one runtime, remembering aliases in {@code store} (when not {@code null}): what
   * the store holds is read now, and each model's aliases come back when its entry is created (its
   * history and rollback stack at once; each alias's target as soon as every version it names is
   * deployed).
   *
   * @throws IllegalStateException if the store holds alias state that cannot be read (nothing is
   *     guessed: fix or remove the named key)
   */
  public ModelRegistry(
      DeviceInventory inventory,
      List<CallInterceptor> interceptors,
      List<InferenceListener> listeners,
      String defaultEngine,
      long drainNanos,
      Clock clock,
      Ticker ticker,
      int aliasHistoryLimit,
      @Nullable StateStore store) {
    if (aliasHistoryLimit < 2) {
      throw new IllegalArgumentException(
          "aliasHistoryLimit must be at least 2 (one move back), was " + aliasHistoryLimit);
    }
    this.inventory = inventory;
    // The runtime, not the order of registration, puts authentication before quotas (stable sort).
    List<CallInterceptor> byPhase = new ArrayList<>(interceptors);
    byPhase.sort(Comparator.comparing(CallInterceptor::phase));
    this.interceptors = List.copyOf(byPhase);
    this.defaultEngine = defaultEngine;
    this.drainNanos = drainNanos;
    this.clock = clock;
    this.historyLimit = aliasHistoryLimit;
    this.ticker = ticker;
    this.completer = new Completer(listeners, clock);
    this.pipeline = new CallPipeline(this, this.interceptors, completer, ticker);
    this.store = store;
    if (store != null) {
      for (String key : store.keys("aliases/")) {
        String model = key.substring("aliases/".length());
        byte[] bytes = store.read(key).orElse(null);
        if (bytes == null) {
          continue;
        }
        try {
          restored.put(model, AliasState.decode(model, bytes));
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(
              "state store "
                  + store
                  + " key '"
                  + key
                  + "' cannot be read: "
                  + e.getMessage()
                  + ". Fix or delete it.",
              e);
        }
      }
      if (!restored.isEmpty()) {
        LOG.info("restoring aliases of {} from {}", new TreeSet<>(restored.keySet()), store);
      }
    }
  }

  CallPipeline pipeline() {
    return pipeline;
  }

  /** The runtime's response cache (ModelRuntime reaches it for statistics and invalidation). */
  public ResponseCache responseCache() {
    return pipeline.responseCache;
  }

  /**
   * Per model: its types, deployed versions, aliases, and what is in progress. Its monitor
   * serialises management of this model only. Fields not marked concurrent are read and written
   * only under the monitor.
   */
  private static final class ModelEntry {
    final Class<?> inputType;
    final Class<?> outputType;

    /** Concurrent: read lock-free by every call. */
    final NavigableMap<Version, Deployment<?, ?>> versions = new ConcurrentSkipListMap<>();

    /** Concurrent: alias → current target; replaced whole on every move. */
    final Map<String, AliasTarget> aliases = new ConcurrentHashMap<>();

    /** Versions being loaded now → the source they load from (reservations). */
    final Map<Version, String> loading = new HashMap<>();

    /** alias → targets it had, oldest first, current last (the rollback stack); bounded. */
    final Map<String, ArrayDeque<AliasTarget>> stacks = new HashMap<>();

    /** alias → its last moves, oldest first; bounded. */
    final Map<String, ArrayDeque<AliasChange>> history = new HashMap<>();

    final Set<LeaseImpl> leases = new LinkedHashSet<>();

    /**
     * Aliases restored from the state store whose versions are not all deployed yet: alias →
     * target. Each becomes an alias as soon as its versions are deployed.
     */
    final Map<String, AliasTarget> pending = new java.util.TreeMap<>();

    /**
     * Recently undeployed versions and when, for messages only; bounded. Its own lock, so a failing
     * call never waits on the model's monitor.
     */
    final Map<Version, Instant> undeployed =
        Collections.synchronizedMap(
            new LinkedHashMap<>() {
              @Override
              protected boolean removeEldestEntry(Map.Entry<Version, Instant> eldest) {
                return size() > UNDEPLOYED_REMEMBERED;
              }
            });

    /** Set when this entry left {@link #models} (emptied, or the runtime closed); never unset. */
    boolean retired;

    ModelEntry(Class<?> inputType, Class<?> outputType) {
      this.inputType = inputType;
      this.outputType = outputType;
    }
  }

  /**
   * Runs {@code op} under the monitor of {@code model}'s entry. With {@code creating}, an absent
   * entry is created with that spec's types; without, an absent model is {@link
   * ModelNotFoundException}. Retries if the entry was retired between lookup and lock.
   */
  private <T> T locked(
      String model, @Nullable ModelSpec<?, ?> creating, Function<ModelEntry, T> op) {
    for (; ; ) {
      ModelEntry e =
          creating == null
              ? entry(model)
              : models.computeIfAbsent(
                  model,
                  n -> {
                    ModelEntry fresh = new ModelEntry(creating.inputType(), creating.outputType());
                    AliasState r = restored.remove(n);
                    if (r != null) {
                      r.stacks.forEach((a, st) -> fresh.stacks.put(a, new ArrayDeque<>(st)));
                      r.history.forEach((a, h) -> fresh.history.put(a, new ArrayDeque<>(h)));
                      fresh.pending.putAll(r.current);
                    }
                    return fresh;
                  });
      synchronized (e) {
        if (closed) {
          retireIfEmpty(model, e); // an entry created after close() emptied the map
          throw closedFor(model);
        }
        if (!e.retired) {
          return op.apply(e);
        }
      }
    }
  }

  /** Under {@code e}'s monitor: drops the entry once nothing is deployed, loading or aliased. */
  private void retireIfEmpty(String model, ModelEntry e) {
    if (e.versions.isEmpty() && e.aliases.isEmpty() && e.loading.isEmpty() && !e.retired) {
      e.retired = true;
      models.remove(model, e);
      if (!e.pending.isEmpty() && !closed) { // restored aliases wait for the model's next entry
        AliasState st = new AliasState();
        st.current.putAll(e.pending);
        st.stacks.putAll(e.stacks);
        st.history.putAll(e.history);
        restored.put(model, st);
      }
    }
  }

  // ---------------------------------------------------------------- management

  public <I, O> Version deploy(ModelSpec<I, O> spec, @Nullable String credentials) {
    checkOpen();
    ManagementRequest request =
        ManagementRequest.builder(Action.DEPLOY, spec.name())
            .version(spec.version())
            .credentials(credentials)
            .source(spec.source())
            .build();
    guard(request);
    return managed(request, () -> deployGuarded(spec));
  }

  private <I, O> Version deployGuarded(ModelSpec<I, O> spec) {
    String name = spec.name();
    Version version = spec.version();
    // Never null for a DJL version (no backend).
    ai.djl.translate.Translator<I, O> translator = spec.translator();
    if (spec.batching().enabled()
        && spec.backend() == null
        && translator != null
        && translator.getBatchifier() == null) {
      throw new IllegalArgumentException(
          name
              + "@"
              + version
              + ": batching "
              + spec.batching()
              + " needs a translator that can batch, but "
              + translator.getClass().getSimpleName()
              + " has no Batchifier. Use BatchingPolicy.disabled() or a batching translator.");
    }
    // 1. Reserve the version under the model's monitor: conflicts are refused before any loading.
    ModelEntry entry =
        locked(
            name,
            spec,
            e -> {
              reserve(e, spec);
              return e;
            });
    // 2. Load and warm up with no lock held: other management, of this model too, goes on.
    Deployment<I, O> dv = null;
    List<Placement> placements = List.of();
    try {
      Backend backend =
          spec.backend() != null
              ? spec.backend()
              : new DjlBackend(spec.engine() == null ? defaultEngine : spec.engine());
      List<Placement> placed = backend.place(spec);
      placements =
          placed != null
              ? placed
              : Placer.place(
                  name,
                  version,
                  EngineLoader.defaultReplicas(spec, backend.engine(), inventory.gpus()),
                  spec.devicePolicy(),
                  inventory.gpus());
      // Loaded and warmed before it becomes visible: no call can reach a cold version.
      dv = new Deployment<>(spec, backend, placements, completer, ticker);
    } finally {
      if (dv == null) { // the load failed: give the reservation back
        synchronized (entry) {
          entry.loading.remove(version);
          retireIfEmpty(name, entry);
        }
      }
    }
    // 3. Publish under the monitor, unless the runtime closed meanwhile.
    boolean published;
    synchronized (entry) {
      entry.loading.remove(version);
      published = !closed && !entry.retired;
      if (published) {
        entry.versions.put(version, dv);
        entry.undeployed.remove(version);
        activatePending(entry, name);
      } else {
        retireIfEmpty(name, entry);
      }
    }
    if (!published) {
      dv.drainAndClose(0, "the runtime closed while it was being deployed");
      throw new ModelUnavailableException(
          name,
          version,
          "cannot deploy "
              + name
              + "@"
              + version
              + ": the ModelRuntime was closed while it was"
              + " loading; what it loaded has been closed");
    }
    LOG.info(
        "deployed {}@{} on {}", name, version, placements.stream().map(Placement::device).toList());
    return version;
  }

  /** Under the monitor: restored aliases whose versions are now all deployed start serving. */
  private static void activatePending(ModelEntry entry, String model) {
    for (Iterator<Map.Entry<String, AliasTarget>> it = entry.pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, AliasTarget> p = it.next();
      if (entry.versions.keySet().containsAll(p.getValue().versions())) {
        entry.aliases.put(p.getKey(), p.getValue());
        it.remove();
        LOG.info("alias {}:{} -> {} restored", model, p.getKey(), p.getValue());
      }
    }
  }

  /** Under {@code e}'s monitor: refuses a conflicting deploy, else reserves its version. */
  private static void reserve(ModelEntry e, ModelSpec<?, ?> spec) {
    String name = spec.name();
    Version version = spec.version();
    if (e.inputType != spec.inputType() || e.outputType != spec.outputType()) {
      throw new DeploymentConflictException(
          name,
          version,
          "model "
              + name
              + " takes "
              + e.inputType.getSimpleName()
              + " -> "
              + e.outputType.getSimpleName()
              + " in its deployed versions; "
              + version
              + " declares "
              + spec.inputType().getSimpleName()
              + " -> "
              + spec.outputType().getSimpleName()
              + ". All versions of a model share types.");
    }
    Deployment<?, ?> existing = e.versions.get(version);
    if (existing != null) {
      throw new DeploymentConflictException(
          name,
          version,
          name
              + "@"
              + existing.version()
              + " is already deployed"
              + sameVersionNote(existing.version(), version)
              + "; undeploy it first or deploy a new version.");
    }
    for (Map.Entry<Version, String> l : e.loading.entrySet()) {
      if (l.getKey().equals(version)) {
        throw new DeploymentConflictException(
            name,
            version,
            name
                + "@"
                + l.getKey()
                + " is being deployed by another call right now (from "
                + l.getValue()
                + ")"
                + sameVersionNote(l.getKey(), version)
                + "; this deploy is refused. Wait for that one, or undeploy it after.");
      }
    }
    e.loading.put(version, spec.source().describe());
  }

  /** When two equal versions are written differently: why they are the same version. */
  private static String sameVersionNote(Version existing, Version asked) {
    return existing.toString().equals(asked.toString())
        ? ""
        : " ("
            + asked
            + " differs from it only in build metadata, which SemVer ignores: they are"
            + " one version)";
  }

  public void undeploy(String model, Version version, @Nullable String credentials) {
    checkOpen();
    ManagementRequest request =
        ManagementRequest.builder(Action.UNDEPLOY, model)
            .version(version)
            .credentials(credentials)
            .build();
    guard(request);
    managed(
        request,
        () -> {
          undeployGuarded(model, version);
          return null;
        });
  }

  private void undeployGuarded(String model, Version version) {
    Deployment<?, ?> dv =
        locked(
            model,
            null,
            entry -> {
              Deployment<?, ?> found = entry.versions.get(version);
              if (found == null) {
                if (entry.loading.containsKey(version)) {
                  throw new ModelNotFoundException(
                      model,
                      version,
                      model
                          + "@"
                          + version
                          + " is still being deployed; undeploy it once deploy returns");
                }
                throw notFound(model, "version " + version);
              }
              List<String> needs = neededBy(entry, found.version());
              if (!needs.isEmpty()) {
                boolean aliases = needs.stream().anyMatch(n -> n.startsWith("alias"));
                boolean leases = needs.stream().anyMatch(n -> n.startsWith("lease"));
                throw new DeploymentConflictException(
                    model,
                    version,
                    "cannot undeploy "
                        + model
                        + "@"
                        + found.version()
                        + ": still needed by "
                        + String.join("; ", needs)
                        + ". "
                        + (aliases ? "Point the alias elsewhere (setAlias) first. " : "")
                        + (leases
                            ? "Close the lease" + (needs.size() > 1 ? "s" : "") + " first."
                            : ""));
              }
              entry.versions.remove(version); // no new call resolves to it from here on
              entry.undeployed.put(found.version(), clock.instant());
              retireIfEmpty(model, entry);
              return found;
            });
    // Outside the lock: in-flight calls finish, then native memory is freed.
    dv.drainAndClose(drainNanos, "undeployed");
    pipeline.responseCache.drop(dv); // its cached answers go with it
    LOG.info("undeployed {}@{}", model, dv.version());
  }

  /** Under the monitor: every alias and lease that needs {@code version}, in words. */
  private static List<String> neededBy(ModelEntry entry, Version version) {
    List<String> needs = new ArrayList<>();
    new java.util.TreeMap<>(entry.aliases)
        .forEach(
            (alias, target) -> {
              if (target.includes(version)) {
                needs.add("alias '" + alias + "' (" + target + ")");
              } else if (version.equals(target.fallback())) {
                needs.add("alias '" + alias + "' (" + target + ") as its fallback");
              }
            });
    List<Version> remaining = new ArrayList<>(entry.versions.keySet());
    remaining.remove(version);
    for (LeaseImpl lease : entry.leases) {
      VersionSelector s = lease.selector;
      boolean needed;
      if (s instanceof VersionSelector.Exact e) {
        needed = e.version().equals(version);
      } else if (s instanceof VersionSelector.Range r) {
        needed = r.contains(version) && r.highest(remaining).isEmpty();
      } else if (s instanceof VersionSelector.Latest) {
        needed = !version.isPreRelease() && remaining.stream().allMatch(Version::isPreRelease);
      } else {
        needed = false; // an alias lease: the alias itself protects its targets
      }
      if (needed) {
        needs.add(lease.describe());
      }
    }
    return needs;
  }

  public void setAlias(
      String model, String alias, AliasTarget target, @Nullable String credentials) {
    checkOpen();
    VersionSelector.Alias a = new VersionSelector.Alias(alias);
    ManagementRequest request =
        ManagementRequest.builder(Action.ALIAS, model)
            .version(target.isSingle() ? target.weights().keySet().iterator().next() : null)
            .alias(a.name())
            .credentials(credentials)
            .build();
    guard(request);
    managed(
        request,
        () ->
            locked(
                model,
                null,
                entry -> {
                  setAliasLocked(entry, model, a.name(), target);
                  return null;
                }));
  }

  private void setAliasLocked(ModelEntry entry, String model, String alias, AliasTarget target) {
    for (Version v : target.versions()) {
      Deployment<?, ?> dv = entry.versions.get(v);
      if (dv == null || !dv.accepting()) {
        String role = v.equals(target.fallback()) ? " (as fallback)" : "";
        throw new DeploymentConflictException(
            model,
            v,
            "cannot point alias '"
                + alias
                + "' of "
                + model
                + " at "
                + v
                + role
                + ": it is not deployed (deployed: "
                + entry.versions.keySet()
                + ")");
      }
    }
    AliasTarget previous = entry.aliases.get(alias);
    ArrayDeque<AliasTarget> stack =
        new ArrayDeque<>(entry.stacks.getOrDefault(alias, new ArrayDeque<>()));
    stack.addLast(target);
    while (stack.size() > historyLimit) {
      stack.removeFirst();
    }
    move(
        entry,
        model,
        alias,
        target,
        stack,
        target.isSingle() ? AliasChange.Kind.SET : AliasChange.Kind.SPLIT,
        previous);
    LOG.info("alias {}:{} -> {}", model, alias, target);
  }

  /**
   * Under the monitor: moves {@code alias} to {@code to} with its new rollback stack, recording the
   * move; the state store (if any) is written first, so a move that cannot be kept is refused and
   * nothing changes.
   */
  private void move(
      ModelEntry entry,
      String model,
      String alias,
      AliasTarget to,
      ArrayDeque<AliasTarget> stack,
      AliasChange.Kind kind,
      @Nullable AliasTarget from) {
    ArrayDeque<AliasChange> h =
        new ArrayDeque<>(entry.history.getOrDefault(alias, new ArrayDeque<>()));
    h.addLast(new AliasChange(clock.instant(), kind, from, to));
    while (h.size() > historyLimit) {
      h.removeFirst();
    }
    if (store != null) {
      AliasState st = new AliasState();
      st.current.putAll(entry.pending);
      st.current.putAll(entry.aliases);
      st.current.put(alias, to);
      st.stacks.putAll(entry.stacks);
      st.stacks.put(alias, stack);
      st.history.putAll(entry.history);
      st.history.put(alias, h);
      try {
        store.write(AliasState.key(model), st.encode());
      } catch (RuntimeException e) {
        throw new MaasdkException(
            model,
            null,
            "cannot move alias '"
                + alias
                + "' of "
                + model
                + " to "
                + to
                + ": the state store refused to keep it ("
                + e.getMessage()
                + "); the alias is"
                + " unchanged",
            e);
      }
    }
    entry.pending.remove(alias);
    entry.stacks.put(alias, stack);
    entry.history.put(alias, h);
    entry.aliases.put(alias, to);
  }

  public AliasTarget rollback(String model, String alias, @Nullable String credentials) {
    checkOpen();
    ManagementRequest request =
        ManagementRequest.builder(Action.ROLLBACK, model)
            .alias(alias)
            .credentials(credentials)
            .build();
    guard(request);
    return managed(
        request, () -> locked(model, null, entry -> rollbackLocked(entry, model, alias)));
  }

  private AliasTarget rollbackLocked(ModelEntry entry, String model, String alias) {
    ArrayDeque<AliasTarget> stack = entry.stacks.get(alias);
    if (stack == null) {
      throw notFound(model, "alias '" + alias + "'");
    }
    if (stack.size() < 2) {
      throw new DeploymentConflictException(
          model,
          null,
          "alias '"
              + alias
              + "' of "
              + model
              + " has no previous target to roll back to (it"
              + " points at "
              + stack.peekLast()
              + "; an alias remembers its last "
              + historyLimit
              + " targets)");
    }
    Iterator<AliasTarget> down = stack.descendingIterator();
    down.next();
    AliasTarget back = down.next();
    for (Version v : back.versions()) {
      Deployment<?, ?> dv = entry.versions.get(v);
      if (dv == null || !dv.accepting()) {
        throw new DeploymentConflictException(
            model,
            v,
            "cannot roll alias '"
                + alias
                + "' of "
                + model
                + " back to "
                + back
                + ": "
                + v
                + " is no longer deployed. Deploy it again or setAlias explicitly.");
      }
    }
    ArrayDeque<AliasTarget> newStack = new ArrayDeque<>(stack);
    AliasTarget current = newStack.removeLast();
    move(entry, model, alias, back, newStack, AliasChange.Kind.ROLLBACK, current);
    LOG.info("alias {}:{} rolled back {} -> {}", model, alias, current, back);
    return back;
  }

  /**
   * Moves {@code alias} to {@code target} as a rollback (history kind {@code ROLLBACK}; the move is
   * pushed on the rollback stack), with {@code reason} in the management request that interceptors
   * (and so the audit log) see.
   */
  public void rollbackTo(
      String model, String alias, AliasTarget target, String reason, @Nullable String credentials) {
    checkOpen();
    VersionSelector.Alias a = new VersionSelector.Alias(alias);
    ManagementRequest request =
        ManagementRequest.builder(Action.ROLLBACK, model)
            .version(target.isSingle() ? target.weights().keySet().iterator().next() : null)
            .alias(a.name())
            .credentials(credentials)
            .reason(Objects.requireNonNull(reason, "reason"))
            .build();
    guard(request);
    managed(
        request,
        () ->
            locked(
                model,
                null,
                entry -> {
                  for (Version v : target.versions()) {
                    Deployment<?, ?> dv = entry.versions.get(v);
                    if (dv == null || !dv.accepting()) {
                      throw new DeploymentConflictException(
                          model,
                          v,
                          "cannot roll alias '"
                              + alias
                              + "' of "
                              + model
                              + " back to "
                              + target
                              + ": "
                              + v
                              + " is not deployed (deployed: "
                              + entry.versions.keySet()
                              + ")");
                    }
                  }
                  AliasTarget current = entry.aliases.get(alias);
                  if (current == null) {
                    throw notFound(model, "alias '" + alias + "'");
                  }
                  ArrayDeque<AliasTarget> stack =
                      new ArrayDeque<>(entry.stacks.getOrDefault(alias, new ArrayDeque<>()));
                  stack.addLast(target);
                  while (stack.size() > historyLimit) {
                    stack.removeFirst();
                  }
                  move(entry, model, alias, target, stack, AliasChange.Kind.ROLLBACK, current);
                  LOG.warn(
                      "alias {}:{} rolled back {} -> {}: {}",
                      model,
                      alias,
                      current,
                      target,
                      reason);
                  return null;
                }));
  }

  /** The alias's last moves (at most the history limit), oldest first. */
  public List<AliasChange> aliasHistory(String model, String alias) {
    return locked(
        model,
        null,
        entry -> {
          ArrayDeque<AliasChange> h = entry.history.get(alias);
          if (h == null) {
            throw notFound(model, "alias '" + alias + "'");
          }
          return List.copyOf(h);
        });
  }

  public Map<String, AliasTarget> aliases(String model) {
    ModelEntry e = models.get(model);
    return e == null ? Map.of() : Map.copyOf(e.aliases);
  }

  /**
   * Drops the cached responses of {@code model@version} (of every version when {@code version} is
   * null), as a management operation: the interceptors see it first (and may refuse it) and are
   * told how it ended. Not serialized with the other operations: a cache drop never waits for a
   * deploy.
   *
   * @return how many deployed versions had a response cache that was dropped
   */
  public int invalidate(String model, @Nullable Version version, @Nullable String credentials) {
    ManagementRequest request =
        ManagementRequest.builder(Action.INVALIDATE, model)
            .version(version)
            .credentials(credentials)
            .build();
    guard(request);
    return managed(
        request,
        () -> {
          ResponseCache cache = pipeline.responseCache;
          return version == null
              ? cache.invalidate(model)
              : cache.invalidate(model, version) ? 1 : 0;
        });
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

  // ---------------------------------------------------------------- handles and leases

  /** A handle; it is not tracked, so dropping it costs nothing and pins nothing. */
  public <I, O> ModelHandle<I, O> handle(
      String model, VersionSelector selector, Class<I> inputType, Class<O> outputType) {
    Objects.requireNonNull(selector, "selector");
    ModelEntry entry = entry(model);
    if (entry.inputType != inputType || entry.outputType != outputType) {
      throw new IllegalArgumentException(
          "model "
              + model
              + " takes "
              + entry.inputType.getSimpleName()
              + " -> "
              + entry.outputType.getSimpleName()
              + ", not "
              + inputType.getSimpleName()
              + " -> "
              + outputType.getSimpleName());
    }
    HandleImpl<I, O> h = new HandleImpl<>(model, selector, inputType, outputType, this);
    resolve(h, CallOptions.ofDefaults()); // fail now, not on the first call, if nothing matches
    return h;
  }

  /** {@link ModelHandle#pin()}: a lease on {@code h}'s selector, atomically with undeploy. */
  ModelHandle.Lease pin(HandleImpl<?, ?> h) {
    String site = callerFrame();
    String thread = Thread.currentThread().getName();
    return locked(
        h.modelName(),
        null,
        entry -> {
          resolve(
              h, CallOptions.ofDefaults()); // only a satisfiable selector can be kept satisfiable
          LeaseImpl lease =
              new LeaseImpl(
                  leaseIds.incrementAndGet(),
                  h.modelName(),
                  h.selector(),
                  site,
                  thread,
                  entry,
                  this);
          entry.leases.add(lease);
          return lease;
        });
  }

  /** The first stack frame outside maasdk's own API and internals: who took the lease. */
  private static String callerFrame() {
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .filter(
                        f ->
                            !f.getClassName().startsWith("io.maasdk.internal.")
                                && !f.getClassName().equals("io.maasdk.ModelHandle"))
                    .findFirst()
                    .map(StackWalker.StackFrame::toStackTraceElement)
                    .map(StackTraceElement::toString)
                    .orElse("an unknown caller"));
  }

  /** A lease: registered in its model's entry until closed or the runtime closes. */
  private static final class LeaseImpl implements ModelHandle.Lease {
    final long id;
    final String model;
    final VersionSelector selector;
    final String site;
    final String thread;
    final ModelEntry entry;
    final ModelRegistry registry;
    private volatile boolean open = true;

    LeaseImpl(
        long id,
        String model,
        VersionSelector selector,
        String site,
        String thread,
        ModelEntry entry,
        ModelRegistry registry) {
      this.id = id;
      this.model = model;
      this.selector = selector;
      this.site = site;
      this.thread = thread;
      this.entry = entry;
      this.registry = registry;
    }

    @Override
    public VersionSelector selector() {
      return selector;
    }

    @Override
    public boolean isOpen() {
      return open && !registry.closed;
    }

    @Override
    public void close() {
      synchronized (entry) {
        if (open) {
          open = false;
          entry.leases.remove(this);
        }
      }
    }

    String describe() {
      return "lease #"
          + id
          + " on "
          + model
          + " '"
          + selector
          + "' taken at "
          + site
          + " (thread "
          + thread
          + ")";
    }

    @Override
    public String toString() {
      return (isOpen() ? "" : "closed ") + describe();
    }
  }

  // ---------------------------------------------------------------- resolution

  /** Where a call goes: its version, and the alias's fallback for it (or {@code null}). */
  record Route<I, O>(Deployment<I, O> target, @Nullable Deployment<I, O> fallback) {}

  /**
   * Resolution: the deployed version a call through {@code h} with {@code opts} goes to.
   *
   * @throws ModelNotFoundException naming what the selector asked for and what is deployed
   */
  <I, O> Deployment<I, O> resolve(HandleImpl<I, O> h, CallOptions opts) {
    return route(h, opts).target();
  }

  /**
   * Resolution with the fallback, from one read of the alias: the deployed version a call through
   * {@code h} goes to, and the version the alias's target names as fallback ({@link
   * AliasTarget#fallback()}), or {@code null} when the handle does not follow an alias, the target
   * names none, or it is no longer deployed (the runtime is closing). Both come from the same
   * target, so an alias moved concurrently never pairs one target's version with another's
   * fallback. Lock-free.
   *
   * @throws ModelNotFoundException naming what the selector asked for and what is deployed
   */
  @SuppressWarnings("unchecked")
  <I, O> Route<I, O> route(HandleImpl<I, O> h, CallOptions opts) {
    VersionSelector s = h.selector();
    String model = h.modelName();
    ModelEntry entry = models.get(Objects.requireNonNull(model, "model"));
    if (closed) {
      throw closedFor(model);
    }
    if (entry == null) {
      throw new ModelNotFoundException(
          model,
          s instanceof VersionSelector.Exact e ? e.version() : null,
          "no model named '"
              + model
              + "' is deployed (this handle selects '"
              + s
              + "'); deployed models: "
              + new TreeSet<>(models.keySet()));
    }
    Version v;
    Version fb = null;
    if (s instanceof VersionSelector.Exact e) {
      v = e.version();
    } else if (s instanceof VersionSelector.Range r) {
      v =
          r.highest(entry.versions.keySet())
              .orElseThrow(() -> notFound(model, "a version in range " + r));
    } else if (s instanceof VersionSelector.Alias a) {
      AliasTarget t = entry.aliases.get(a.name());
      if (t == null) {
        throw notFound(model, "alias '" + a.name() + "'");
      }
      v = t.isSingle() ? t.weights().keySet().iterator().next() : t.pick(unit(opts, a.name()));
      fb = t.fallback();
    } else {
      v =
          entry.versions.descendingKeySet().stream()
              .filter(x -> !x.isPreRelease())
              .findFirst()
              .orElseThrow(() -> notFound(model, "a released version"));
    }
    Deployment<?, ?> dv = entry.versions.get(v);
    if (dv == null) {
      Instant gone = entry.undeployed.get(v);
      String why = gone == null ? "" : " (it was undeployed at " + gone + ")";
      throw new ModelNotFoundException(
          model,
          v,
          model
              + "@"
              + v
              + " is not deployed"
              + why
              + "; this handle selects '"
              + s
              + "'. Deployed: "
              + deployedText(entry));
    }
    Deployment<?, ?> fallback = fb == null ? null : entry.versions.get(fb);
    return new Route<>((Deployment<I, O>) dv, (Deployment<I, O>) fallback);
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
    for (String name : new TreeSet<>(models.keySet())) {
      ModelEntry e = models.get(name);
      if (e == null) {
        continue;
      }
      for (Deployment<?, ?> dv : e.versions.values()) {
        out.add(info(name, e, dv));
      }
    }
    return out;
  }

  public Optional<DeploymentInfo> describe(String model, Version version) {
    ModelEntry e = models.get(model);
    if (e == null) {
      return Optional.empty();
    }
    Deployment<?, ?> dv = e.versions.get(version);
    return dv == null ? Optional.empty() : Optional.of(info(model, e, dv));
  }

  private static DeploymentInfo info(String name, ModelEntry e, Deployment<?, ?> dv) {
    List<String> aliases = new ArrayList<>();
    e.aliases.forEach(
        (a, t) -> {
          if (t.includes(dv.version())) {
            aliases.add(a);
          }
        });
    Collections.sort(aliases);
    return new DeploymentInfo(
        name,
        dv.version(),
        dv.engine,
        dv.spec.source().describe(),
        dv.placements,
        dv.queueDepth(),
        dv.spec.queueCapacity(),
        dv.inFlight(),
        dv.replicasUp(),
        dv.replicaRestarts(),
        dv.breakerState(),
        dv.accepting(),
        dv.spec.labels(),
        aliases);
  }

  private ModelEntry entry(String model) {
    Objects.requireNonNull(model, "model");
    if (closed) {
      throw closedFor(model);
    }
    ModelEntry e = models.get(model);
    if (e == null) {
      throw new ModelNotFoundException(
          model,
          null,
          "no model named '"
              + model
              + "' is deployed; deployed models: "
              + new TreeSet<>(models.keySet()));
    }
    return e;
  }

  private static ModelUnavailableException closedFor(String model) {
    return new ModelUnavailableException(
        model, null, "the ModelRuntime is closed; model " + model + " cannot be called or managed");
  }

  private ModelNotFoundException notFound(String model, String what) {
    ModelEntry e = models.get(model);
    return new ModelNotFoundException(
        model,
        null,
        "model "
            + model
            + " has no "
            + what
            + "; deployed: "
            + (e == null ? "nothing" : deployedText(e)));
  }

  private static String deployedText(ModelEntry e) {
    return "versions " + e.versions.keySet() + ", aliases " + new java.util.TreeMap<>(e.aliases);
  }

  private void checkOpen() {
    if (closed) {
      throw new MaasdkException("the ModelRuntime is closed");
    }
  }

  /**
   * Stops admitting everywhere, drains every version, frees native memory, stops threads. A deploy
   * still loading when this runs fails once it has loaded, and closes what it loaded; open leases
   * end with the runtime.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    List<Deployment<?, ?>> all = new ArrayList<>();
    for (ModelEntry e : models.values()) {
      synchronized (e) { // waits for a publish in progress; later ones see closed
        e.retired = true;
        all.addAll(e.versions.values());
        e.leases.clear();
      }
    }
    models.clear();
    for (Deployment<?, ?> dv : all) {
      dv.drainAndClose(drainNanos, "the runtime closed");
    }
    pipeline.close();
    completer.close();
  }
}
