package io.maasdk.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.CallOptions;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deployer the Spring Boot starter and the Quarkus extension share, on the digits models. */
class StartupDeployerTest {

  static StartupDeployer.DeclaredModel digits(String location, String version, String device) {
    return new StartupDeployer.DeclaredModel(
        "float-vector",
        64,
        location,
        version,
        null,
        1,
        device,
        1,
        Duration.ofMillis(2),
        100,
        false,
        10,
        true);
  }

  @Test
  void deploysEveryVersionUnderTheRoot_andASingleFile_thenSetsAliases(@TempDir Path dir) {
    Path root = TestModels.writeDigitsRepository(dir.resolve("models"));
    try (ModelRuntime runtime = ModelRuntime.builder().build()) {
      StartupDeployer.builder(runtime)
          .repositoryRoot(root)
          .build()
          .deploy(
              List.of(),
              Map.of(
                  "digits-mlp",
                  digits(null, null, "cpu"),
                  "single",
                  digits(root.resolve("digits-mlp/1.0.0/model.pt").toString(), "3.0.0", "auto")),
              Map.of("digits-mlp", Map.of("stable", "2.0.0", "canary", "1.0.0=90,2.0.0=10")));
      assertEquals(
          List.of("digits-mlp@1.0.0", "digits-mlp@1.1.0", "digits-mlp@2.0.0", "single@3.0.0"),
          runtime.deployments().stream()
              .map(d -> d.modelName() + "@" + d.version())
              .sorted()
              .toList());
      float[] x = TestModels.digitsTestSet().features()[0];
      assertEquals(
          Version.parse("2.0.0"),
          runtime
              .handle("digits-mlp", "stable", float[].class, float[].class)
              .resolve(CallOptions.ofDefaults()));
      assertArrayEquals(
          TestModels.expectedLogits("mlp", "2.0.0")[0],
          runtime.handle("digits-mlp", "stable", float[].class, float[].class).predict(x),
          1e-4f);
      assertArrayEquals(
          TestModels.expectedLogits("mlp", "1.0.0")[0],
          runtime.handle("single", "3.0.0", float[].class, float[].class).predict(x),
          1e-4f);
    }
  }

  @Test
  void wrongDeclarations_failNamingTheProperty(@TempDir Path dir) {
    Path root = TestModels.writeDigitsRepository(dir.resolve("models"));
    String file = root.resolve("digits-mlp/1.0.0/model.pt").toString();
    try (ModelRuntime runtime = ModelRuntime.builder().build()) {
      StartupDeployer deployer = StartupDeployer.builder(runtime).repositoryRoot(root).build();
      assertMessage(
          "maasdk.models.d.version is set but maasdk.models.d.location is not",
          () -> deployer.deploy(List.of(), Map.of("d", digits(null, "1.0.0", "cpu")), Map.of()));
      assertMessage(
          "maasdk.models.d.version=one.two is not a version",
          () -> deployer.deploy(List.of(), Map.of("d", digits(file, "one.two", "cpu")), Map.of()));
      assertMessage(
          "maasdk.models.d.device must be auto or cpu, was 'gpu7'",
          () -> deployer.deploy(List.of(), Map.of("d", digits(file, "1.0.0", "gpu7")), Map.of()));
      assertMessage(
          "maasdk.models.nothing-here (maasdk.repository.root=",
          () ->
              deployer.deploy(
                  List.of(), Map.of("nothing-here", digits(null, null, "cpu")), Map.of()));
      assertMessage(
          "maasdk.aliases.ghost.stable names model ghost, which is not deployed",
          () -> deployer.deploy(List.of(), Map.of(), Map.of("ghost", Map.of("stable", "1.0.0"))));
      assertMessage(
          "must be a signed model folder",
          () ->
              StartupDeployer.builder(runtime)
                  .signedOnly(true)
                  .build()
                  .deploy(List.of(), Map.of("d", digits(file, "1.0.0", "cpu")), Map.of()));
      assertEquals(List.of(), runtime.deployments(), "nothing deployed");
    }
  }

  private static void assertMessage(String expected, Runnable deploy) {
    IllegalStateException e = assertThrows(IllegalStateException.class, deploy::run);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
