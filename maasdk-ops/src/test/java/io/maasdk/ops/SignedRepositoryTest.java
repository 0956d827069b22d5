package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.Keysets;
import io.maasdk.security.ModelSigner;
import io.maasdk.security.RequireSignatures;
import io.maasdk.security.SignaturePolicy;
import io.maasdk.security.VerifyingModelSource;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 1: a watched signed repository keeps RequireSignatures semantics. */
class SignedRepositoryTest {
  private static final KeysetHandle SIGNING = KeyPurpose.SIGNING.generate();
  private static final KeysetHandle TRUSTED = Keysets.publicKeys(SIGNING);
  @TempDir Path root;

  private Path signed(String folder, String modelFile) {
    Path dir = Fixtures.version(root, folder, modelFile);
    ModelSigner.of(SIGNING).sign(dir, MODEL, folder);
    return dir;
  }

  @Test
  void unsignedOrTamperedNewVersions_areRefusedAndReported_servingVersionUntouched() {
    ModelOps ops = ModelOps.builder().build();
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(RequireSignatures.by(TRUSTED))
            .extension(ops)
            .build()) {
      signed("1.0.0", "1.0.0");
      RepositoryWatcher w =
          ops.watch(Fixtures.store(root), Fixtures.template())
              .source(v -> VerifyingModelSource.of(v.folder(), SignaturePolicy.required(TRUSTED)))
              .settle(Duration.ZERO)
              .watchInBackground(false)
              .rollOut("stable", RolloutPolicy.ofDefaults())
              .start();
      assertEquals(
          List.of(RepositoryEvent.Kind.DEPLOYED),
          w.events().stream().map(RepositoryEvent::kind).toList());

      Fixtures.version(root, "2.0.0", "2.0.0"); // never signed
      Path tampered = signed("2.1.0", "2.0.0");
      TestModels.copy(TestModels.digitsResource("mlp", "1.1.0"), tampered.resolve("model.pt"));

      List<RepositoryEvent> events = w.syncNow();

      assertEquals(
          List.of(RepositoryEvent.Kind.DEPLOY_FAILED, RepositoryEvent.Kind.DEPLOY_FAILED),
          events.stream().map(RepositoryEvent::kind).toList(),
          events.toString());
      assertEquals(Version.parse("2.0.0"), events.get(0).version());
      assertTrue(events.get(0).detail().contains("2.0.0"), events.get(0).detail());
      assertEquals(
          List.of(Version.parse("1.0.0")),
          runtime.deployments().stream().map(d -> d.version()).toList());
      assertTrue(ops.rollouts().list().isEmpty(), "nothing to roll out");
      assertArrayEquals(
          TestModels.expectedLogits("mlp", "1.0.0")[0],
          runtime
              .handle(MODEL, "stable", float[].class, float[].class)
              .predict(Fixtures.TEST_SET.features()[0]),
          1e-4f);
    }
  }
}
