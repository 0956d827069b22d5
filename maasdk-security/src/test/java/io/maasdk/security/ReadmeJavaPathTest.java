package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README-security.md's "Steps 2 and 3 from Java", compiled and run: keys, encryption and signing
 * from the Java API, then a deploy from the encrypted, signed folder. Keep the two in step.
 */
class ReadmeJavaPathTest {
  @TempDir Path tmp;

  @Test
  void keysEncryptAndSignFromJava_thenDeployTheEncryptedModel() throws Exception {
    Path keys = Files.createDirectory(tmp.resolve("keys"));
    Path models = tmp.resolve("models");
    Path plain = tmp.resolve("plain");
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), plain.resolve("model.pt"));

    // --- README-security.md, "Steps 2 and 3 from Java" ---
    MasterKey master = MasterKey.createLocal(keys.resolve("master.json"));
    KeysetLoader loader = KeysetLoader.encrypted(master);
    KeysetHandle artifactKeys = KeyPurpose.ARTIFACT.generate();
    KeysetHandle signingKeys = KeyPurpose.SIGNING.generate();
    loader.write(artifactKeys, keys.resolve("artifact.json"));
    loader.write(signingKeys, keys.resolve("signing.json"));
    KeysetLoader.publicKeys()
        .write(Keysets.publicKeys(signingKeys), keys.resolve("signing.pub.json"));

    Path modelDir = models.resolve("digits/1.0.0");
    ArtifactCipher.of(artifactKeys).encryptDirectory("digits", "1.0.0", plain, modelDir);
    ModelSigner.of(signingKeys).sign(modelDir, "digits", "1.0.0");
    // --- end of the snippet ---

    // What step 4 does with them: keys read back from disk, the model deployed and called.
    KeysetHandle trusted = KeysetLoader.publicKeys().fromFile(keys.resolve("signing.pub.json"));
    KeysetHandle artifactKeysRead =
        KeysetLoader.encrypted(MasterKey.local(keys.resolve("master.json")))
            .fromFile(keys.resolve("artifact.json"));
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(RequireSignatures.by(trusted))
            .build()) {
      runtime.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .source(
                  EncryptedModelSource.builder(modelDir, artifactKeysRead)
                      .signatures(SignaturePolicy.required(trusted))
                      .build())
              .translator(Codecs.floatVector(64))
              .build());
      float[] x = TestModels.digitsTestSet().features()[3];
      assertArrayEquals(
          TestModels.expectedLogits("mlp", "1.0.0")[3],
          runtime.handle("digits", "1.0.0", float[].class, float[].class).predict(x),
          1e-4f);
    }
  }
}
