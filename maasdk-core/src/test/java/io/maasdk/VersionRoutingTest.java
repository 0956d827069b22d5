package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.testkit.TestModels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pins, ranges, aliases, latest, splits and rollback over three real digits versions. Each version
 * gives different logits for the same input, so an answer shows which version computed it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VersionRoutingTest {
  private static final Version V100 = Version.parse("1.0.0");
  private static final Version V110 = Version.parse("1.1.0");
  private static final Version V200 = Version.parse("2.0.0");

  private ModelRuntime runtime;
  private final float[] x = TestModels.digitsTestSet().features()[0];

  @BeforeAll
  void deploy() {
    runtime = Models.runtime();
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      runtime.deploy(Models.digits(v).replicas(2).build());
    }
  }

  @AfterAll
  void close() {
    runtime.close();
  }

  private ModelHandle<float[], float[]> handle(String selector) {
    return runtime.handle("digits", selector, float[].class, float[].class);
  }

  private static Version versionOf(float[] logits) {
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      float[] expected = TestModels.expectedLogits("mlp", v)[0];
      boolean same = true;
      for (int i = 0; i < expected.length && same; i++) {
        same = Math.abs(expected[i] - logits[i]) < 1e-4;
      }
      if (same) {
        return Version.parse(v);
      }
    }
    throw new AssertionError("logits match no version");
  }

  @Test
  void pin_range_latest_resolveAsDocumented() {
    assertEquals(V110, versionOf(handle("1.1.0").predict(x)));
    assertEquals(V110, versionOf(handle("^1.0").predict(x)));
    assertEquals(V100, versionOf(handle("~1.0.0").predict(x)));
    assertEquals(V200, versionOf(handle("latest").predict(x)));
    assertEquals(V200, handle(">=1.1.0").predictDetailed(x, CallOptions.ofDefaults()).version());
  }

  @Test
  void handle_nothingMatches_failsAtOnceListingWhatIsDeployed() {
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class, () -> handle("^3"));
    assertTrue(e.getMessage().contains("^3") && e.getMessage().contains("1.1.0"), e.getMessage());
    assertThrows(
        ModelNotFoundException.class,
        () -> runtime.handle("nope", "latest", float[].class, float[].class));
    assertThrows(
        IllegalArgumentException.class,
        () -> runtime.handle("digits", "latest", String.class, float[].class));
  }

  @Test
  void alias_move_isAtomicUnderConcurrentCallers_andNoCallFails() throws Exception {
    runtime.setAlias("digits", "live", V100);
    ModelHandle<float[], float[]> live = handle("live");
    ModelHandle<float[], float[]> pinned = handle("1.0.0");
    int threads = 8;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    AtomicBoolean moved = new AtomicBoolean();
    AtomicInteger afterMoveOld = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      results.add(
          pool.submit(
              () -> {
                start.await(30, TimeUnit.SECONDS);
                int calls = 0;
                while (calls < 400) {
                  boolean movedBefore = moved.get();
                  Prediction<float[]> p = live.predictDetailed(x, CallOptions.ofDefaults());
                  assertEquals(
                      p.version(), versionOf(p.output())); // answer matches reported version
                  if (movedBefore && p.version().equals(V100)) {
                    afterMoveOld.incrementAndGet();
                  }
                  assertEquals(V100, versionOf(pinned.predict(x))); // a pinned handle never moves
                  calls++;
                }
                return calls;
              }));
    }
    start.await(30, TimeUnit.SECONDS);
    while (runtime.deployments().stream().mapToInt(DeploymentInfo::inFlight).sum() == 0) {
      Thread.onSpinWait(); // wait until calls are flowing
    }
    runtime.setAlias("digits", "live", V200);
    moved.set(true);
    int total = 0;
    for (Future<Integer> f : results) {
      total += f.get(60, TimeUnit.SECONDS); // any failed call surfaces here
    }
    pool.shutdown();
    assertEquals(threads * 400, total);
    assertEquals(0, afterMoveOld.get(), "a call started after the move reached the old version");
    assertEquals(V200, versionOf(live.predict(x)));
  }

  @Test
  void rollback_restoresPreviousTarget_andHistoryRecordsEveryMove() {
    runtime.setAlias("digits", "stable", V100);
    runtime.setAlias("digits", "stable", V110);
    runtime.setAlias("digits", "stable", V200);
    ModelHandle<float[], float[]> stable = handle("stable");
    assertEquals(V200, versionOf(stable.predict(x)));

    assertEquals(AliasTarget.of(V110), runtime.rollback("digits", "stable"));
    assertEquals(V110, versionOf(stable.predict(x)));
    assertEquals(AliasTarget.of(V100), runtime.rollback("digits", "stable"));
    assertEquals(V100, versionOf(stable.predict(x)));
    DeploymentConflictException e =
        assertThrows(DeploymentConflictException.class, () -> runtime.rollback("digits", "stable"));
    assertTrue(e.getMessage().contains("no previous target"), e.getMessage());

    List<AliasChange> history = runtime.aliasHistory("digits", "stable");
    assertEquals(
        List.of(
            AliasChange.Kind.SET,
            AliasChange.Kind.SET,
            AliasChange.Kind.SET,
            AliasChange.Kind.ROLLBACK,
            AliasChange.Kind.ROLLBACK),
        history.stream().map(AliasChange::kind).toList());
    assertEquals(AliasTarget.of(V200), history.get(3).from());
    assertEquals(AliasTarget.of(V110), history.get(3).to());
  }

  @Test
  void weightedSplit_isWithin3PercentOverTenThousandKeys_andStickyPerKey() {
    runtime.setAlias("digits", "canary", AliasTarget.split(Map.of(V100, 90, V200, 10)));
    ModelHandle<float[], float[]> canary = handle("canary");
    Map<Version, Integer> counts = new HashMap<>();
    Map<String, Version> first = new HashMap<>();
    for (int k = 0; k < 10_000; k++) {
      CallOptions opts = CallOptions.builder().routingKey("user-" + k).build();
      Version v = canary.resolve(opts);
      counts.merge(v, 1, Integer::sum);
      first.put("user-" + k, v);
    }
    assertEquals(0.90, counts.get(V100) / 10_000.0, 0.03);
    assertEquals(0.10, counts.get(V200) / 10_000.0, 0.03);
    // Sticky: real calls for a sample of keys land where resolve said, every time.
    for (int k = 0; k < 200; k++) {
      CallOptions opts = CallOptions.builder().routingKey("user-" + k).build();
      for (int rep = 0; rep < 3; rep++) {
        Prediction<float[]> p = canary.predictDetailed(x, opts);
        assertEquals(first.get("user-" + k), p.version());
        assertEquals(p.version(), versionOf(p.output()));
      }
    }
  }

  @Test
  void undeploy_refusedWhileAliasOrLeaseNeedsIt() {
    runtime.deploy(
        Models.digits("3.0.0")
            .source(io.maasdk.ModelSource.classpath(TestModels.digitsResource("mlp", "2.0.0")))
            .build());
    Version v3 = Version.parse("3.0.0");
    runtime.setAlias("digits", "next", v3);
    DeploymentConflictException byAlias =
        assertThrows(DeploymentConflictException.class, () -> runtime.undeploy("digits", v3));
    assertEquals(
        "cannot undeploy digits@3.0.0: still needed by alias 'next' (3.0.0)."
            + " Point the alias elsewhere (setAlias) first. ",
        byAlias.getMessage());

    runtime.setAlias("digits", "next", AliasTarget.of(V200).withFallback(v3));
    DeploymentConflictException byFallback =
        assertThrows(DeploymentConflictException.class, () -> runtime.undeploy("digits", v3));
    assertTrue(
        byFallback.getMessage().contains("alias 'next' (2.0.0 fallback 3.0.0) as its fallback"),
        byFallback.getMessage());

    runtime.setAlias("digits", "next", V200);
    ModelHandle<float[], float[]> pin = handle("3.0.0");
    try (ModelHandle.Lease pinLease = pin.pin()) {
      DeploymentConflictException byPin =
          assertThrows(DeploymentConflictException.class, () -> runtime.undeploy("digits", v3));
      assertTrue(byPin.getMessage().contains("on digits '3.0.0' taken at"), byPin.getMessage());
      assertEquals(v3, pin.resolve(CallOptions.ofDefaults()));
    }
    ModelHandle<float[], float[]> range = handle("^3");
    try (ModelHandle.Lease rangeLease = range.pin()) {
      DeploymentConflictException byRange =
          assertThrows(DeploymentConflictException.class, () -> runtime.undeploy("digits", v3));
      assertTrue(byRange.getMessage().contains("on digits '^3' taken at"), byRange.getMessage());
      assertEquals(v3, range.resolve(CallOptions.ofDefaults()));
    }
    assertTrue(runtime.describe("digits", v3).isPresent());
    runtime.undeploy("digits", v3); // nothing needs it any more: the handles pin nothing
    ModelNotFoundException gone = assertThrows(ModelNotFoundException.class, () -> pin.predict(x));
    assertTrue(gone.getMessage().contains("digits@3.0.0 is not deployed"), gone.getMessage());
  }

  @Test
  void setAlias_toUndeployedVersion_isRefused() {
    DeploymentConflictException e =
        assertThrows(
            DeploymentConflictException.class,
            () -> runtime.setAlias("digits", "x", Version.parse("9.9.9")));
    assertTrue(e.getMessage().contains("not deployed"), e.getMessage());
  }

  @Test
  void deploy_sameVersionTwice_isRefused() {
    assertThrows(
        DeploymentConflictException.class, () -> runtime.deploy(Models.digits("1.0.0").build()));
  }

  @Test
  void outputs_areIdenticalAcrossReplicas() {
    ConcurrentHashMap<String, Boolean> outs = new ConcurrentHashMap<>();
    ModelHandle<float[], float[]> h = handle("1.0.0");
    List<java.util.concurrent.CompletableFuture<float[]>> fs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      fs.add(h.predictAsync(x));
    }
    fs.forEach(f -> outs.put(java.util.Arrays.toString(f.join()), true));
    assertEquals(1, outs.size());
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], h.predict(x), 1e-4f);
  }
}
