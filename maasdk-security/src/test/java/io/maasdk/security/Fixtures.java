package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Shared test helpers: keys, model folders, deploy-and-predict. */
final class Fixtures {
  static final KeysetHandle ARTIFACT_KEYS = KeyPurpose.ARTIFACT.generate();
  static final KeysetHandle SIGNING_KEYS = KeyPurpose.SIGNING.generate();
  static final KeysetHandle TRUSTED = Keysets.publicKeys(SIGNING_KEYS);

  private Fixtures() {}

  /** Plain model.pt of digits-mlp {@code version} in {@code dir/plain-<version>}. */
  static Path plain(Path dir, String version) {
    Path d = dir.resolve("plain-" + version);
    TestModels.copy(TestModels.digitsResource("mlp", version), d.resolve("model.pt"));
    return d;
  }

  /** An encrypted folder for digits@version under {@code keys}. */
  static Path encrypted(Path dir, String name, String version, KeysetHandle keys) {
    Path out = dir.resolve("enc-" + name + "-" + version);
    ArtifactCipher.of(keys).encryptDirectory(name, version, plain(dir, version), out);
    return out;
  }

  static ModelRuntime runtime() {
    return ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
  }

  static ModelSpec<float[], float[]> spec(String name, String version, ModelSource source) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version(version)
        .source(source)
        .translator(Codecs.floatVector(64))
        .build();
  }

  /** Deploys, predicts the first 16 test digits and compares with PyTorch's logits. */
  static void assertSameLogits(ModelRuntime rt, String name, String version, String trained) {
    float[][] expected = TestModels.expectedLogits("mlp", trained);
    float[][] x = TestModels.digitsTestSet().features();
    var h = rt.handle(name, version, float[].class, float[].class);
    for (int i = 0; i < expected.length; i++) {
      float[] y = h.predict(x[i]);
      assertEquals(expected[i].length, y.length);
      for (int j = 0; j < y.length; j++) {
        assertEquals(expected[i][j], y[j], 1e-4, "sample " + i + " logit " + j);
      }
    }
  }

  /** Every path under {@code dir}, to check that a failure left nothing behind. */
  static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).sorted().collect(Collectors.toList());
    }
  }

  static void assertSameBytes(byte[] a, byte[] b) {
    assertArrayEquals(a, b);
  }
}
