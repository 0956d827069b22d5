package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every source kind loads the real model and reproduces PyTorch's own logits. */
class ModelSourcesTest {
  @TempDir Path dir;
  private final ModelRuntime runtime = Models.runtime();

  @AfterEach
  void close() {
    runtime.close();
  }

  private void assertReproducesPyTorch(String version, String selector) {
    ModelHandle<float[], float[]> h =
        runtime.handle("digits", selector, float[].class, float[].class);
    float[][] expected = TestModels.expectedLogits("mlp", version);
    float[][] x = TestModels.digitsTestSet().features();
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], h.predict(x[i]), 1e-4f, "sample " + i);
    }
  }

  @Test
  void load_fromFile_matchesPyTorchLogits() {
    Path file = TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), dir.resolve("m.pt"));
    runtime.deploy(Models.digits("1.0.0").source(ModelSource.file(file)).build());
    assertReproducesPyTorch("1.0.0", "1.0.0");
  }

  @Test
  void load_fromDirectory_matchesPyTorchLogits() {
    Path file =
        TestModels.copy(TestModels.digitsResource("mlp", "2.0.0"), dir.resolve("v2/model.pt"));
    runtime.deploy(Models.digits("2.0.0").source(ModelSource.directory(file.getParent())).build());
    assertReproducesPyTorch("2.0.0", "2.0.0");
  }

  @Test
  void load_fromClasspath_matchesPyTorchLogits() {
    runtime.deploy(Models.digits("1.1.0").build());
    assertReproducesPyTorch("1.1.0", "latest");
  }

  @Test
  void load_fromRepository_deploysEveryVersionFound() throws Exception {
    TestModels.writeDigitsRepository(dir);
    Files.createDirectories(dir.resolve("digits-mlp/not-a-version")); // skipped, reported
    ModelRepository repo = ModelRepository.at(dir);
    assertEquals(List.of("digits-cnn", "digits-mlp"), List.copyOf(repo.modelNames()));

    ModelRepository.DeployResult result =
        runtime.deployAll(
            repo,
            ModelSpec.builder("digits-mlp", float[].class, float[].class)
                .translator(Codecs.floatVector(64))
                .devicePolicy(DevicePolicy.cpu()));

    List<Version> deployed = result.deployed();
    assertEquals(
        List.of(Version.parse("1.0.0"), Version.parse("1.1.0"), Version.parse("2.0.0")), deployed);
    assertEquals(
        List.of(repo.root().resolve("digits-mlp/not-a-version")),
        result.skipped().stream().map(ModelRepository.Skipped::folder).toList());
    float[] x = TestModels.digitsTestSet().features()[0];
    for (Version v : deployed) {
      float[] out =
          runtime.handle("digits-mlp", v.toString(), float[].class, float[].class).predict(x);
      assertArrayEquals(TestModels.expectedLogits("mlp", v.toString())[0], out, 1e-4f);
    }
  }

  @Test
  void cnn_heldOutAccuracy_matchesWhatPyTorchMeasured() {
    runtime.deploy(
        Models.digits("1.0.0")
            .source(ModelSource.classpath(TestModels.digitsResource("cnn", "1.0.0")))
            .build());
    ModelHandle<float[], float[]> h =
        runtime.handle("digits", "1.0.0", float[].class, float[].class);
    TestModels.DigitsTestSet test = TestModels.digitsTestSet();
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      correct += TestModels.argmax(h.predict(test.features()[i])) == test.labels()[i] ? 1 : 0;
    }
    assertEquals(TestModels.recordedAccuracy("cnn", "1.0.0"), correct / (double) test.size(), 1e-9);
  }

  @Test
  void load_missingFile_failsWithSourceAndEngine() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                runtime.deploy(
                    Models.digits("1.0.0")
                        .source(ModelSource.classpath("no/such/model.pt"))
                        .build()));
    assertTrue(e.getMessage().contains("digits@1.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains("classpath:no/such/model.pt"), e.getMessage());
    assertTrue(e.getMessage().contains("PyTorch"), e.getMessage());
    assertTrue(runtime.deployments().isEmpty());
  }

  @Test
  void load_garbageFile_failsWithEnginesCause() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.pt"), "this is not a TorchScript archive");
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () -> runtime.deploy(Models.digits("1.0.0").source(ModelSource.file(bad)).build()));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    assertTrue(e.getCause() != null);
  }

  @Test
  void source_nonexistentFile_isRejectedAtOnce() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ModelSource.file(dir.resolve("nope.pt")));
    assertTrue(e.getMessage().contains("nope.pt"));
  }
}
