package io.maasdk.ops;

import static io.maasdk.ops.RolloutChild.V1;
import static io.maasdk.ops.RolloutChild.V11;
import static io.maasdk.ops.RolloutChild.V2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.testkit.TestModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 4: a JVM killed mid-rollout comes back with its aliases and rollout. */
class DurableStateTest {
  @TempDir Path dir;

  @Test
  void jvmKilledMidRollout_restarts_withAliasesHistoryAndRolloutExactlyAsTheyWere_andGoesOn()
      throws Exception {
    Path repo = dir.resolve("models");
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      Fixtures.version(repo, v, v);
    }
    Path state = dir.resolve("state");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Dai.djl.disable_usage_tracking=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                RolloutChild.class.getName(),
                repo.toString(),
                state.toString())
            .redirectErrorStream(true)
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                  lines.add(l);
                }
              } catch (java.io.IOException e) {
                lines.add("READ FAILED " + e);
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
    String before = null;
    StringBuilder output = new StringBuilder();
    try {
      for (String l = lines.poll(120, TimeUnit.SECONDS);
          l != null && !l.equals("READY");
          l = lines.poll(120, TimeUnit.SECONDS)) {
        output.append(l).append('\n');
        if (l.startsWith("STATE ")) {
          before = l.substring("STATE ".length());
        }
      }
    } finally {
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
    }
    assertNotNull(before, "the child never got mid-rollout:\n" + output);
    assertTrue(before.contains("rollout=RUNNING,1,"), before);

    Fixtures.ManualTicker ticker = new Fixtures.ManualTicker();
    ModelOps ops = RolloutChild.ops(ticker);
    try (ModelRuntime runtime = RolloutChild.runtime(state, ops)) {
      runtime.deployAll(ModelRepository.at(repo), Fixtures.template());
      Rollout restored = ops.rollouts().get(Fixtures.MODEL, "stable").orElseThrow();

      assertEquals(before, RolloutChild.describe(runtime, restored));
      assertEquals(
          AliasTarget.split(Map.of(V1, 75, V2, 25)).withFallback(V11),
          runtime.aliases(Fixtures.MODEL).get("stable"));

      ops.rollouts().advance(); // the step starts again; the alias is already there
      ticker.advance(Duration.ofHours(1));
      ops.rollouts().advance();
      assertEquals(
          AliasTarget.of(V2).withFallback(V11), runtime.aliases(Fixtures.MODEL).get("stable"));
      ticker.advance(Duration.ofHours(1));
      ops.rollouts().advance();
      assertEquals(
          Rollout.State.PROMOTED,
          ops.rollouts().get(Fixtures.MODEL, "stable").orElseThrow().state());
    }
  }

  @Test
  void restartedWatcher_doesNotOverrideARestoredAlias_norStartANewRollout() throws Exception {
    Path repo = dir.resolve("models");
    Fixtures.version(repo, "1.0.0", "1.0.0");
    Path state = dir.resolve("state");
    RolloutPolicy hold = RolloutPolicy.builder().steps(10, 100).minCallsPerStep(1_000_000).build();
    Rollout before;
    ModelOps first = RolloutChild.ops(new Fixtures.ManualTicker());
    try (ModelRuntime a = RolloutChild.runtime(state, first)) {
      RepositoryWatcher w =
          first
              .watch(Fixtures.store(repo), Fixtures.template())
              .settle(java.time.Duration.ZERO)
              .watchInBackground(false)
              .rollOut("stable", hold)
              .start();
      assertEquals(AliasTarget.of(V1), a.aliases(Fixtures.MODEL).get("stable"));
      Fixtures.version(repo, "2.0.0", "2.0.0");
      w.syncNow(); // deployed, and a rollout starts: stable at 90/10
      before = first.rollouts().get(Fixtures.MODEL, "stable").orElseThrow();
      assertEquals(
          AliasTarget.split(Map.of(V1, 90, V2, 10)), a.aliases(Fixtures.MODEL).get("stable"));
    }

    ModelOps ops = RolloutChild.ops(new Fixtures.ManualTicker());
    try (ModelRuntime b = RolloutChild.runtime(state, ops)) {
      ops.watch(Fixtures.store(repo), Fixtures.template())
          .watchInBackground(false)
          .rollOut("stable", hold)
          .start(); // deploys 1.0.0 then 2.0.0: the alias comes back

      assertEquals(
          AliasTarget.split(Map.of(V1, 90, V2, 10)), b.aliases(Fixtures.MODEL).get("stable"));
      Rollout after = ops.rollouts().get(Fixtures.MODEL, "stable").orElseThrow();
      assertEquals(before.startedAt(), after.startedAt(), "the same rollout, not a new one");
      assertEquals(before.state(), after.state());
      assertEquals(before.step(), after.step());
    }
  }
}
