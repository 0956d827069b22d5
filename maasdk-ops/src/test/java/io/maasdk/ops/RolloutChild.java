package io.maasdk.ops;

import io.maasdk.AliasTarget;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The child JVM of {@link DurableStateTest}: starts a rollout, takes it to its second step, prints
 * what it has, then waits to be killed. Never closes its runtime.
 */
public final class RolloutChild {
  static final Version V1 = Version.parse("1.0.0");
  static final Version V11 = Version.parse("1.1.0");
  static final Version V2 = Version.parse("2.0.0");

  private RolloutChild() {}

  static RolloutPolicy policy() {
    return RolloutPolicy.builder()
        .steps(5, 25, 100)
        .minCallsPerStep(0)
        .minTimePerStep(Duration.ofHours(1))
        .evaluationGate("digits-test", EvaluationGate.macroF1(Fixtures.testData(), 0.01))
        .build();
  }

  static ModelOps ops(Fixtures.ManualTicker ticker) {
    return ModelOps.builder()
        .ticker(ticker)
        .checkInterval(Duration.ofHours(1))
        .evaluationGate("digits-test", EvaluationGate.macroF1(Fixtures.testData(), 0.01))
        .build();
  }

  static ModelRuntime runtime(Path state, ModelOps ops) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .stateStore(StateStore.directory(state))
        .extension(ops)
        .build();
  }

  /** Everything that must come back, one line. */
  static String describe(ModelRuntime runtime, Rollout r) {
    return "aliases="
        + new java.util.TreeMap<>(runtime.aliases(Fixtures.MODEL))
        + " stableHistory="
        + runtime.aliasHistory(Fixtures.MODEL, "stable")
        + " canaryHistory="
        + runtime.aliasHistory(Fixtures.MODEL, "canary")
        + " rollout="
        + r.state()
        + ","
        + r.step()
        + ","
        + r.from()
        + ","
        + r.candidate()
        + ","
        + r.evaluation()
        + ","
        + r.startedAt()
        + ","
        + r.updatedAt()
        + ","
        + r.reason();
  }

  /**
   * Starts the rollout and waits to be killed.
   *
   * @param args the model repository and the state store directory
   * @throws Exception if the runtime or the rollout cannot start
   */
  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]);
    Path state = Path.of(args[1]);
    Fixtures.ManualTicker ticker = new Fixtures.ManualTicker();
    ModelOps ops = ops(ticker);
    ModelRuntime runtime = runtime(state, ops);
    runtime.deployAll(ModelRepository.at(repo), Fixtures.template());
    runtime.setAlias(Fixtures.MODEL, "stable", AliasTarget.of(V1).withFallback(V11));
    runtime.setAlias(Fixtures.MODEL, "canary", AliasTarget.split(Map.of(V1, 80, V2, 20)));
    ops.rollouts().start(Fixtures.MODEL, "stable", V2, policy());
    ticker.advance(Duration.ofHours(1));
    ops.rollouts().advance(); // the evaluation gate passes: 5% -> 25%
    Rollout r = ops.rollouts().get(Fixtures.MODEL, "stable").orElseThrow();
    System.out.println("STATE " + describe(runtime, r));
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // killed here, mid-rollout
  }
}
