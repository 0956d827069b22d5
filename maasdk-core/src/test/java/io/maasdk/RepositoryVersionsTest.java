package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repository folders are versions exactly as {@link Version#parse} reads them; odd folders are
 * skipped and reported, never fatal for the others; build-metadata twins are one version (issue 10,
 * #10). Every folder holds a real digits model, so an answer shows whose files were served.
 */
class RepositoryVersionsTest {
  @TempDir Path dir;
  private ModelRuntime runtime;
  private final float[] x = TestModels.digitsTestSet().features()[0];

  @BeforeEach
  void start() {
    runtime = Models.runtime();
  }

  @AfterEach
  void stop() {
    runtime.close();
  }

  /** Writes digits-mlp {@code modelVersion}'s file into {@code digits/<folder>/model.pt}. */
  private void folder(String folder, String modelVersion) {
    TestModels.copy(
        TestModels.digitsResource("mlp", modelVersion),
        dir.resolve("digits").resolve(folder).resolve("model.pt"));
  }

  private ModelRepository.DeployResult deployAll() {
    return runtime.deployAll(
        ModelRepository.at(dir),
        ModelSpec.builder("digits", float[].class, float[].class)
            .translator(Codecs.floatVector(64))
            .devicePolicy(DevicePolicy.cpu()));
  }

  private float[] predict(String selector) {
    return runtime.handle("digits", selector, float[].class, float[].class).predict(x);
  }

  private static List<String> names(List<ModelRepository.Skipped> skipped) {
    return skipped.stream().map(s -> s.folder().getFileName().toString()).toList();
  }

  @Test
  void deployAll_versionNumberBeyondInt_isSkippedAndReported_andTheOthersDeploy() {
    folder("1.0.0", "1.0.0");
    folder("99999999999.0.0", "2.0.0");

    ModelRepository.DeployResult r = deployAll();

    assertEquals(List.of(Version.parse("1.0.0")), r.deployed());
    assertEquals(List.of("99999999999.0.0"), names(r.skipped()));
    assertTrue(
        r.skipped().get(0).reason().contains("must each be at most 2147483647"),
        r.skipped().get(0).reason());
    assertFalse(r.complete());
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], predict("1.0.0"), 1e-4f);
  }

  @Test
  void deployAll_folderWithSurroundingWhitespace_isSkippedNotDeployedAsTheTrimmedVersion() {
    folder(" 1.4.0", "1.0.0");
    folder("1.1.0", "1.1.0");

    ModelRepository.DeployResult r = deployAll();

    assertEquals(List.of(Version.parse("1.1.0")), r.deployed());
    assertEquals(List.of(" 1.4.0"), names(r.skipped()));
    assertTrue(r.skipped().get(0).reason().contains("leading or trailing whitespace"));
    assertTrue(runtime.describe("digits", Version.parse("1.4.0")).isEmpty());
  }

  @Test
  void deployAll_buildMetadataTwins_areBothRefused_neitherServesTheOthersFiles() {
    folder("1.2.0+build.1", "1.0.0");
    folder("1.2.0+build.2", "2.0.0");
    folder("1.0.0", "1.1.0");

    ModelRepository.DeployResult r = deployAll();

    assertEquals(List.of(Version.parse("1.0.0")), r.deployed());
    assertEquals(List.of("1.2.0+build.1", "1.2.0+build.2"), names(r.skipped()));
    assertTrue(
        r.skipped()
            .get(0)
            .reason()
            .contains(
                "folders [1.2.0+build.1, 1.2.0+build.2] of model 'digits' are one version under SemVer"),
        r.skipped().get(0).reason());
    assertTrue(runtime.describe("digits", Version.parse("1.2.0")).isEmpty());
    assertEquals(1, runtime.deployments().size());
  }

  @Test
  void deployAll_versionAlreadyDeployedUnderOtherBuild_isReportedWithTheConflict() {
    folder("1.2.0+build.1", "1.0.0");
    assertEquals(List.of(Version.parse("1.2.0")), deployAll().deployed());
    try (var files = Files.walk(dir.resolve("digits/1.2.0+build.1"))) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    folder("1.2.0+build.2", "2.0.0"); // a rebuild dropped in while build.1 serves
    folder("1.3.0", "1.1.0");

    ModelRepository.DeployResult r = deployAll();

    assertEquals(List.of(Version.parse("1.3.0")), r.deployed());
    assertEquals(List.of("1.2.0+build.2"), names(r.skipped()));
    DeploymentConflictException conflict =
        assertInstanceOf(DeploymentConflictException.class, r.skipped().get(0).error());
    assertTrue(
        conflict
            .getMessage()
            .contains(
                "digits@1.2.0+build.1 is already deployed (1.2.0"
                    + "+build.2 differs from it only in build metadata"),
        conflict.getMessage());
    // build.1 still serves its own files
    assertEquals(
        "1.2.0+build.1",
        runtime.describe("digits", Version.parse("1.2.0")).orElseThrow().version().toString());
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], predict("1.2.0"), 1e-4f);
  }

  @Test
  void deployAll_brokenModelFile_isReportedAndDoesNotStopLaterVersions() throws Exception {
    folder("1.0.0", "1.0.0");
    Files.createDirectories(dir.resolve("digits/1.1.0"));
    Files.writeString(dir.resolve("digits/1.1.0/model.pt"), "not a TorchScript archive");
    folder("2.0.0", "2.0.0");

    ModelRepository.DeployResult r = deployAll();

    assertEquals(List.of(Version.parse("1.0.0"), Version.parse("2.0.0")), r.deployed());
    assertEquals(List.of("1.1.0"), names(r.skipped()));
    assertInstanceOf(ModelLoadException.class, r.skipped().get(0).error());
  }

  @Test
  void scan_listsVersionsAndSkippedFolders_ignoresPlainFiles() throws Exception {
    folder("1.0.0", "1.0.0");
    folder("latest", "1.0.0");
    Files.writeString(dir.resolve("digits/config.pbtxt"), "name: \"digits\"");
    ModelRepository.Listing l = ModelRepository.at(dir).scan("digits");
    assertEquals(List.of(Version.parse("1.0.0")), List.copyOf(l.versions().keySet()));
    assertEquals(List.of("latest"), names(l.skipped()));
    assertNull(l.skipped().get(0).error());
    assertThrows(ModelNotFoundException.class, () -> ModelRepository.at(dir).scan("nope"));
    assertThrows(ModelNotFoundException.class, () -> ModelRepository.at(dir).scan("../x"));
  }

  @Test
  void undeploy_byBuildTwinOfAVersionALeaseNeeds_isRefused() {
    runtime.deploy(Models.digits("1.0.0").version("1.2.0+build.1").build());
    ModelHandle<float[], float[]> pinned =
        runtime.handle("digits", "1.2.0+build.1", float[].class, float[].class);
    try (ModelHandle.Lease lease = pinned.pin()) {
      DeploymentConflictException e =
          assertThrows(
              DeploymentConflictException.class, () -> runtime.undeploy("digits", "1.2.0+build.2"));
      assertTrue(
          e.getMessage()
              .startsWith("cannot undeploy digits@1.2.0+build.1: still needed by lease #"),
          e.getMessage());
      assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], pinned.predict(x), 1e-4f);

      DeploymentConflictException twin =
          assertThrows(
              DeploymentConflictException.class,
              () -> runtime.deploy(Models.digits("2.0.0").version("1.2.0+build.2").build()));
      assertTrue(twin.getMessage().contains("only in build metadata"), twin.getMessage());
    }
  }
}
