package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.GpuInfo;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MaasdkMetricsTest {

  @Test
  void predict_successInvalidAndRefused_countedWithNamesAndTags() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Set<String> histograms = new TreeSet<>();
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig c) {
                if (Boolean.TRUE.equals(c.isPercentileHistogram())) {
                  histograms.add(id.getName());
                }
                return c;
              }
            });
    MaasdkMetrics metrics = MaasdkMetrics.builder().build();
    metrics.bindTo(registry);
    try (ModelRuntime runtime =
        Fixtures.runtimeBuilder()
            .listener(metrics)
            .interceptor(
                ctx -> {
                  if (ctx.options().tenant().equals("blocked")) {
                    throw new AccessDeniedException(
                        "echo", null, "tenant blocked may not call echo");
                  }
                })
            .build()) {
      runtime.deploy(Fixtures.echo("echo"));
      metrics.monitor(runtime);
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      for (int i = 0; i < 5; i++) {
        echo.predict(new float[] {1, 2, 3, 4});
      }
      assertThrows(InvalidInputException.class, () -> echo.predict(new float[3]));
      assertThrows(
          AccessDeniedException.class,
          () -> echo.predict(new float[4], CallOptions.builder().tenant("blocked").build()));

      Counter ok =
          registry
              .get("maasdk.inference.requests")
              .tags("model", "echo", "version", "1.0.0", "outcome", "success", "cache.hit", "false")
              .counter();
      assertEquals(5, ok.count());
      assertEquals(
          1,
          registry
              .get("maasdk.inference.requests")
              .tags("outcome", "invalid_input", "version", "1.0.0")
              .counter()
              .count());
      assertEquals(
          1,
          registry
              .get("maasdk.inference.requests")
              .tags("outcome", "refused", "version", "none")
              .counter()
              .count());
      assertEquals(
          2,
          registry.get("maasdk.inference.errors").counters().stream()
              .mapToDouble(Counter::count)
              .sum());
      assertTrue(
          registry.find("maasdk.inference.errors").tags("outcome", "success").counters().isEmpty(),
          "successes are not errors");

      Timer latency = registry.get("maasdk.inference.latency").tags("outcome", "success").timer();
      assertEquals(5, latency.count());
      assertEquals(
          Set.of("maasdk.inference.latency"),
          histograms,
          "latency publishes a percentile histogram");
      assertEquals(
          1,
          registry.get("maasdk.inference.latency").timers().size(),
          "only calls that ran are timed");
      assertEquals(
          5, registry.get("maasdk.inference.queue.wait").tags("model", "echo").timer().count());
      assertEquals(5, registry.get("maasdk.inference.batch.size").summary().count());
      assertTrue(registry.get("maasdk.inference.batch.size").summary().max() >= 1);

      assertEquals(
          0.0,
          registry
              .get("maasdk.queue.depth")
              .tags("model", "echo", "version", "1.0.0")
              .gauge()
              .value());
      assertEquals(
          Runtime.getRuntime().availableProcessors(), // the default on the CPU: one per core
          registry.get("maasdk.replicas").tags("model", "echo", "device", "cpu()").gauge().value());
      for (Meter m : registry.getMeters()) {
        String name = m.getId().getName();
        if (name.startsWith("cache.")) { // Micrometer's CaffeineCacheMetrics keeps its own names
          assertEquals(MaasdkMetrics.RESPONSE_CACHE, m.getId().getTag("cache"));
          continue;
        }
        assertTrue(name.matches("maasdk(\\.[a-z]+)+"), "dotted lower-case name: " + name);
        assertNull(m.getId().getTag("tenant"), "no tenant tag unless enabled");
      }

      runtime.deploy(ModelSpecs.echoVersion("echo", "1.1.0"));
      runtime.undeploy("echo", "1.0.0");
      metrics.refresh();
      assertTrue(
          registry.find("maasdk.queue.depth").tags("version", "1.0.0").gauges().isEmpty(),
          "gauges of an undeployed version are removed");
      assertNotNull(registry.find("maasdk.queue.depth").tags("version", "1.1.0").gauge());
    }
  }

  @Test
  void tenantTag_beyondCap_foldsIntoOther() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics metrics = MaasdkMetrics.builder().tenantTag(3).build();
    metrics.bindTo(registry);
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metrics).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      for (int t = 0; t < 10; t++) {
        for (int i = 0; i <= t; i++) {
          echo.predict(new float[4], CallOptions.builder().tenant("t" + t).build());
        }
      }
    }
    Map<String, Double> byTenant = new HashMap<>();
    for (Counter c : registry.get("maasdk.inference.requests").counters()) {
      byTenant.merge(c.getId().getTag("tenant"), c.count(), Double::sum);
    }
    assertEquals(Map.of("t0", 1.0, "t1", 2.0, "t2", 3.0, "other", 49.0), byTenant);
  }

  @Test
  void tenantTag_concurrentNewTenants_capIsExact() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics metrics = MaasdkMetrics.builder().tenantTag(5).build();
    metrics.bindTo(registry);
    Fixtures.concurrently(
        32,
        i -> {
          for (int k = 0; k < 50; k++) {
            metrics.onEvent(
                Fixtures.event("tenant-" + i + "-" + k, "m", Outcome.SUCCESS, new float[4]));
          }
          return null;
        });
    Set<String> tags = new TreeSet<>();
    double total = 0;
    for (Counter c : registry.get("maasdk.inference.requests").counters()) {
      tags.add(c.getId().getTag("tenant"));
      total += c.count();
    }
    assertEquals(6, tags.size(), "5 tenants and other: " + tags);
    assertTrue(tags.contains("other"));
    assertEquals(32 * 50, total);
  }

  @Test
  void gpuMemory_fromInventory_deviceWideGauges() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics.builder()
        .gpuMemory(
            DeviceInventory.fixed(
                new GpuInfo(0, 16L << 30, 6L << 30), new GpuInfo(1, 24L << 30, 20L << 30)))
        .build()
        .bindTo(registry);
    assertEquals(
        16L << 30,
        (long) registry.get("maasdk.gpu.memory.total").tags("device", "gpu(0)").gauge().value());
    assertEquals(
        20L << 30,
        (long) registry.get("maasdk.gpu.memory.free").tags("device", "gpu(1)").gauge().value());
    assertEquals(
        List.of("bytes"),
        List.of(
            registry
                .get("maasdk.gpu.memory.free")
                .tags("device", "gpu(1)")
                .gauge()
                .getId()
                .getBaseUnit()));
  }

  @Test
  void bindTo_secondRegistry_failsWithAdvice() {
    MaasdkMetrics metrics = MaasdkMetrics.builder().build();
    metrics.bindTo(new SimpleMeterRegistry());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
    assertTrue(e.getMessage().contains("CompositeMeterRegistry"));
  }

  @Test
  void responseCache_isBoundWithCaffeineCacheMetrics() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics metrics = MaasdkMetrics.builder().build();
    metrics.bindTo(registry);
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metrics).build()) {
      runtime.deploy(
          ModelSpec.builder("echo", float[].class, float[].class)
              .version("1.0.0")
              .source(
                  io.maasdk.ModelSource.classpath(io.maasdk.testkit.TestModels.resource("echo")))
              .translator(io.maasdk.codec.Codecs.floatVector(4))
              .devicePolicy(io.maasdk.DevicePolicy.cpu())
              .cachePolicy(io.maasdk.CachePolicy.ofDefaults())
              .build());
      metrics.monitor(runtime);
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      for (int i = 0; i < 3; i++) {
        echo.predict(new float[] {1, 2, 3, 4});
      }
      String tag = MaasdkMetrics.RESPONSE_CACHE;
      org.junit.jupiter.api.Assertions.assertEquals(
          2.0,
          registry.get("cache.gets").tags("cache", tag, "result", "hit").functionCounter().count());
      org.junit.jupiter.api.Assertions.assertEquals(
          1.0,
          registry
              .get("cache.gets")
              .tags("cache", tag, "result", "miss")
              .functionCounter()
              .count());
    }
  }

  @Test
  void failedOverCalls_areCountedWithTheirPrimaryAndTheFallbackThatAnswered() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics metrics = MaasdkMetrics.builder().build();
    metrics.bindTo(registry);
    io.maasdk.Version v1 = io.maasdk.Version.parse("1.0.0");
    io.maasdk.Version v2 = io.maasdk.Version.parse("2.0.0");
    for (int i = 0; i < 3; i++) {
      metrics.onEvent(
          new io.maasdk.spi.InferenceEvent(
              java.time.Instant.now(),
              "t",
              "digits",
              v1,
              "cpu()",
              new float[4],
              new float[4],
              0,
              1000,
              1,
              false,
              io.maasdk.spi.InferenceEvent.Outcome.SUCCESS,
              null,
              v2));
    }
    metrics.onEvent(
        new io.maasdk.spi.InferenceEvent(
            java.time.Instant.now(),
            "t",
            "digits",
            v2,
            "cpu()",
            new float[4],
            new float[4],
            0,
            1000,
            1,
            false,
            io.maasdk.spi.InferenceEvent.Outcome.SUCCESS,
            null));
    assertEquals(
        3.0,
        registry
            .get("maasdk.inference.failovers")
            .tag("model", "digits")
            .tag("from", "2.0.0")
            .tag("version", "1.0.0")
            .tag("outcome", "success")
            .counter()
            .count());
  }
}
