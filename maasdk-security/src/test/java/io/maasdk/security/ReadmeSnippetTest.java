package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.security.cli.MaasdkCli;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code of README-security.md, compiled and run. Keep the two in step. */
class ReadmeSnippetTest {
  @TempDir Path tmp;

  @Test
  void snippet() {
    // Files the CLI walk-through produces.
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("plain/model.pt"));
    String m = tmp.resolve("master.json").toString();
    cli("keys", "create-master", "--out", m);
    cli(
        "keys",
        "create",
        "--type",
        "artifact",
        "--out",
        tmp.resolve("artifact.json").toString(),
        "--master-key",
        m);
    cli(
        "keys",
        "create",
        "--type",
        "signing",
        "--out",
        tmp.resolve("signing.json").toString(),
        "--public-out",
        tmp.resolve("signing.pub.json").toString(),
        "--master-key",
        m);
    cli(
        "keys",
        "create",
        "--type",
        "prf",
        "--out",
        tmp.resolve("prf.json").toString(),
        "--master-key",
        m);
    cli(
        "keys",
        "create",
        "--type",
        "audit",
        "--out",
        tmp.resolve("audit.json").toString(),
        "--master-key",
        m);
    cli(
        "model",
        "encrypt",
        "--name",
        "digits",
        "--version",
        "1.0.0",
        "--in",
        tmp.resolve("plain").toString(),
        "--out",
        tmp.resolve("models/digits/1.0.0").toString(),
        "--keyset",
        tmp.resolve("artifact.json").toString(),
        "--master-key",
        m);
    cli(
        "model",
        "sign",
        "--name",
        "digits",
        "--version",
        "1.0.0",
        "--dir",
        tmp.resolve("models/digits/1.0.0").toString(),
        "--keyset",
        tmp.resolve("signing.json").toString(),
        "--master-key",
        m);
    Path keys = tmp;
    Path modelDir = tmp.resolve("models/digits/1.0.0");
    float[] pixels = TestModels.digitsTestSet().features()[0];

    // README-SNIPPET-START
    MasterKey master = MasterKey.local(keys.resolve("master.json"));
    KeysetLoader loader = KeysetLoader.encrypted(master);
    KeysetHandle artifactKeys = loader.fromFile(keys.resolve("artifact.json"));
    KeysetHandle trusted = KeysetLoader.publicKeys().fromFile(keys.resolve("signing.pub.json"));
    ApiKeys apiKeys = ApiKeys.of(loader.fromFile(keys.resolve("prf.json")));

    String checkoutKey = ApiKeys.newKey(); // hand to the caller once
    String checkoutHash = apiKeys.hash(checkoutKey); // store only this
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("ops", Permission.of("*", Action.DEPLOY, Action.UNDEPLOY, Action.ALIAS))
            .principal("checkout", checkoutHash, List.of("acme"), "scorer") // acts for tenant acme
            .anonymous("ops") // or give ops an API key and manage through runtime.admin(opsKey)
            .build();
    SwappablePolicy policies = SwappablePolicy.of(policy); // replaceable while serving

    try (AuditLog audit =
            AuditLog.open(keys.resolve("audit.log"), loader.fromFile(keys.resolve("audit.json")));
        ModelRuntime runtime =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(RequireSignatures.by(trusted)) // every model must be signed
                .interceptor(AccessControl.of(policies, apiKeys))
                .interceptor(audit.managementRecorder())
                .listener(audit.callListener())
                .build()) {
      runtime.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .source(
                  EncryptedModelSource.builder(modelDir, artifactKeys)
                      .signatures(SignaturePolicy.required(trusted))
                      .auditTo(audit)
                      .build())
              .translator(Codecs.floatVector(64))
              .build());
      ModelHandle<float[], float[]> digits =
          runtime.handle("digits", "1.0.0", float[].class, float[].class);
      float[] logits =
          digits.predict(pixels, CallOptions.builder().credentials(checkoutKey).build());

      policies.swap(policy.withoutPrincipal("checkout")); // revoke: its next call is refused
      // README-SNIPPET-END
      assertEquals(
          TestModels.argmax(TestModels.expectedLogits("mlp", "1.0.0")[0]),
          TestModels.argmax(logits));
      assertThrows(
          AccessDeniedException.class,
          () -> digits.predict(pixels, CallOptions.builder().credentials(checkoutKey).build()));
    }
    cli(
        "audit",
        "verify",
        "--log",
        tmp.resolve("audit.log").toString(),
        "--keyset",
        tmp.resolve("audit.json").toString(),
        "--master-key",
        m);
  }

  private static void cli(String... args) {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code =
        MaasdkCli.run(
            args,
            new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
            new java.io.PrintStream(err));
    assertEquals(0, code, String.join(" ", args) + ": " + err);
  }
}
