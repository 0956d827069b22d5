package io.maasdk.ops;

import io.maasdk.AliasTarget;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.Ticker;
import io.maasdk.Version;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.RuntimeExtension;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model operations for one {@link ModelRuntime}: repository watchers that deploy new versions by
 * themselves, evaluations on labelled data, and gated rollouts that promote or roll back by
 * themselves, with their state kept in the runtime's {@link io.maasdk.spi.StateStore}. Install it
 * as an extension when building the runtime:
 *
 * <pre>{@code
 * ModelOps ops = ModelOps.builder().meterRegistry(meters)
 *     .evaluationGate("digits-test", EvaluationGate.macroF1(testSet, 0.01)).build();
 * try (ModelRuntime runtime = ModelRuntime.builder()
 *     .stateStore(StateStore.directory(Path.of("state")))   // aliases and rollouts survive restarts
 *     .extension(ops).build()) {
 *   ops.watch(ModelStore.fileSystem(ModelRepository.at(Path.of("models"))), template)
 *       .rollOut("stable", policy).start();
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> {@code maasdk-rollouts} advances rollouts every {@link Builder#checkInterval};
 * each watcher has its own ({@link RepositoryWatcher}). Both stop when the runtime closes (before
 * it drains). One {@code ModelOps} serves one runtime. Thread-safe.
 */
public final class ModelOps implements RuntimeExtension {
  private static final Logger LOG = LoggerFactory.getLogger(ModelOps.class);

  private final Ticker ticker;
  private final Clock clock;
  private final OpsMeters meters;
  private final long checkNanos;
  private final @Nullable String credentials;
  private final Map<String, EvaluationGate> gates;
  private final Map<String, ShadowComparison<?, ?>> comparisons;
  private final io.maasdk.CallOptions shadowOptions;
  private final int maxShadowInFlight;
  private final Rollouts rollouts;
  private final List<RepositoryWatcher> watchers = new CopyOnWriteArrayList<>();
  private volatile @Nullable ModelRuntime runtime;
  private volatile boolean closed;
  private @Nullable Thread thread;

  private ModelOps(Builder b) {
    this.ticker = b.ticker;
    this.clock = b.clock;
    this.meters = new OpsMeters(b.meterRegistry);
    this.checkNanos = b.checkInterval.toNanos();
    this.credentials = b.credentials;
    this.gates = Map.copyOf(b.gates);
    this.comparisons = Map.copyOf(b.comparisons);
    // With access control, copies authenticate as the operator (ModelOps' credential), whose
    // principal must be allowed to act for the shadow tenant.
    this.shadowOptions =
        io.maasdk.CallOptions.builder()
            .tenant(b.shadowTenant)
            .credentials(b.credentials)
            .priority(io.maasdk.CallOptions.Priority.BULK)
            .build();
    this.maxShadowInFlight = b.maxShadowInFlight;
    this.rollouts = new Rollouts(this);
  }

  /**
   * A builder with the defaults each of its methods names.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The listener that feeds rollouts' live gates; added to the runtime by the builder. */
  @Override
  public List<InferenceListener> listeners() {
    return List.of(rollouts::onEvent);
  }

  /**
   * Restores rollouts from the runtime's state store and starts the rollout thread.
   *
   * @throws IllegalStateException if this ModelOps is installed in a second runtime, or the state
   *     store holds a rollout that cannot be read
   */
  @Override
  public synchronized void started(ModelRuntime runtime) {
    if (this.runtime != null) {
      throw new IllegalStateException(
          "this ModelOps already serves " + this.runtime + "; build one per runtime");
    }
    this.runtime = runtime;
    runtime.stateStore().ifPresent(s -> rollouts.restore(s, gates, comparisons));
    Thread t = new Thread(this::loop, "maasdk-rollouts");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  private void loop() {
    while (!closed) {
      java.util.concurrent.locks.LockSupport.parkNanos(checkNanos);
      if (closed || Thread.interrupted()) {
        return;
      }
      try {
        rollouts.advance();
      } catch (RuntimeException e) {
        LOG.error("rollouts could not advance", e);
      }
    }
  }

  /**
   * The runtime this serves.
   *
   * @return the runtime built with this extension
   * @throws IllegalStateException before the runtime is built with this extension
   */
  public ModelRuntime runtime() {
    ModelRuntime r = runtime;
    if (r == null) {
      throw new IllegalStateException(
          "ModelOps is not installed: build the runtime with"
              + " ModelRuntime.builder().extension(ops)");
    }
    return r;
  }

  /**
   * Rollouts of this runtime's aliases.
   *
   * @return the rollouts, running and finished
   */
  public Rollouts rollouts() {
    return rollouts;
  }

  /**
   * A watcher that keeps {@code template}'s model in step with {@code store}; configure it and
   * {@link RepositoryWatcher.Builder#start()} it.
   *
   * @param store where the model's versions are published
   * @param template the spec every discovered version is deployed with (its version is replaced)
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return a builder for the watcher
   * @throws IllegalStateException before the runtime is built with this extension
   */
  public <I, O> RepositoryWatcher.Builder<I, O> watch(
      ModelStore store, ModelSpec.Builder<I, O> template) {
    runtime();
    return new RepositoryWatcher.Builder<>(this, store, template);
  }

  /**
   * The watchers started and not closed.
   *
   * @return the running watchers, in the order they were started
   */
  public List<RepositoryWatcher> watchers() {
    return List.copyOf(watchers);
  }

  /**
   * Evaluates {@code model@version} on {@code data} through the runtime's batching ({@link
   * Evaluator}) and exports the result as {@code maasdk.evaluation.*} gauges.
   *
   * @param model the model's name
   * @param version the deployed version to evaluate
   * @param data the labelled samples
   * @param k for top-k accuracy
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the report, also exported as gauges
   * @throws io.maasdk.ModelNotFoundException if it is not deployed
   * @throws IllegalArgumentException if the model's types are not the data's
   */
  public <I, O> ClassificationReport evaluate(
      String model, Version version, ClassificationData<I, O> data, int k) {
    ClassificationReport r =
        Evaluator.classification(
            runtime().handle(model, version.toString(), data.inputType(), data.outputType()),
            data,
            k);
    meters.evaluation(model, version.toString(), r);
    return r;
  }

  /** Stops the rollout thread and every watcher; what is deployed stays. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (RepositoryWatcher w : new ArrayList<>(watchers)) {
      w.close();
    }
    Thread t = thread;
    if (t != null) {
      java.util.concurrent.locks.LockSupport.unpark(t);
      t.interrupt();
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ------------------------------------------------------------------ for watchers and rollouts

  Ticker ticker() {
    return ticker;
  }

  Clock clock() {
    return clock;
  }

  OpsMeters meters() {
    return meters;
  }

  io.maasdk.CallOptions shadowOptions() {
    return shadowOptions;
  }

  int maxShadowInFlight() {
    return maxShadowInFlight;
  }

  void register(RepositoryWatcher w) {
    if (closed) {
      throw new IllegalStateException("the runtime is closing");
    }
    watchers.add(w);
  }

  void forget(RepositoryWatcher w) {
    watchers.remove(w);
  }

  void deploy(ModelSpec<?, ?> spec) {
    if (credentials != null) {
      runtime().admin(credentials).deploy(spec);
    } else {
      runtime().deploy(spec);
    }
  }

  void setAlias(String model, String alias, AliasTarget target) {
    if (credentials != null) {
      runtime().admin(credentials).setAlias(model, alias, target);
    } else {
      runtime().setAlias(model, alias, target);
    }
  }

  void rollbackTo(String model, String alias, AliasTarget target, String reason) {
    if (credentials != null) {
      runtime().admin(credentials).rollbackTo(model, alias, target, reason);
    } else {
      runtime().rollbackTo(model, alias, target, reason);
    }
  }

  @Override
  public String toString() {
    return "ModelOps[" + watchers.size() + " watchers]";
  }

  /** Configures {@link ModelOps}. Not thread-safe. */
  public static final class Builder {
    private Ticker ticker = Ticker.system();
    private Clock clock = Clock.systemUTC();
    private @Nullable MeterRegistry meterRegistry;
    private Duration checkInterval = Duration.ofMillis(200);
    private @Nullable String credentials;
    private final Map<String, EvaluationGate> gates = new LinkedHashMap<>();
    private final Map<String, ShadowComparison<?, ?>> comparisons = new LinkedHashMap<>();
    private String shadowTenant = "maasdk-shadow";
    private int maxShadowInFlight = 16;

    private Builder() {}

    /**
     * The tenant shadow copies are made as ({@link RolloutPolicy.Builder#shadowFirst}), so that
     * quotas, metering and invoices count them as the operator's, never a caller's; default {@code
     * maasdk-shadow}. Copies carry {@link #credentials}: under access control, give that
     * credential's principal this tenant (e.g. {@code principal("ops", hash, List.of("ops",
     * "maasdk-shadow"), "admin")}) and a permission to predict.
     *
     * @param tenant the tenant shadow copies are made as
     * @return this builder
     */
    public Builder shadowTenant(String tenant) {
      this.shadowTenant = Objects.requireNonNull(tenant, "tenant");
      return this;
    }

    /**
     * Shadow copies in flight at most, per rollout; any more are dropped; default 16.
     *
     * @param max the most shadow copies in flight per rollout
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxShadowInFlight(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxShadowInFlight must be >= 1, was " + max);
      }
      this.maxShadowInFlight = max;
      return this;
    }

    /**
     * Registers a custom shadow comparison by its name, so that a restored rollout in its shadow
     * step can go on (built-ins need no registration).
     *
     * @param comparison the comparison, registered under its {@code name()}
     * @return this builder
     */
    public Builder shadowComparison(ShadowComparison<?, ?> comparison) {
      comparisons.put(comparison.name(), comparison);
      return this;
    }

    /**
     * The time source of step holds and watchers' settle periods; default {@link Ticker#system()}.
     * Pass the runtime's own so tests move both without sleeping.
     *
     * @param ticker the time source of holds and settle periods
     * @return this builder
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * The clock of event and rollout timestamps; default UTC.
     *
     * @param clock the clock of timestamps
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where evaluation, rollout and repository meters go; default none.
     *
     * @param registry the registry the meters are registered in
     * @return this builder
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * How often running rollouts are checked; default 200 ms.
     *
     * @param interval the time between two checks, positive
     * @return this builder
     */
    public Builder checkInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("checkInterval must be positive, was " + interval);
      }
      this.checkInterval = interval;
      return this;
    }

    /**
     * The credential that deploys, alias moves and rollbacks made by watchers and rollouts are made
     * with ({@link ModelRuntime#admin}), and that shadow copies are called with, for runtimes whose
     * interceptors check who manages and calls what; default none. Never logged.
     *
     * @param credentials the operator's credential
     * @return this builder
     */
    public Builder credentials(String credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Registers an evaluation gate by name, so that a rollout restored from the state store after a
     * restart (which keeps the gate's name, not the gate) can go on. Register the same gates under
     * the same names at every start.
     *
     * @param name the name rollouts refer to the gate by
     * @param gate the gate
     * @return this builder
     */
    public Builder evaluationGate(String name, EvaluationGate gate) {
      gates.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(gate, "gate"));
      return this;
    }

    /**
     * Builds the extension; install it with {@code ModelRuntime.builder().extension(ops)}.
     *
     * @return the extension, not yet started
     */
    public ModelOps build() {
      return new ModelOps(this);
    }
  }
}
