package io.maasdk.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live gates: p99 latency on real models (the testkit's fast {@code x+1} model as the current
 * version, its slow twin as the candidate), and the error budget.
 */
class RolloutGatesTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ModelOps ops =
      ModelOps.builder().meterRegistry(meters).checkInterval(Duration.ofMillis(20)).build();
  private final ModelRuntime runtime =
      ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).extension(ops).build();

  @AfterEach
  void close() {
    runtime.close();
    List<String> left =
        Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(n -> n.startsWith("maasdk-rollouts") || n.startsWith("maasdk-watch"))
            .toList();
    assertEquals(List.of(), left, "ModelOps' threads end with the runtime");
  }

  /** {@code plus1}: 1.0.0 is the fast x+1 model, 2.0.0 the slow one (same answers). */
  private void deployPlus1() {
    for (String[] v : new String[][] {{"1.0.0", "faulty"}, {"2.0.0", "slow"}}) {
      runtime.deploy(
          ModelSpec.builder("plus1", float[].class, float[].class)
              .version(v[0])
              .source(ModelSource.classpath(TestModels.resource(v[1])))
              .translator(Codecs.floatVector(4))
              .devicePolicy(DevicePolicy.cpu())
              .warmup(new float[4])
              .build());
    }
    runtime.setAlias("plus1", "stable", V1);
  }

  @Test
  void slowCandidate_failsTheP99Gate_andIsRolledBack_whileBadInputsDoNotCountAsErrors()
      throws Exception {
    deployPlus1();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> callers = new ArrayList<>();
    ModelHandle<float[], float[]> stable =
        runtime.handle("plus1", "stable", float[].class, float[].class);
    CyclicBarrier go = new CyclicBarrier(5);
    for (int t = 0; t < 4; t++) {
      int id = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await(30, TimeUnit.SECONDS);
                  for (int i = 0; !stop.get(); i++) {
                    CallOptions o = CallOptions.builder().routingKey("k" + id + "-" + i).build();
                    float first = i % 10 == 0 ? TestModels.POISON : i; // every tenth input is bad
                    try {
                      stable.predict(new float[] {first, 0, 0, 0}, o);
                    } catch (InvalidInputException expected) {
                      // the caller's fault: never counted against the candidate
                    } catch (RuntimeException e) {
                      unexpected.add(e);
                    }
                  }
                } catch (Exception e) {
                  unexpected.add(e);
                }
              },
              "caller-" + t);
      callers.add(th);
      th.start();
    }
    go.await(30, TimeUnit.SECONDS);
    try {
      ops.rollouts()
          .start(
              "plus1",
              "stable",
              V2,
              RolloutPolicy.builder()
                  .steps(50, 100)
                  .minCallsPerStep(40)
                  .maxErrorRate(0.01)
                  .maxP99Ratio(1.5, Duration.ofMillis(1))
                  .build());
      assertTrue(
          Fixtures.await(
              () -> ops.rollouts().get("plus1", "stable").orElseThrow().state().ended(), 100),
          ops.rollouts().list().toString());
    } finally {
      stop.set(true);
      for (Thread th : callers) {
        th.join(30_000);
        assertFalse(th.isAlive());
      }
    }
    Rollout done = ops.rollouts().get("plus1", "stable").orElseThrow();
    assertEquals(Rollout.State.ROLLED_BACK, done.state(), done.toString());
    assertTrue(done.reason().contains("p99 latency of 2.0.0"), done.reason());
    assertEquals(AliasTarget.of(V1), runtime.aliases("plus1").get("stable"));
    assertEquals(List.of(), unexpected);
    assertEquals(
        1.0,
        meters
            .counter(
                "maasdk.rollout.rollbacks",
                "model",
                "plus1",
                "alias",
                "stable",
                "gate",
                "p99-latency")
            .count());
  }

  @Test
  void candidateFailures_beyondTheStepsErrorBudget_rollBackWithoutWaitingForTheStep() {
    deployPlus1();
    ops.rollouts()
        .start(
            "plus1",
            "stable",
            V2,
            RolloutPolicy.builder()
                .steps(10, 100)
                .minCallsPerStep(1000)
                .maxErrorRate(0.01)
                .build());
    InferenceListener listener = ops.listeners().get(0);
    // What the runtime reports for engine faults of the candidate (an engine that crashes on
    // every call cannot be deployed, since deploy warms it up, so these are fed directly).
    for (int i = 0; i < 10; i++) {
      listener.onEvent(
          new InferenceEvent(
              Instant.now(),
              "default",
              "plus1",
              V2,
              "cpu()",
              new float[4],
              null,
              0,
              0,
              1,
              false,
              InferenceEvent.Outcome.FAILED,
              new io.maasdk.InferenceException("plus1", V2, "engine fault", null)));
    }
    ops.rollouts().advance();
    assertEquals(
        Rollout.State.RUNNING,
        ops.rollouts().get("plus1", "stable").orElseThrow().state(),
        "10 failures are within 1% of a 1000-call step");
    listener.onEvent(
        new InferenceEvent(
            Instant.now(),
            "default",
            "plus1",
            V2,
            "cpu()",
            new float[4],
            null,
            0,
            0,
            1,
            false,
            InferenceEvent.Outcome.FAILED,
            null));

    ops.rollouts().advance();

    Rollout r = ops.rollouts().get("plus1", "stable").orElseThrow();
    assertEquals(Rollout.State.ROLLED_BACK, r.state(), r.toString());
    assertTrue(r.reason().contains("error rate of 2.0.0: 11 of 11 calls failed"), r.reason());
    assertEquals(AliasTarget.of(V1), runtime.aliases("plus1").get("stable"));
  }
}
