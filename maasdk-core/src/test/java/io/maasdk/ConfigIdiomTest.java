package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The configuration idiom (ARCHITECTURE.md): {@code ofDefaults()}, {@code builder()} starting from
 * the defaults, and {@code toBuilder()} deriving a copy that changes only what is set on it.
 */
class ConfigIdiomTest {

  @Test
  void batchingPolicy_builderStartsFromDefaults_toBuilderChangesOnlyWhatIsSet() {
    assertEquals(BatchingPolicy.ofDefaults(), BatchingPolicy.builder().build());
    BatchingPolicy p = BatchingPolicy.of(8, Duration.ofMillis(5));
    BatchingPolicy off = p.toBuilder().deployCheck(false).build();
    assertFalse(off.deployCheck());
    assertEquals(8, off.maxBatchSize());
    assertEquals(Duration.ofMillis(5), off.maxDelay());
    assertTrue(p.deployCheck(), "the original is unchanged");
    assertEquals(p, p.toBuilder().build());
    assertEquals(BatchingPolicy.disabled(), BatchingPolicy.disabled().toBuilder().build());
    assertThrows(IllegalArgumentException.class, () -> BatchingPolicy.builder().maxBatchSize(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> BatchingPolicy.builder().maxDelay(Duration.ofMillis(-1)));
  }

  @Test
  void failurePolicy_builderStartsFromDefaults_toBuilderKeepsTheRest() {
    FailurePolicy d = FailurePolicy.ofDefaults();
    assertEquals(d.toString(), FailurePolicy.builder().build().toString());
    FailurePolicy p = FailurePolicy.builder().breaker(3, Duration.ofSeconds(1)).build();
    assertEquals(3, p.breakerThreshold());
    assertEquals(d.restartBackoff(), p.restartBackoff());
    FailurePolicy q = p.toBuilder().restartBackoff(Duration.ZERO, Duration.ofMillis(1)).build();
    assertEquals(3, q.breakerThreshold());
    assertEquals(Duration.ofSeconds(1), q.breakerOpenFor());
    assertEquals(Duration.ZERO, q.restartBackoff());
    assertEquals(Duration.ofMillis(1), q.maxRestartBackoff());
    assertThrows(
        IllegalArgumentException.class,
        () -> FailurePolicy.builder().breaker(0, Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> FailurePolicy.builder().restartBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }

  @Test
  void devicePolicy_fallbackDefaultsByStrategy_unlessSet_andToBuilderKeepsIt() {
    assertEquals(DevicePolicy.spread(), DevicePolicy.ofDefaults());
    assertEquals(DevicePolicy.ofDefaults(), DevicePolicy.builder().build());
    assertEquals(DevicePolicy.Fallback.FAIL, DevicePolicy.gpus(0).fallback());
    assertEquals(DevicePolicy.Fallback.CPU, DevicePolicy.leastLoaded().fallback());
    DevicePolicy g =
        DevicePolicy.gpus(0, 1).toBuilder().fallbackToCpu().memoryPerReplica(1024).build();
    assertEquals(DevicePolicy.Strategy.EXPLICIT, g.strategy());
    assertArrayEquals(new int[] {0, 1}, g.gpuIndices());
    assertEquals(DevicePolicy.Fallback.CPU, g.fallback());
    assertEquals(1024, g.memoryPerReplica());
    assertEquals(g, g.toBuilder().build());
    assertNotEquals(g, g.toBuilder().failIfUnavailable().build());
    assertThrows(IllegalArgumentException.class, () -> DevicePolicy.builder().gpus());
  }

  @Test
  void modelSpec_toBuilder_derivesACopyWithEverySetting() {
    BatchingPolicy batching = BatchingPolicy.of(4, Duration.ofMillis(1));
    ModelSpec<float[], float[]> spec =
        Models.echo("echo", "1.0.0")
            .replicas(3)
            .batching(batching)
            .cachePolicy(CachePolicy.ofDefaults())
            .queueCapacity(7)
            .warmup(new float[4])
            .label("team", "a")
            .engineOption("k", "v")
            .build();
    ModelSpec<float[], float[]> next = spec.toBuilder().version("1.1.0").build();
    assertEquals(Version.parse("1.1.0"), next.version());
    assertEquals(Version.parse("1.0.0"), spec.version());
    assertSame(spec.source(), next.source());
    assertSame(spec.translator(), next.translator());
    assertEquals(3, next.replicas());
    // a pinned count stays pinned: unpinned, ONNX on the CPU would get one replica per core
    assertTrue(next.replicasSet(), "toBuilder() kept replicas(3) but forgot it was pinned");
    ModelSpec<float[], float[]> unpinned =
        ModelSpec.builder("echo", float[].class, float[].class)
            .version("1.0.0")
            .source(ModelSource.classpath(TestModels.resource("echo")))
            .translator(Codecs.floatVector(4))
            .build();
    assertFalse(unpinned.toBuilder().build().replicasSet());
    assertEquals(batching, next.batching());
    assertSame(CachePolicy.ofDefaults(), next.cachePolicy());
    assertEquals(7, next.queueCapacity());
    assertEquals(1, next.warmup().size());
    assertEquals(Map.of("team", "a"), next.labels());
    assertEquals(Map.of("k", "v"), next.engineOptions());
    assertEquals(DevicePolicy.cpu(), next.devicePolicy());
  }

  @Test
  void modelSpecTemplate_forVersion_isIndependentOfTheTemplate() {
    ModelSpec.Builder<float[], float[]> template = Models.echo("echo", "1.0.0").label("x", "1");
    ModelSource other = ModelSource.classpath("elsewhere");
    ModelSpec.Builder<float[], float[]> v2 = template.forVersion(Version.parse("2.0.0"), other);
    v2.label("x", "2").warmup(new float[4]);
    ModelSpec<float[], float[]> built = v2.build();
    assertEquals(Version.parse("2.0.0"), built.version());
    assertSame(other, built.source());
    ModelSpec<float[], float[]> original = template.build();
    assertEquals(Version.parse("1.0.0"), original.version());
    assertEquals("1", original.labels().get("x"));
    assertEquals(List.of(), original.warmup());
  }
}
