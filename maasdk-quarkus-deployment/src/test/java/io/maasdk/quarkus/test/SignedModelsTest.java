package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.Keysets;
import io.maasdk.security.ModelSigner;
import io.maasdk.testkit.TestModels;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code maasdk.security.trusted-keys}: a repository signed with real Tink keys deploys and serves;
 * every deploy goes through the signature check.
 */
class SignedModelsTest {
  static final Path DIR = Path.of("target", "quarkus-test-signed").toAbsolutePath();
  static final Path TRUSTED = DIR.resolve("trusted.pub.json");
  static final Path REPOSITORY = DIR.resolve("models");

  // Runs twice (JUnit's copy of this class, then the application's): the first writes the signed
  // repository, then the trusted keys last, so their presence means the pair is complete.
  static {
    if (!Files.exists(TRUSTED)) {
      deleteRecursively(DIR);
      KeysetHandle signing = KeyPurpose.SIGNING.generate();
      Path v1 = REPOSITORY.resolve("digits/1.0.0");
      TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), v1.resolve("model.pt"));
      ModelSigner.of(signing).sign(v1, "digits", "1.0.0");
      KeysetLoader.publicKeys().write(Keysets.publicKeys(signing), TRUSTED);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.security.trusted-keys", TRUSTED.toString())
          .overrideConfigKey("maasdk.repository.root", REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits.input-length", "64")
          .overrideConfigKey("maasdk.drain-timeout", "2s");

  @Inject ModelRuntime runtime;

  @Test
  void signedRepository_deploysAndServes() {
    assertEquals(1, runtime.deployments().size());
    float[] out =
        runtime
            .handle("digits", "1.0.0", float[].class, float[].class)
            .predict(TestModels.digitsTestSet().features()[0]);
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], out, 1e-4f);
  }

  @Test
  void unsignedDeploy_isRefused() {
    ModelSpec<float[], float[]> unsigned =
        ModelSpec.builder("digits", float[].class, float[].class)
            .version("1.1.0")
            .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.1.0")))
            .translator(Codecs.floatVector(64))
            .build();
    RuntimeException e = assertThrows(RuntimeException.class, () -> runtime.deploy(unsigned));
    assertTrue(e.getMessage().contains("digits@1.1.0"), e.getMessage());
    assertEquals(1, runtime.deployments().size());
  }
}
