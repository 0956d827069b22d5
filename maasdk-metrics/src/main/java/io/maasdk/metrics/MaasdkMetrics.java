package io.maasdk.metrics;

import io.maasdk.DeploymentInfo;
import io.maasdk.ModelRuntime;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.metrics.internal.TenantTags;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.GpuInfo;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.spi.InferenceListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for a {@link ModelRuntime}. It is an {@link InferenceListener} (add it to the
 * runtime's builder) and a {@link MeterBinder} (bind it to the application's registry):
 *
 * <pre>{@code
 * MaasdkMetrics metrics = MaasdkMetrics.builder().tenantTag(50).build();
 * metrics.bindTo(registry);
 * ModelRuntime runtime = ModelRuntime.builder().listener(metrics).build();
 * metrics.monitor(runtime);   // queue-depth and replica gauges
 * }</pre>
 *
 * <p><b>Meters</b> (base units: seconds, bytes):
 *
 * <ul>
 *   <li>{@code maasdk.inference.requests} counter — every call; tags {@code model, version,
 *       outcome, cache.hit} (+ {@code tenant} if enabled);
 *   <li>{@code maasdk.inference.errors} counter — calls whose outcome is not {@code SUCCESS}; tags
 *       {@code model, version, outcome} (+ {@code tenant});
 *   <li>{@code maasdk.inference.latency} timer with percentile histogram — queue wait plus
 *       inference of calls that reached a model or the cache; tags {@code model, version, outcome,
 *       cache.hit};
 *   <li>{@code maasdk.inference.queue.wait} timer — time queued before the batch started; tags
 *       {@code model, version};
 *   <li>{@code maasdk.inference.batch.size} summary — the size of the batch each call ran in; tags
 *       {@code model, version};
 *   <li>{@code maasdk.inference.failovers} counter — calls an alias's fallback served because its
 *       primary was failing or draining; tags {@code model, from} (the primary), {@code version}
 *       (the fallback that answered), {@code outcome};
 *   <li>{@code maasdk.queue.depth} gauge — requests waiting per deployed version; {@code
 *       maasdk.queue.in.flight} gauge — admitted and unfinished;
 *   <li>{@code maasdk.replicas} gauge — replicas per deployed version and device; tags {@code
 *       model, version, device};
 *   <li>{@code maasdk.gpu.memory.total} and {@code maasdk.gpu.memory.free} gauges (bytes,
 *       device-wide, all processes) per GPU, if a {@link DeviceInventory} is given.
 * </ul>
 *
 * <p>{@code version} is {@code none} for calls refused before a version was resolved. The tenant
 * tag is off by default; {@link Builder#tenantTag(int)} turns it on for the first {@code n}
 * distinct tenants, and every later tenant is tagged {@code other}, so the number of series stays
 * bounded.
 *
 * <p><b>Thread safety and lifecycle.</b> Thread-safe; {@link #onEvent} costs a map lookup and the
 * meter updates. Bind it to one registry (use a {@code CompositeMeterRegistry} for several) before
 * the runtime takes calls; events before binding are not counted. Gauges follow deployments: a
 * version's gauges are added when it is first seen and removed by {@link #refresh()} (also run on
 * each new version) once it is undeployed.
 */
public final class MaasdkMetrics implements MeterBinder, InferenceListener {
  private final int tenantCap;
  private final @Nullable TenantTags tenantTags;
  private final @Nullable DeviceInventory inventory;
  private final Map<Key, Counters> counters = new ConcurrentHashMap<>();
  private final Map<Key, RunMeters> runMeters = new ConcurrentHashMap<>();
  private final Set<String> seenVersions = ConcurrentHashMap.newKeySet();
  private final Map<String, List<Meter>> versionGauges = new HashMap<>();
  private volatile @Nullable MeterRegistry registry;
  private volatile @Nullable ModelRuntime runtime;

  private MaasdkMetrics(Builder b) {
    this.tenantCap = b.tenantCap;
    this.tenantTags = b.tenantCap > 0 ? new TenantTags(b.tenantCap) : null;
    this.inventory = b.inventory;
  }

  /**
   * A builder with the defaults each of its methods names.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  private record Key(
      String model,
      String version,
      InferenceEvent.Outcome outcome,
      boolean cacheHit,
      String tenant) {}

  private record Counters(Counter requests, @Nullable Counter errors) {}

  private record Failover(String model, String from, String version, Outcome outcome) {}

  private final Map<Failover, Counter> failovers = new ConcurrentHashMap<>();

  private record RunMeters(Timer latency, Timer queueWait, DistributionSummary batchSize) {}

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    synchronized (this) {
      if (this.registry != null && this.registry != registry) {
        throw new IllegalStateException(
            "MaasdkMetrics is already bound to "
                + this.registry
                + "; bind a CompositeMeterRegistry to publish to several registries");
      }
      this.registry = registry;
    }
    if (inventory != null) {
      for (GpuInfo gpu : inventory.gpus()) {
        int index = gpu.index();
        Gauge.builder("maasdk.gpu.memory.total", inventory, inv -> gpuBytes(inv, index, true))
            .tags("device", gpu.deviceName())
            .baseUnit("bytes")
            .description("GPU memory, whole device (all processes)")
            .register(registry);
        Gauge.builder("maasdk.gpu.memory.free", inventory, inv -> gpuBytes(inv, index, false))
            .tags("device", gpu.deviceName())
            .baseUnit("bytes")
            .description("free GPU memory, whole device (all processes)")
            .register(registry);
      }
    }
    refresh();
  }

  private static double gpuBytes(DeviceInventory inventory, int index, boolean total) {
    for (GpuInfo g : inventory.gpus()) {
      if (g.index() == index) {
        return total ? g.totalBytes() : g.freeBytes();
      }
    }
    return Double.NaN;
  }

  /** The {@code cache} tag of the response cache's meters. */
  public static final String RESPONSE_CACHE = "maasdk.response";

  private boolean responseCacheBound;

  /**
   * Adds gauges for {@code runtime}'s deployments (queue depth, in flight, replicas) and binds its
   * response cache with Micrometer's {@code CaffeineCacheMetrics} (tag {@code
   * cache=maasdk.response}).
   *
   * @param runtime the runtime whose caches and queues are measured
   */
  public void monitor(ModelRuntime runtime) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    refresh();
  }

  /**
   * Adds gauges for versions deployed since the last refresh and removes those of undeployed
   * versions. Runs on its own when an event names a version not seen before.
   */
  public synchronized void refresh() {
    MeterRegistry reg = registry;
    ModelRuntime rt = runtime;
    if (reg == null || rt == null) {
      return;
    }
    if (!responseCacheBound) {
      // Micrometer's cache meters: cache.gets{result=hit|miss}, cache.evictions, cache.size, …
      new ResponseCacheMetrics(rt).bindTo(reg);
      responseCacheBound = true;
    }
    Set<String> live = new HashSet<>();
    for (DeploymentInfo d : rt.deployments()) {
      String id = d.modelName() + "@" + d.version();
      live.add(id);
      seenVersions.add(id);
      if (versionGauges.containsKey(id)) {
        continue;
      }
      String model = d.modelName();
      Version version = d.version();
      Tags tags = Tags.of("model", model, "version", version.toString());
      List<Meter> gauges = new ArrayList<>();
      gauges.add(
          Gauge.builder(
                  "maasdk.queue.depth",
                  rt,
                  r ->
                      r.describe(model, version)
                          .map(i -> (double) i.queueDepth())
                          .orElse(Double.NaN))
              .tags(tags)
              .description("requests waiting for a worker")
              .register(reg));
      gauges.add(
          Gauge.builder(
                  "maasdk.queue.in.flight",
                  rt,
                  r ->
                      r.describe(model, version).map(i -> (double) i.inFlight()).orElse(Double.NaN))
              .tags(tags)
              .description("requests admitted and not finished")
              .register(reg));
      Map<String, Integer> perDevice = new HashMap<>();
      for (Placement p : d.placements()) {
        perDevice.merge(p.device(), 1, Integer::sum);
      }
      perDevice.forEach(
          (device, n) ->
              gauges.add(
                  Gauge.builder(
                          "maasdk.replicas",
                          rt,
                          r ->
                              r.describe(model, version)
                                  .map(
                                      i ->
                                          (double)
                                              i.placements().stream()
                                                  .filter(p -> p.device().equals(device))
                                                  .count())
                                  .orElse(0.0))
                      .tags(tags.and("device", device))
                      .description("live replicas on a device")
                      .register(reg)));
      versionGauges.put(id, gauges);
    }
    versionGauges
        .entrySet()
        .removeIf(
            e -> {
              if (live.contains(e.getKey())) {
                return false;
              }
              e.getValue().forEach(reg::remove);
              return true;
            });
  }

  @Override
  public void onEvent(InferenceEvent e) {
    MeterRegistry reg = registry;
    if (reg == null) {
      return;
    }
    String version = e.version() == null ? "none" : e.version().toString();
    if (e.version() != null
        && runtime != null
        && !seenVersions.contains(e.modelName() + "@" + version)) {
      seenVersions.add(e.modelName() + "@" + version);
      refresh();
    }
    String tenant = tenantTags == null ? "" : tenantTags.tag(e.tenant());
    Key key = new Key(e.modelName(), version, e.outcome(), e.cacheHit(), tenant);
    Counters c = counters.computeIfAbsent(key, k -> counters(reg, k));
    c.requests.increment();
    if (c.errors != null) {
      c.errors.increment();
    }
    if (e.failoverFrom() != null) {
      failovers
          .computeIfAbsent(
              new Failover(e.modelName(), e.failoverFrom().toString(), version, e.outcome()),
              f ->
                  Counter.builder("maasdk.inference.failovers")
                      .tags(
                          "model",
                          f.model,
                          "from",
                          f.from,
                          "version",
                          f.version,
                          "outcome",
                          f.outcome.name().toLowerCase())
                      .description(
                          "calls an alias's fallback served while its primary failed or drained")
                      .register(reg))
          .increment();
    }
    if (e.batchSize() > 0 || e.cacheHit()) {
      // the latency, queue and batch meters carry no tenant tag
      RunMeters m =
          runMeters.computeIfAbsent(
              new Key(e.modelName(), version, e.outcome(), e.cacheHit(), ""),
              k -> runMeters(reg, k));
      m.latency.record(e.totalNanos(), TimeUnit.NANOSECONDS);
      if (e.batchSize() > 0) {
        m.queueWait.record(e.queueWaitNanos(), TimeUnit.NANOSECONDS);
        m.batchSize.record(e.batchSize());
      }
    }
  }

  private Counters counters(MeterRegistry reg, Key k) {
    Tags outcome =
        Tags.of("model", k.model, "version", k.version, "outcome", k.outcome.name().toLowerCase());
    Tags tenant = tenantTags == null ? Tags.empty() : Tags.of("tenant", k.tenant);
    Counter requests =
        Counter.builder("maasdk.inference.requests")
            .tags(outcome.and("cache.hit", Boolean.toString(k.cacheHit)).and(tenant))
            .description("calls, by outcome")
            .register(reg);
    Counter errors =
        k.outcome.isSuccess()
            ? null
            : Counter.builder("maasdk.inference.errors")
                .tags(outcome.and(tenant))
                .description("calls that did not succeed")
                .register(reg);
    return new Counters(requests, errors);
  }

  private RunMeters runMeters(MeterRegistry reg, Key k) {
    Tags base = Tags.of("model", k.model, "version", k.version);
    Tags outcome = base.and("outcome", k.outcome.name().toLowerCase());
    Timer latency =
        Timer.builder("maasdk.inference.latency")
            .tags(outcome.and("cache.hit", Boolean.toString(k.cacheHit)))
            .publishPercentileHistogram()
            .description("queue wait plus inference per call")
            .register(reg);
    Timer queueWait =
        Timer.builder("maasdk.inference.queue.wait")
            .tags(base)
            .description("time queued before the batch started")
            .register(reg);
    DistributionSummary batch =
        DistributionSummary.builder("maasdk.inference.batch.size")
            .tags(base)
            .description("size of the batch each call ran in")
            .register(reg);
    return new RunMeters(latency, queueWait, batch);
  }

  /**
   * The tenant cap, 0 when the tenant tag is off.
   *
   * @return the most distinct tenant tag values
   */
  public int tenantTagCap() {
    return tenantCap;
  }

  /** Configures {@link MaasdkMetrics}. */
  public static final class Builder {
    private int tenantCap;
    private @Nullable DeviceInventory inventory;

    private Builder() {}

    /**
     * Tags request and error counters with the tenant, for the first {@code maxTenants} distinct
     * tenants; later tenants are tagged {@code other}. Off by default (tenants are unbounded).
     *
     * @param maxTenants how many tenants get their own tag value
     * @return this builder
     */
    public Builder tenantTag(int maxTenants) {
      if (maxTenants < 1 || maxTenants > 10_000) {
        throw new IllegalArgumentException("maxTenants must be in 1..10000, was " + maxTenants);
      }
      this.tenantCap = maxTenants;
      return this;
    }

    /**
     * Publishes device-wide GPU memory gauges from this inventory (e.g. the runtime's).
     *
     * @param inventory where the GPU memory figures come from
     * @return this builder
     */
    public Builder gpuMemory(DeviceInventory inventory) {
      this.inventory = Objects.requireNonNull(inventory, "inventory");
      return this;
    }

    /**
     * Builds the meters; add the result to the runtime as a listener.
     *
     * @return the meters
     */
    public MaasdkMetrics build() {
      return new MaasdkMetrics(this);
    }
  }

  /**
   * The runtime's response caches as Micrometer's standard cache meters (tag {@code
   * cache=maasdk.response}), read from maasdk's own {@code CacheStats}. {@code cache.puts} counts
   * computed answers (each miss leads one).
   */
  private static final class ResponseCacheMetrics extends CacheMeterBinder<ModelRuntime> {
    ResponseCacheMetrics(ModelRuntime runtime) {
      super(runtime, RESPONSE_CACHE, Tags.empty());
    }

    private io.maasdk.CacheStats stats() {
      ModelRuntime rt = getCache();
      return rt == null ? new io.maasdk.CacheStats(0, 0, 0, 0) : rt.responseCacheStats();
    }

    @Override
    protected Long size() {
      return stats().size();
    }

    @Override
    protected long hitCount() {
      return stats().hits();
    }

    @Override
    protected Long missCount() {
      return stats().misses();
    }

    @Override
    protected Long evictionCount() {
      return stats().evictions();
    }

    @Override
    protected long putCount() {
      return stats().misses();
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {}
  }
}
