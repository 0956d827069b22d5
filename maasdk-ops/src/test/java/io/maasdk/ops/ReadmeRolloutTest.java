package io.maasdk.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.StateStore;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of the README's "Rolling out a new version", compiled and run; the second test checks
 * that the README quotes exactly the lines between the markers below.
 */
class ReadmeRolloutTest {
  private static final String START = "// README-SNIPPET-START";
  private static final String END = "// README-SNIPPET-END";
  @TempDir Path tmp;

  @Test
  void snippet() throws Exception {
    Path modelsDir = tmp.resolve("models");
    Path stateDir = tmp.resolve("state");
    TestModels.copy(
        TestModels.digitsResource("mlp", "1.0.0"), modelsDir.resolve("digits/1.0.0/model.pt"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TestModels.DigitsTestSet digits = TestModels.digitsTestSet();

    // spotless:off
    // README-SNIPPET-START
    ClassificationData<float[], float[]> testSet =
        ClassificationData.logits(digits.features(), digits.labels(), 10);
    ModelOps ops = ModelOps.builder()
        .meterRegistry(meters)                                // maasdk.rollout.*, .evaluation.*
        .evaluationGate("digits-test", EvaluationGate.macroF1(testSet, 0.01))
        .build();
    RolloutPolicy canary = RolloutPolicy.builder()
        .steps(1, 10, 50, 100)                 // % of the alias's calls the new version gets
        .minCallsPerStep(500).minTimePerStep(Duration.ofMinutes(5))
        .maxErrorRate(0.01)                    // failed calls, not bad inputs
        .maxP99Ratio(1.5, Duration.ofMillis(5)) // p99 within 1.5x the current version's + 5 ms
        .evaluationGate("digits-test", EvaluationGate.macroF1(testSet, 0.01))
        .build();
    try (ModelRuntime runtime = ModelRuntime.builder()
        .stateStore(StateStore.directory(stateDir)) // aliases and rollouts survive restarts
        .extension(ops)
        .build()) {
      ops.watch(ModelStore.fileSystem(ModelRepository.at(modelsDir)),
              ModelSpec.builder("digits", float[].class, float[].class)
                  .translator(Codecs.floatVector(64))
                  .warmup(new float[64]))
          .rollOut("stable", canary) // the first version becomes "stable", later ones roll out
          .start();                  // deploys what is there now, then follows the folder

      // ... later, models/digits/2.0.0/ is copied in: it is deployed, warmed up, and rolled out
      TestModels.copy(TestModels.digitsResource("mlp", "2.0.0"),
          modelsDir.resolve("digits/2.0.0/model.pt"));
      Fixtures.await(() -> ops.rollouts().get("digits", "stable").isPresent(), 60);
      Rollout r = ops.rollouts().get("digits", "stable").orElseThrow();
      System.out.println(r); // Rollout[digits:stable 1.0.0 -> 2.0.0 RUNNING step 1/4 (1%)]
      ops.rollouts().pause("digits", "stable");  // holds the split where it is
      ops.rollouts().resume("digits", "stable");
      ops.rollouts().abort("digits", "stable");  // "stable" back to 1.0.0
      // README-SNIPPET-END
      // spotless:on
      assertEquals(Rollout.State.RUNNING, r.state(), r.toString());
      assertEquals(1, r.percent());
      assertEquals(AliasTarget.of(Version.parse("1.0.0")), runtime.aliases("digits").get("stable"));
      assertEquals(
          Rollout.State.ABORTED, ops.rollouts().get("digits", "stable").orElseThrow().state());
    }
  }

  @Test
  void readme_quotesTheSnippetVerbatim() throws Exception {
    List<String> src =
        Files.readAllLines(Path.of("src/test/java/io/maasdk/ops/ReadmeRolloutTest.java"));
    int from = indexOf(src, "    " + START) + 1;
    int to = indexOf(src, "      " + END);
    String snippet =
        dedent(src.subList(from, to)).stream()
            .filter(
                l ->
                    !l.contains("TestModels.")
                        && !l.contains("Fixtures.")
                        && !l.contains("modelsDir.resolve(\"digits/2.0.0"))
            .collect(Collectors.joining("\n"));
    String readme = Files.readString(Path.of("../README.md"));
    int section = readme.indexOf("## Rolling out a new version");
    assertTrue(section >= 0, "README has no 'Rolling out a new version' section");
    int code = readme.indexOf("```java\n", section) + "```java\n".length();
    String quoted = readme.substring(code, readme.indexOf("```", code)).stripTrailing();
    assertEquals(snippet, quoted, "README and ReadmeRolloutTest differ: keep them in step");
  }

  private static int indexOf(List<String> lines, String line) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).equals(line)) {
        return i;
      }
    }
    throw new AssertionError("no line '" + line + "'");
  }

  private static List<String> dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return lines.stream()
        .map(l -> l.isBlank() ? "" : l.substring(indent))
        .collect(Collectors.toList());
  }

  @SuppressWarnings("unused")
  private static String join(String... parts) {
    return Arrays.stream(parts).collect(Collectors.joining());
  }
}
