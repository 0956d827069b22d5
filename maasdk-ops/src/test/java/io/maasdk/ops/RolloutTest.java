package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.DeploymentConflictException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.ManagementRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 2: gated rollouts of new versions found in a watched repository. */
class RolloutTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");
  private static final Version V3 = Version.parse("3.0.0");
  @TempDir Path root;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<ManagementRequest> audit = new CopyOnWriteArrayList<>();
  private ModelRuntime runtime;
  private ModelOps ops;

  private final CallInterceptor auditLog =
      new CallInterceptor() {
        @Override
        public void beforeCall(CallContext call) {}

        @Override
        public void afterManagement(ManagementRequest request, RuntimeException failure) {
          audit.add(request);
        }
      };

  private void start(ModelOps.Builder b) {
    ops = b.meterRegistry(meters).build();
    runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(auditLog)
            .extension(ops)
            .build();
  }

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static RolloutPolicy.Builder gated() {
    return RolloutPolicy.builder()
        .steps(1, 10, 50, 100)
        .minCallsPerStep(20)
        .maxErrorRate(0.01)
        .maxP99Ratio(3.0, Duration.ofMillis(50)) // generous: other builds share these cores
        .evaluationGate("digits-test", EvaluationGate.macroF1(Fixtures.testData(), 0.01));
  }

  /** 16 threads calling {@code stable} until stopped; counts calls, failures, versions seen. */
  private final class Callers implements AutoCloseable {
    final AtomicLong calls = new AtomicLong();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final Set<Version> versions = ConcurrentHashMap.newKeySet();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();

    Callers() throws Exception {
      ModelHandle<float[], float[]> stable =
          runtime.handle(MODEL, "stable", float[].class, float[].class);
      CyclicBarrier go = new CyclicBarrier(17);
      for (int t = 0; t < 16; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    go.await(30, TimeUnit.SECONDS);
                    for (int i = 0; !stop.get(); i++) {
                      float[] x = TEST_SET.features()[(id * 31 + i) % TEST_SET.size()];
                      try {
                        versions.add(stable.predictDetailed(x, CallOptions.ofDefaults()).version());
                        calls.incrementAndGet();
                      } catch (RuntimeException e) {
                        failures.add(e);
                      }
                    }
                  } catch (Exception e) {
                    failures.add(e);
                  }
                },
                "caller-" + t);
        threads.add(th);
        th.start();
      }
      go.await(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread th : threads) {
        th.join(30_000);
        assertFalse(th.isAlive(), th.getName() + " did not stop");
      }
    }
  }

  private boolean ended() {
    return ops.rollouts().get(MODEL, "stable").map(r -> r.state().ended()).orElse(false);
  }

  @Test
  void newVersionInWatchedRepository_with16CallersOnStable_rollsOutAndPromotes_noFailedCall()
      throws Exception {
    start(ModelOps.builder().checkInterval(Duration.ofMillis(20)));
    Fixtures.version(root, "1.0.0", "1.0.0");
    ops.watch(Fixtures.store(root), Fixtures.template())
        .pollInterval(Duration.ofMillis(500))
        .settle(Duration.ofMillis(100))
        .rollOut("stable", gated().build())
        .start();
    assertEquals(AliasTarget.of(V1), runtime.aliases(MODEL).get("stable"), "the first version");

    Rollout done;
    try (Callers callers = new Callers()) {
      Fixtures.version(root, "2.0.0", "2.0.0");
      assertTrue(Fixtures.await(this::ended, 100), "rollout: " + ops.rollouts().list());
      done = ops.rollouts().get(MODEL, "stable").orElseThrow();
      callers.close();
      assertEquals(List.of(), callers.failures, "no caller saw a failure");
      assertTrue(callers.versions.containsAll(List.of(V1, V2)), callers.versions.toString());
      assertTrue(callers.calls.get() > 100, callers.calls.get() + " calls");
    }
    assertEquals(Rollout.State.PROMOTED, done.state(), done.toString());
    assertTrue(done.evaluation().startsWith("passed: macro-F1 of 2.0.0"), done.evaluation());
    assertEquals(AliasTarget.of(V2), runtime.aliases(MODEL).get("stable"));
    List<AliasTarget> moves =
        runtime.aliasHistory(MODEL, "stable").stream().map(AliasChange::to).toList();
    assertEquals(
        List.of(
            AliasTarget.of(V1),
            AliasTarget.split(Map.of(V1, 99, V2, 1)),
            AliasTarget.split(Map.of(V1, 90, V2, 10)),
            AliasTarget.split(Map.of(V1, 50, V2, 50)),
            AliasTarget.of(V2)),
        moves);
    assertEquals(100.0, meters.get("maasdk.rollout.percent").gauge().value());
  }

  @Test
  void worseCandidate_isRolledBackAutomatically_noFailedCall_auditAndMeterSayWhy()
      throws Exception {
    start(ModelOps.builder().checkInterval(Duration.ofMillis(20)));
    Fixtures.version(root, "2.0.0", "2.0.0");
    RepositoryWatcher w =
        ops.watch(Fixtures.store(root), Fixtures.template())
            .pollInterval(Duration.ofMillis(500))
            .settle(Duration.ofMillis(100))
            .rollOut("stable", gated().build())
            .start();

    Rollout done;
    try (Callers callers = new Callers()) {
      Fixtures.version(root, "3.0.0", "1.0.0"); // a retrained model that is worse: 0.835 vs 0.975
      assertTrue(Fixtures.await(this::ended, 100), "rollout: " + ops.rollouts().list());
      done = ops.rollouts().get(MODEL, "stable").orElseThrow();
      callers.close();
      assertEquals(List.of(), callers.failures, "no caller saw a failure");
    }
    assertEquals(Rollout.State.ROLLED_BACK, done.state(), done.toString());
    assertTrue(
        done.reason().contains("evaluation gate digits-test: macro-F1 of 3.0.0"), done.reason());
    assertTrue(done.evaluation().startsWith("failed: "), done.evaluation());
    assertEquals(AliasTarget.of(V2), runtime.aliases(MODEL).get("stable"));
    List<AliasChange> h = runtime.aliasHistory(MODEL, "stable");
    assertEquals(AliasChange.Kind.ROLLBACK, h.get(h.size() - 1).kind());
    ManagementRequest rollback =
        audit.stream()
            .filter(r -> r.action() == ManagementRequest.Action.ROLLBACK)
            .findFirst()
            .orElseThrow();
    assertEquals("stable", rollback.alias());
    assertTrue(rollback.reason().contains("rolled back: evaluation gate"), rollback.reason());
    assertEquals(
        1.0,
        meters
            .counter(
                "maasdk.rollout.rollbacks", "model", MODEL, "alias", "stable", "gate", "evaluation")
            .count());
    assertTrue(runtime.describe(MODEL, V3).isPresent(), "the candidate stays deployed");
    w.close();
  }

  @Test
  void stepsHoldForTheirTime_pauseHolds_resumeRestartsTheHold_abortRestores() {
    Fixtures.ManualTicker ticker = new Fixtures.ManualTicker();
    start(ModelOps.builder().ticker(ticker));
    runtime.deployAll(
        ModelRepository.at(Fixtures.version(root, "1.0.0", "1.0.0").getParent().getParent()),
        Fixtures.template());
    Fixtures.version(root, "2.0.0", "2.0.0");
    runtime.deployAll(ModelRepository.at(root), Fixtures.template());
    runtime.setAlias(MODEL, "stable", V1);
    RolloutPolicy policy =
        RolloutPolicy.builder()
            .steps(10, 50, 100)
            .minCallsPerStep(0)
            .minTimePerStep(Duration.ofHours(1))
            .build();
    Rollouts rollouts = ops.rollouts();

    Rollout r = rollouts.start(MODEL, "stable", V2, policy);
    assertEquals(10, r.percent());
    assertEquals(AliasTarget.split(Map.of(V1, 90, V2, 10)), runtime.aliases(MODEL).get("stable"));
    assertThrows(
        DeploymentConflictException.class,
        () -> rollouts.start(MODEL, "stable", V2, policy),
        "one rollout per alias");
    rollouts.advance();
    assertEquals(0, rollouts.get(MODEL, "stable").orElseThrow().step(), "held: no time passed");
    ticker.advance(Duration.ofHours(1));
    rollouts.advance();
    assertEquals(50, rollouts.get(MODEL, "stable").orElseThrow().percent());

    assertEquals(Rollout.State.PAUSED, rollouts.pause(MODEL, "stable").state());
    ticker.advance(Duration.ofHours(2));
    rollouts.advance();
    assertEquals(50, rollouts.get(MODEL, "stable").orElseThrow().percent(), "paused holds");
    assertEquals(AliasTarget.split(Map.of(V1, 50, V2, 50)), runtime.aliases(MODEL).get("stable"));

    rollouts.resume(MODEL, "stable");
    rollouts.advance();
    assertEquals(50, rollouts.get(MODEL, "stable").orElseThrow().percent(), "hold restarted");
    ticker.advance(Duration.ofHours(1));
    rollouts.advance();
    assertEquals(100, rollouts.get(MODEL, "stable").orElseThrow().percent());
    assertEquals(AliasTarget.of(V2), runtime.aliases(MODEL).get("stable"));

    Rollout aborted = rollouts.abort(MODEL, "stable");
    assertEquals(Rollout.State.ABORTED, aborted.state());
    assertEquals(AliasTarget.of(V1), runtime.aliases(MODEL).get("stable"));
    assertTrue(
        audit.stream()
            .anyMatch(
                a ->
                    a.action() == ManagementRequest.Action.ROLLBACK
                        && "aborted by an operator".equals(a.reason())),
        audit.toString());
    assertEquals(0.0, meters.get("maasdk.rollout.percent").gauge().value());
  }
}
