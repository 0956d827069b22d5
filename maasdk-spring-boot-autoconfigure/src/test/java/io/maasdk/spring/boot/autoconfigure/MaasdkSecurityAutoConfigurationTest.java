package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.Keysets;
import io.maasdk.security.ModelSigner;
import io.maasdk.security.RequireSignatures;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code maasdk.security.trusted-keys}: signed models only, with real Tink keys and signatures. */
class MaasdkSecurityAutoConfigurationTest {

  @TempDir static Path tmp;
  static Path trusted;
  static Path signedRepo;
  static Path unsignedRepo;
  static Path otherKeyRepo;

  @BeforeAll
  static void keysAndModels() {
    KeysetHandle signing = KeyPurpose.SIGNING.generate();
    trusted = tmp.resolve("trusted.pub.json");
    KeysetLoader.publicKeys().write(Keysets.publicKeys(signing), trusted);

    signedRepo = tmp.resolve("signed");
    Path v1 = signedRepo.resolve("digits/1.0.0");
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), v1.resolve("model.pt"));
    ModelSigner.of(signing).sign(v1, "digits", "1.0.0");

    unsignedRepo = tmp.resolve("unsigned");
    TestModels.copy(
        TestModels.digitsResource("mlp", "1.0.0"), unsignedRepo.resolve("digits/1.0.0/model.pt"));

    otherKeyRepo = tmp.resolve("other");
    Path o1 = otherKeyRepo.resolve("digits/1.0.0");
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), o1.resolve("model.pt"));
    ModelSigner.of(KeyPurpose.SIGNING.generate()).sign(o1, "digits", "1.0.0");
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MaasdkSecurityAutoConfiguration.class, MaasdkAutoConfiguration.class))
          .withPropertyValues("maasdk.drain-timeout=2s");

  @Test
  void signedRepository_deploysAndServes() {
    runner
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.repository.root=" + signedRepo,
            "maasdk.models.digits.input-length=64")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().hasSingleBean(RequireSignatures.class);
              float[] out =
                  ctx.getBean(ModelRuntime.class)
                      .handle("digits", "1.0.0", float[].class, float[].class)
                      .predict(TestModels.digitsTestSet().features()[0]);
              assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], out, 1e-4f);
            });
  }

  @Test
  void unsignedRepository_failsStartup_namingTheModel() {
    runner
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.repository.root=" + unsignedRepo,
            "maasdk.models.digits.input-length=64")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .hasStackTraceContaining("digits")
                  .hasStackTraceContaining("1.0.0");
            });
  }

  @Test
  void signedByAnotherKey_failsStartup() {
    runner
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.repository.root=" + otherKeyRepo,
            "maasdk.models.digits.input-length=64")
        .run(ctx -> assertThat(ctx).hasFailed());
  }

  @Test
  void unsignedModelSpecBean_isRefusedByRequireSignatures() {
    runner
        .withPropertyValues("maasdk.security.trusted-keys=file:" + trusted)
        .withBean(
            "plain",
            ModelSpec.class,
            () ->
                ModelSpec.builder("plain", float[].class, float[].class)
                    .version("1.0.0")
                    .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
                    .translator(Codecs.floatVector(64))
                    .build())
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .hasStackTraceContaining("requires models signed by its trusted keys");
            });
  }

  @Test
  void trustedKeysSet_butSecurityModuleAbsent_failsStartupRatherThanDeployUnverified() {
    runner
        .withClassLoader(new FilteredClassLoader(RequireSignatures.class))
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.repository.root=" + unsignedRepo,
            "maasdk.models.digits.input-length=64")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk-security is not on the classpath");
            });
  }

  @Test
  void withoutTrustedKeys_noSignaturePolicy() {
    runner
        .withPropertyValues(
            "maasdk.repository.root=" + unsignedRepo, "maasdk.models.digits.input-length=64")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(RequireSignatures.class));
  }

  @Test
  void requireSignaturesOff_verifiesPropertyFoldersOnly() {
    runner
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.security.require-signatures=false")
        .withBean(
            "plain",
            ModelSpec.class,
            () ->
                ModelSpec.builder("plain", float[].class, float[].class)
                    .version("1.0.0")
                    .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
                    .translator(Codecs.floatVector(64))
                    .build())
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(RequireSignatures.class));
    runner
        .withPropertyValues(
            "maasdk.security.trusted-keys=file:" + trusted,
            "maasdk.security.require-signatures=false",
            "maasdk.repository.root=" + unsignedRepo,
            "maasdk.models.digits.input-length=64")
        .run(ctx -> assertThat(ctx).hasFailed());
  }
}
