package io.maasdk.ops;

import io.maasdk.AliasTarget;
import io.maasdk.DeploymentConflictException;
import io.maasdk.DeploymentInfo;
import io.maasdk.ModelNotFoundException;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one model's deployed versions in step with a {@link ModelStore}: a version that appears
 * (and has stopped changing for the settle period) is deployed and warmed up; one that disappears
 * is undeployed once nothing needs it (an alias by weight or as fallback, an open lease); a
 * deployed version whose files change is refused loudly, and keeps serving what it loaded. Get one
 * from {@link ModelOps#watch}.
 *
 * <pre>{@code
 * RepositoryWatcher w = ops.watch(ModelStore.fileSystem(ModelRepository.at(Path.of("models"))),
 *         ModelSpec.builder("digits", float[].class, float[].class)
 *             .translator(Codecs.floatVector(64)).warmup(new float[64]))
 *     .rollOut("stable", RolloutPolicy.ofDefaults())   // each new version is rolled out to "stable"
 *     .start();                                    // first pass now, then events and polling
 * }</pre>
 *
 * <p><b>The store is the truth.</b> The first pass (in {@link Builder#start()}) deploys every
 * version the store has, so an application that starts a watcher serves its versions before it
 * takes calls; versions already deployed from the same source are adopted. A version the watcher
 * deployed and an operator undeployed by hand is deployed again while its folder is there. Versions
 * deployed from elsewhere are never undeployed by the watcher.
 *
 * <p><b>Threads.</b> One thread, {@code maasdk-watch-<model>}, waits for the store's change feed
 * (file-system events) or the poll interval, whichever comes first, and runs a pass; {@link
 * #syncNow()} runs one on the caller's thread. Passes never overlap. Listeners run on the thread
 * that runs the pass; a listener that throws is logged and skipped. {@link #close()} stops the
 * thread (the runtime's close closes every watcher too). Thread-safe.
 *
 * <p><b>Failures.</b> A store that cannot be read, or has no folder for the model at all (an
 * unmounted volume, say), is logged and tried again at the next pass, and nothing is undeployed
 * meanwhile; a version that fails to deploy (including one refused by a signature policy such as
 * maasdk-security's {@code RequireSignatures}) is reported as {@link
 * RepositoryEvent.Kind#DEPLOY_FAILED} and tried again only when its files change. Serving versions
 * are never touched by a failure.
 */
public final class RepositoryWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RepositoryWatcher.class);
  private static final int EVENTS_KEPT = 256;

  private enum Status {
    PENDING,
    DEPLOYED,
    FAILED,
    RETAINED
  }

  /** What the watcher knows of one version. Guarded by the watcher's monitor. */
  private static final class Track {
    Status status;
    String fingerprint;
    long since;
    boolean changed;
    String retainedFor = "";

    Track(Status status, String fingerprint, long since) {
      this.status = status;
      this.fingerprint = fingerprint;
      this.since = since;
    }
  }

  private final ModelOps ops;
  private final ModelRuntime runtime;
  private final ModelStore store;
  private final ModelSpec.Builder<?, ?> template;
  private final UnaryOperator<ModelSpec.Builder<?, ?>> perVersion;
  private final Function<ModelStore.StoredVersion, ModelSource> sources;
  private final String model;
  private final long pollNanos;
  private final long settleNanos;
  private final List<Consumer<RepositoryEvent>> listeners;
  private final Map<Version, Track> tracks = new java.util.TreeMap<>();
  private final ArrayDeque<RepositoryEvent> recent = new ArrayDeque<>();
  private final @Nullable String rolloutAlias;
  private final @Nullable RolloutPolicy rolloutPolicy;
  private final boolean background;
  private boolean firstPass = true;
  private volatile boolean closed;
  private @Nullable Thread thread;
  private ModelStore.@Nullable ChangeFeed feed;

  private RepositoryWatcher(Builder<?, ?> b) {
    this.ops = b.ops;
    this.runtime = b.ops.runtime();
    this.store = b.store;
    this.template = b.template;
    this.perVersion = b.perVersion;
    this.sources = b.sources;
    this.model = b.template.name();
    this.pollNanos = b.pollInterval.toNanos();
    this.settleNanos = b.settle.toNanos();
    this.listeners = List.copyOf(b.listeners);
    this.rolloutAlias = b.rolloutAlias;
    this.rolloutPolicy = b.rolloutPolicy;
    this.background = b.background;
  }

  /**
   * The model this watcher keeps in step.
   *
   * @return the model's name
   */
  public String model() {
    return model;
  }

  /**
   * The store it watches.
   *
   * @return the store given to {@link ModelOps#watch}
   */
  public ModelStore store() {
    return store;
  }

  /**
   * The last events (at most 256), oldest first. Never waits for a pass in progress.
   *
   * @return a copy of the recent events
   */
  public List<RepositoryEvent> events() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  /**
   * Runs one pass now, on this thread (waiting for a pass in progress to end first): lists the
   * store, deploys settled new versions, undeploys removed ones that nothing needs, reports changed
   * content.
   *
   * @return the events of this pass
   * @throws IllegalStateException if the watcher is closed
   */
  public synchronized List<RepositoryEvent> syncNow() {
    if (closed) {
      throw new IllegalStateException(
          "the watcher of " + model + " on " + store.describe() + " is closed");
    }
    List<RepositoryEvent> out = new ArrayList<>();
    NavigableMap<Version, ModelStore.StoredVersion> listing;
    try {
      listing = store.list(model);
    } catch (ModelNotFoundException e) {
      // A missing model folder is more often an unmounted volume than a decision to remove every
      // version: nothing is undeployed. Remove the version folders to remove versions.
      LOG.warn(
          "{} has no {} now ({}); nothing is undeployed until it is back",
          store.describe(),
          model,
          e.getMessage());
      return out;
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot list {} in {}: {}; trying again at the next pass",
          model,
          store.describe(),
          e.toString());
      return out;
    }
    long now = ops.ticker().read();
    boolean first = firstPass;
    firstPass = false;
    for (ModelStore.StoredVersion sv : listing.values()) {
      Version v = sv.version();
      Track t = tracks.get(v);
      if (t == null) {
        t = new Track(Status.PENDING, sv.fingerprint(), now);
        Optional<DeploymentInfo> deployed = runtime.describe(model, v);
        if (deployed.isPresent()) {
          if (!deployed.get().source().equals(sources.apply(sv).describe())) {
            continue; // deployed from elsewhere: not ours to manage
          }
          t.status = Status.DEPLOYED; // adopted (deployAll, or an earlier watcher)
        }
        tracks.put(v, t);
        if (t.status == Status.PENDING && !first && settleNanos > 0) {
          continue; // let it settle: it may still be being copied
        }
      }
      switch (t.status) {
        case PENDING -> {
          if (!t.fingerprint.equals(sv.fingerprint())) {
            t.fingerprint = sv.fingerprint();
            t.since = now;
          } else if (first || now - t.since >= settleNanos) {
            deploy(sv, t, out, !first);
          }
        }
        case FAILED -> {
          if (!t.fingerprint.equals(sv.fingerprint())) {
            t.status = Status.PENDING;
            t.fingerprint = sv.fingerprint();
            t.since = now;
            if (settleNanos == 0) {
              deploy(sv, t, out, true);
            }
          }
        }
        case DEPLOYED, RETAINED -> {
          if (runtime.describe(model, v).isEmpty()) { // undeployed by hand: the store is the truth
            t.status = Status.PENDING;
            t.fingerprint = sv.fingerprint();
            t.since = now - settleNanos;
            deploy(sv, t, out, false);
            break;
          }
          t.status = Status.DEPLOYED;
          boolean differs = !t.fingerprint.equals(sv.fingerprint());
          if (differs && !t.changed) {
            t.changed = true;
            event(
                out,
                v,
                RepositoryEvent.Kind.CONTENT_CHANGED,
                "the files of "
                    + model
                    + "@"
                    + v
                    + " in "
                    + store.describe()
                    + " changed after it was deployed (fingerprint "
                    + abbrev(t.fingerprint)
                    + " -> "
                    + abbrev(sv.fingerprint())
                    + "). A version's"
                    + " content must never change: the change is refused and "
                    + v
                    + " keeps serving"
                    + " what it loaded. Publish the new content as a new version.");
          } else if (!differs && t.changed) {
            t.changed = false;
            event(
                out,
                v,
                RepositoryEvent.Kind.CONTENT_RESTORED,
                "the files of " + model + "@" + v + " are back to what was deployed");
          }
        }
        default -> throw new AssertionError(t.status);
      }
    }
    if (first) {
      initialAlias();
    }
    for (Map.Entry<Version, Track> e : new ArrayList<>(tracks.entrySet())) {
      Version v = e.getKey();
      if (listing.containsKey(v)) {
        continue;
      }
      Track t = e.getValue();
      if (t.status == Status.PENDING || t.status == Status.FAILED) {
        tracks.remove(v);
        continue;
      }
      try {
        runtime.undeploy(model, v);
        tracks.remove(v);
        event(
            out,
            v,
            RepositoryEvent.Kind.UNDEPLOYED,
            "its folder left " + store.describe() + "; undeployed");
      } catch (DeploymentConflictException ex) {
        t.status = Status.RETAINED;
        if (!ex.getMessage().equals(t.retainedFor)) {
          t.retainedFor = ex.getMessage();
          event(
              out,
              v,
              RepositoryEvent.Kind.RETAINED,
              "its folder left "
                  + store.describe()
                  + " but it stays deployed until nothing needs it: "
                  + ex.getMessage());
        }
      } catch (ModelNotFoundException ex) {
        tracks.remove(v); // undeployed by someone else already
      }
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  /** Deploys a settled version; {@code rollOut}: a new version (not the first pass's). */
  private void deploy(
      ModelStore.StoredVersion sv, Track t, List<RepositoryEvent> out, boolean rollOut) {
    Version v = sv.version();
    String described = sv.source().describe();
    try {
      ModelSource src = sources.apply(sv);
      described = src.describe();
      ModelSpec.Builder b = template.forVersion(v, src);
      ModelSpec<?, ?> spec = ((ModelSpec.Builder) ((UnaryOperator) perVersion).apply(b)).build();
      ops.deploy(spec);
      t.status = Status.DEPLOYED;
      event(out, v, RepositoryEvent.Kind.DEPLOYED, "deployed and warmed up from " + described);
    } catch (RuntimeException e) {
      t.status = Status.FAILED;
      event(
          out,
          v,
          RepositoryEvent.Kind.DEPLOY_FAILED,
          "not deployed from "
              + described
              + ": "
              + e.getMessage()
              + " (tried again when its files change)");
      return;
    }
    if (rollOut && rolloutAlias != null && rolloutPolicy != null) {
      autoRollout(v);
    }
  }

  /**
   * After the first pass: an alias to roll out to that does not exist yet (nor was restored from
   * the state store, which the first pass's deploys have brought back by now) starts at the highest
   * release deployed. No rollout starts for versions that were there already.
   */
  private void initialAlias() {
    if (rolloutAlias == null || runtime.aliases(model).containsKey(rolloutAlias)) {
      return;
    }
    runtime.deployments().stream()
        .filter(d -> d.modelName().equals(model) && !d.version().isPreRelease())
        .map(DeploymentInfo::version)
        .max(Version::compareTo)
        .ifPresent(
            v -> {
              try {
                ops.setAlias(model, rolloutAlias, AliasTarget.of(v));
              } catch (RuntimeException e) {
                LOG.error(
                    "cannot point alias '{}' of {} at {}: {}",
                    rolloutAlias,
                    model,
                    v,
                    e.getMessage());
              }
            });
  }

  /** A new version: the alias's first version, or the candidate of a rollout. */
  private void autoRollout(Version v) {
    String alias = rolloutAlias;
    try {
      AliasTarget current = runtime.aliases(model).get(alias);
      if (current == null) {
        ops.setAlias(model, alias, AliasTarget.of(v));
        return;
      }
      Optional<Rollout> running = ops.rollouts().get(model, alias).filter(r -> !r.state().ended());
      Version serving = current.weights().keySet().iterator().next();
      if (running.isPresent()) {
        LOG.warn(
            "{}@{} deployed, but a rollout of alias '{}' is in progress ({}); start one"
                + " later with Rollouts.start",
            model,
            v,
            alias,
            running.get());
      } else if (current.isSingle() && v.compareTo(serving) > 0) {
        ops.rollouts().start(model, alias, v, rolloutPolicy);
      }
    } catch (RuntimeException e) {
      LOG.error("cannot roll {}@{} out to alias '{}': {}", model, v, alias, e.getMessage());
    }
  }

  private static String abbrev(String fingerprint) {
    return fingerprint.length() > 12 ? fingerprint.substring(0, 12) : fingerprint;
  }

  private void event(
      List<RepositoryEvent> out, Version v, RepositoryEvent.Kind kind, String detail) {
    RepositoryEvent e = new RepositoryEvent(ops.clock().instant(), model, v, kind, detail);
    out.add(e);
    synchronized (recent) {
      recent.addLast(e);
      while (recent.size() > EVENTS_KEPT) {
        recent.removeFirst();
      }
    }
    switch (kind) {
      case DEPLOY_FAILED, CONTENT_CHANGED -> LOG.error("model repository: {}", e);
      case RETAINED -> LOG.warn("model repository: {}", e);
      default -> LOG.info("model repository: {}", e);
    }
    ops.meters().repositoryEvent(model, kind);
    for (Consumer<RepositoryEvent> l : listeners) {
      try {
        l.accept(e);
      } catch (RuntimeException ex) {
        LOG.error("repository listener {} failed on {}", l, e, ex);
      }
    }
  }

  private void start() {
    syncNow();
    if (!background) {
      return;
    }
    feed = store.changes(model);
    Thread th = new Thread(this::loop, "maasdk-watch-" + model);
    th.setDaemon(true);
    thread = th;
    th.start();
  }

  private void loop() {
    while (!closed) {
      try {
        long wait = pollNanos;
        synchronized (this) {
          long now = ops.ticker().read();
          for (Track t : tracks.values()) {
            if (t.status == Status.PENDING) {
              wait = Math.min(wait, Math.max(1_000_000L, settleNanos - (now - t.since)));
            }
          }
        }
        feed.await(wait);
        if (!closed) {
          syncNow();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.error("watcher of {} on {}: pass failed", model, store.describe(), e);
        }
      }
    }
  }

  /** Stops watching; what was deployed stays deployed. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Thread th = thread;
    if (th != null) {
      th.interrupt();
    }
    if (feed != null) {
      feed.close();
    }
    if (th != null && th != Thread.currentThread()) {
      try {
        th.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ops.forget(this);
  }

  @Override
  public String toString() {
    return "RepositoryWatcher[" + model + " on " + store.describe() + "]";
  }

  /**
   * Configures a watcher; from {@link ModelOps#watch}. Not thread-safe; {@link #start()} once.
   *
   * @param <I> the model's input type
   * @param <O> the model's output type
   */
  public static final class Builder<I, O> {
    private final ModelOps ops;
    private final ModelStore store;
    private final ModelSpec.Builder<I, O> template;
    private UnaryOperator<ModelSpec.Builder<?, ?>> perVersion = UnaryOperator.identity();
    private Function<ModelStore.StoredVersion, ModelSource> sources =
        ModelStore.StoredVersion::source;
    private Duration pollInterval = Duration.ofSeconds(10);
    private Duration settle = Duration.ofSeconds(2);
    private final List<Consumer<RepositoryEvent>> listeners = new CopyOnWriteArrayList<>();
    private @Nullable String rolloutAlias;
    private @Nullable RolloutPolicy rolloutPolicy;
    private boolean background = true;

    Builder(ModelOps ops, ModelStore store, ModelSpec.Builder<I, O> template) {
      this.ops = ops;
      this.store = Objects.requireNonNull(store, "store");
      this.template = Objects.requireNonNull(template, "template");
    }

    /**
     * Where each version loads from; default the store's source. For signed repositories, verify
     * each folder, e.g. with maasdk-security: {@code .source(v -> VerifyingModelSource.of(
     * v.folder(), SignaturePolicy.required(trustedKeys)))}; with its {@code RequireSignatures} on
     * the runtime, an unsigned or tampered new version is then refused and reported ({@link
     * RepositoryEvent.Kind#DEPLOY_FAILED}) and serving versions are untouched.
     *
     * @param source makes the runtime's model source of a stored version
     * @return this builder
     */
    public Builder<I, O> source(Function<ModelStore.StoredVersion, ModelSource> source) {
      this.sources = Objects.requireNonNull(source, "source");
      return this;
    }

    /**
     * Adjusts each version's spec builder (replicas, labels…).
     *
     * @param adjust changes a version's spec builder and returns it
     * @return this builder
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Builder<I, O> perVersion(UnaryOperator<ModelSpec.Builder<I, O>> adjust) {
      Objects.requireNonNull(adjust, "adjust");
      this.perVersion = (UnaryOperator) adjust;
      return this;
    }

    /**
     * How often the store is listed even without events (events can be lost, and other stores have
     * none); default 10 s.
     *
     * @param interval the time between two listings, positive
     * @return this builder
     */
    public Builder<I, O> pollInterval(Duration interval) {
      this.pollInterval = positive(interval, "pollInterval");
      return this;
    }

    /**
     * How long a new version's files must stay unchanged before it is deployed, so a folder still
     * being copied is not loaded half-written; default 2 s. Measured with {@link
     * ModelOps.Builder#ticker}. Versions present at {@link #start()} are deployed at once.
     *
     * @param settle how long a new or changed version must stay unchanged before it is deployed
     * @return this builder
     */
    public Builder<I, O> settle(Duration settle) {
      Objects.requireNonNull(settle, "settle");
      if (settle.isNegative()) {
        throw new IllegalArgumentException("settle must not be negative, was " + settle);
      }
      this.settle = settle;
      return this;
    }

    /**
     * Whether the watcher's own thread follows the store (default); with {@code false} only {@link
     * RepositoryWatcher#syncNow()} runs passes (a scheduler of your own, or a test).
     *
     * @param background whether the watcher runs its own thread
     * @return this builder
     */
    public Builder<I, O> watchInBackground(boolean background) {
      this.background = background;
      return this;
    }

    /**
     * Told about every {@link RepositoryEvent}, on the thread that runs the pass.
     *
     * @param listener the listener; it must not block
     * @return this builder
     */
    public Builder<I, O> listener(Consumer<RepositoryEvent> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Rolls each newly deployed version out to {@code alias} with {@code policy}: the first version
     * found becomes the alias; a later one higher than the alias's version starts a rollout ({@link
     * Rollouts#start}), unless one is already running.
     *
     * @param alias the alias new versions are rolled out to
     * @param policy how each rollout proceeds
     * @return this builder
     */
    public Builder<I, O> rollOut(String alias, RolloutPolicy policy) {
      this.rolloutAlias = new io.maasdk.VersionSelector.Alias(alias).name();
      this.rolloutPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Runs the first pass on this thread (every version in the store is deployed before this
     * returns), then watches on its own thread.
     *
     * @return the running watcher; close it to stop watching
     * @throws IllegalStateException if the runtime is not built with this {@link ModelOps}
     */
    public RepositoryWatcher start() {
      RepositoryWatcher w = new RepositoryWatcher(this);
      ops.register(w);
      try {
        w.start();
      } catch (RuntimeException e) {
        w.close();
        throw e;
      }
      return w;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
