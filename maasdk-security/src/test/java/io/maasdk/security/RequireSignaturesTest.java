package io.maasdk.security;

import static io.maasdk.security.Fixtures.ARTIFACT_KEYS;
import static io.maasdk.security.Fixtures.SIGNING_KEYS;
import static io.maasdk.security.Fixtures.TRUSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.IntegrityException;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.spi.DeviceInventory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A runtime-wide policy: only models whose source requires a signature by the trusted keys. */
class RequireSignaturesTest {
  @TempDir Path tmp;
  private ModelRuntime runtime;
  private Path enc;

  @BeforeEach
  void start() {
    runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(RequireSignatures.by(TRUSTED))
            .build();
    enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    ModelSigner.of(SIGNING_KEYS).sign(enc, "digits", "1.0.0");
  }

  @AfterEach
  void stop() {
    runtime.close();
  }

  private void assertRefused(ModelSource source, String why) {
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> runtime.deploy(Fixtures.spec("digits", "1.0.0", source)),
            why);
    assertTrue(
        e.getMessage().contains("digits@1.0.0")
            && e.getMessage().contains("requires models signed by its trusted keys"),
        e.getMessage());
    assertEquals(List.of(), runtime.deployments(), why);
  }

  @Test
  void sourcesThatDoNotRequireTheTrustedSignatureAreRefusedBeforeLoading() {
    assertRefused(ModelSource.directory(Fixtures.plain(tmp, "1.0.0")), "a plain folder");
    assertRefused(EncryptedModelSource.of(enc, ARTIFACT_KEYS), "encrypted but not verified");
    assertRefused(
        EncryptedModelSource.builder(enc, ARTIFACT_KEYS)
            .signatures(SignaturePolicy.ifPresent(TRUSTED))
            .build(),
        "signature only if present");
    assertRefused(
        EncryptedModelSource.builder(enc, ARTIFACT_KEYS)
            .signatures(SignaturePolicy.required(Keysets.publicKeys(KeyPurpose.SIGNING.generate())))
            .build(),
        "other trusted keys");
  }

  @Test
  void aSourceThatRequiresTheTrustedSignatureIsDeployedAndServes() {
    runtime.deploy(
        Fixtures.spec(
            "digits",
            "1.0.0",
            EncryptedModelSource.builder(enc, ARTIFACT_KEYS)
                .signatures(SignaturePolicy.required(TRUSTED))
                .build()));
    Fixtures.assertSameLogits(runtime, "digits", "1.0.0", "1.0.0");
  }

  @Test
  void aVerifiedPlaintextFolderIsAcceptedToo() {
    Path plain = Fixtures.plain(tmp, "1.0.0");
    ModelSigner.of(SIGNING_KEYS).sign(plain, "digits", "1.0.0");
    runtime.deploy(
        Fixtures.spec(
            "digits", "1.0.0", VerifyingModelSource.of(plain, SignaturePolicy.required(TRUSTED))));
    Fixtures.assertSameLogits(runtime, "digits", "1.0.0", "1.0.0");
  }

  @Test
  void privateSigningKeysAreNotAcceptedAsTrustedKeys() {
    assertThrows(IllegalArgumentException.class, () -> RequireSignatures.by(SIGNING_KEYS));
  }
}
