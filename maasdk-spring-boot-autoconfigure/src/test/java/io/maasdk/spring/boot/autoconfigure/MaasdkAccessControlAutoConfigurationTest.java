package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.security.AccessControl;
import io.maasdk.security.ApiKeys;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.MasterKey;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Access control from {@code maasdk.security.*}: a real master key file, a real PRF keyset
 * encrypted under it, real API keys, and the real digits model deployed by the starter's admin
 * principal.
 */
@ExtendWith(OutputCaptureExtension.class)
class MaasdkAccessControlAutoConfigurationTest {

  @TempDir static Path tmp;
  static Path repository;
  static Path masterKey;
  static Path apiKeyKeyset;
  static Path cleartextKeyset;
  static String checkoutKey;
  static String checkoutHash;
  static String adminKey;
  static float[] sample;

  @BeforeAll
  static void keys() {
    repository = TestModels.writeDigitsRepository(tmp.resolve("models"));
    sample = TestModels.digitsTestSet().features()[0];
    masterKey = tmp.resolve("master.json");
    MasterKey master = MasterKey.createLocal(masterKey);
    KeysetHandle prf = KeyPurpose.PRF.generate();
    apiKeyKeyset = tmp.resolve("api-keys.json");
    KeysetLoader.encrypted(master).write(prf, apiKeyKeyset);
    cleartextKeyset = tmp.resolve("api-keys-cleartext.json");
    KeysetLoader.insecureCleartext("test").write(prf, cleartextKeyset);
    checkoutKey = ApiKeys.newKey();
    checkoutHash = ApiKeys.of(prf).hash(checkoutKey);
    adminKey = ApiKeys.newKey();
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MaasdkAutoConfiguration.class, MaasdkAccessControlAutoConfiguration.class))
          .withPropertyValues(
              "maasdk.drain-timeout=2s",
              "maasdk.repository.root=" + repository,
              "maasdk.models.digits-mlp.input-length=64",
              "maasdk.aliases.digits-mlp.stable=2.0.0");

  private ApplicationContextRunner withPolicy() {
    return runner.withPropertyValues(
        "maasdk.security.master-key=file:" + masterKey,
        "maasdk.security.api-key-keyset=file:" + apiKeyKeyset,
        "maasdk.security.access.roles.scorer[0].models=digits*",
        "maasdk.security.access.roles.scorer[0].actions=predict",
        "maasdk.security.access.principals.checkout.key-hash=" + checkoutHash,
        "maasdk.security.access.principals.checkout.tenants=acme",
        "maasdk.security.access.principals.checkout.roles=scorer",
        "maasdk.security.access.admin-api-key=" + adminKey);
  }

  private static ModelHandle<float[], float[]> digits(ModelRuntime runtime) {
    return runtime.handle("digits-mlp", "stable", float[].class, float[].class);
  }

  @Test
  void policyFromProperties_adminDeploys_principalPredicts_othersRefused(CapturedOutput out) {
    withPolicy()
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().hasSingleBean(AccessControl.class);
              ModelRuntime runtime = ctx.getBean(ModelRuntime.class);
              assertEquals(3, runtime.deployments().size()); // deployed as maasdk-admin
              ModelHandle<float[], float[]> h = digits(runtime);
              float[] y = h.predict(sample, CallOptions.builder().credentials(checkoutKey).build());
              assertThat(y).hasSize(10);
              assertThrows(AccessDeniedException.class, () -> h.predict(sample));
              assertThrows(
                  AccessDeniedException.class,
                  () ->
                      h.predict(
                          sample, CallOptions.builder().credentials(ApiKeys.newKey()).build()));
              assertThrows(
                  AccessDeniedException.class,
                  () ->
                      h.predict(
                          sample,
                          CallOptions.builder().credentials(checkoutKey).tenant("globex").build()));
              // the scorer may not move aliases; the admin may
              assertThrows(
                  AccessDeniedException.class,
                  () ->
                      runtime
                          .admin(checkoutKey)
                          .setAlias("digits-mlp", "stable", io.maasdk.Version.parse("1.0.0")));
              runtime
                  .admin(adminKey)
                  .setAlias("digits-mlp", "stable", io.maasdk.Version.parse("1.0.0"));
            });
    assertThat(out.getAll())
        .doesNotContain(adminKey)
        .doesNotContain(checkoutKey)
        .doesNotContain(checkoutHash);
  }

  @Test
  void withoutAdminKey_theStarterCannotDeploy_andStartupSaysWhoWasRefused() {
    runner
        .withPropertyValues(
            "maasdk.security.master-key=file:" + masterKey,
            "maasdk.security.api-key-keyset=file:" + apiKeyKeyset,
            "maasdk.security.access.roles.scorer[0].models=digits*",
            "maasdk.security.access.roles.scorer[0].actions=predict",
            "maasdk.security.access.principals.checkout.key-hash=" + checkoutHash,
            "maasdk.security.access.principals.checkout.roles=scorer")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .hasRootCauseInstanceOf(AccessDeniedException.class)
                  .hasStackTraceContaining("anonymous");
            });
  }

  @Test
  void anonymousRoles_fromProperties() {
    runner
        .withPropertyValues(
            "maasdk.security.master-key=file:" + masterKey,
            "maasdk.security.api-key-keyset=file:" + apiKeyKeyset,
            "maasdk.security.access.roles.everything[0].models=*",
            "maasdk.security.access.roles.everything[0].actions=predict,deploy,alias",
            "maasdk.security.access.anonymous-roles=everything",
            "maasdk.security.access.anonymous-tenant=public")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().hasSingleBean(AccessControl.class);
              assertThat(digits(ctx.getBean(ModelRuntime.class)).predict(sample)).hasSize(10);
            });
  }

  @Test
  void cleartextKeyset_isRefused_unlessInsecureCleartextIsSetOnPurpose() {
    ApplicationContextRunner cleartext =
        runner.withPropertyValues(
            "maasdk.security.api-key-keyset=file:" + cleartextKeyset,
            "maasdk.security.access.admin-api-key=" + adminKey);
    cleartext.run(
        ctx -> {
          assertThat(ctx).hasFailed();
          assertThat(ctx.getStartupFailure())
              .rootCause()
              .hasMessageContaining("maasdk.security.master-key")
              .hasMessageContaining("maasdk.security.insecure-cleartext-keysets");
        });
    cleartext
        .withPropertyValues("maasdk.security.insecure-cleartext-keysets=true")
        .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(AccessControl.class));
  }

  @Test
  void encryptedKeysetUnderAnotherMasterKey_failsStartup_namingTheKeyset() {
    Path other = tmp.resolve("other-master.json");
    MasterKey.createLocal(other);
    runner
        .withPropertyValues(
            "maasdk.security.master-key=file:" + other,
            "maasdk.security.api-key-keyset=file:" + apiKeyKeyset,
            "maasdk.security.access.admin-api-key=" + adminKey)
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .hasStackTraceContaining("maasdk.security.api-key-keyset file:" + apiKeyKeyset);
            });
  }

  @Test
  void unknownAction_failsStartup_namingTheProperty() {
    withPolicy()
        .withPropertyValues("maasdk.security.access.roles.scorer[0].actions=score")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk.security.access.roles.scorer[0].actions")
                  .hasMessageContaining("score");
            });
  }

  @Test
  void wrongKeyHash_failsStartup_namingThePrincipal_notTheHash() {
    withPolicy()
        .withPropertyValues(
            "maasdk.security.access.principals.checkout.key-hash=not-a-hash-of-anything")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk.security.access.principals.checkout")
                  .message()
                  .doesNotContain("not-a-hash-of-anything");
            });
  }

  @Test
  void accessOff_byProperty() {
    withPolicy()
        .withPropertyValues("maasdk.security.access.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(AccessControl.class);
              assertThat(digits(ctx.getBean(ModelRuntime.class)).predict(sample)).hasSize(10);
            });
  }

  @Test
  void noPolicyDeclared_noAccessControl() {
    runner.run(
        ctx ->
            assertThat(ctx)
                .hasNotFailed()
                .doesNotHaveBean(AccessControl.class)
                .doesNotHaveBean(ApiKeys.class));
  }

  @Test
  void securityModuleAbsent_noAccessControl() {
    withPolicy()
        .withClassLoader(new FilteredClassLoader(AccessControl.class))
        .run(
            ctx ->
                assertThat(ctx)
                    .hasNotFailed()
                    .doesNotHaveBean(MaasdkAccessControlAutoConfiguration.class));
  }

  @Test
  void secretKeyNames_inEveryForm_areRecognised() {
    assertThat(MaasdkSanitizingAutoConfiguration.isSecret("maasdk.security.access.admin-api-key"))
        .isTrue();
    assertThat(MaasdkSanitizingAutoConfiguration.isSecret("MAASDK_SECURITY_ACCESS_ADMIN_API_KEY"))
        .isTrue();
    assertThat(MaasdkSanitizingAutoConfiguration.isSecret("maasdk.security.access.adminApiKey"))
        .isTrue();
    assertThat(
            MaasdkSanitizingAutoConfiguration.isSecret(
                "maasdk.security.access.principals.checkout.keyHash"))
        .isTrue();
    assertThat(MaasdkSanitizingAutoConfiguration.isSecret("maasdk.security.trusted-keys"))
        .isFalse();
    assertThat(MaasdkSanitizingAutoConfiguration.isSecret("server.api-key")).isFalse();
  }
}
