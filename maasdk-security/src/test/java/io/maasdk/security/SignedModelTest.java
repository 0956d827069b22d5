package io.maasdk.security;

import static io.maasdk.security.Fixtures.ARTIFACT_KEYS;
import static io.maasdk.security.Fixtures.SIGNING_KEYS;
import static io.maasdk.security.Fixtures.TRUSTED;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import io.maasdk.security.internal.TinkInit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedModelTest {
  private static final Version V1 = Version.parse("1.0.0");

  @TempDir Path tmp;

  private Path signedEncrypted() {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    ModelSigner.of(SIGNING_KEYS).sign(enc, "digits", "1.0.0");
    return enc;
  }

  private ModelSource required(Path dir) {
    return EncryptedModelSource.builder(dir, ARTIFACT_KEYS)
        .signatures(SignaturePolicy.required(TRUSTED))
        .build();
  }

  private IntegrityException refused(ModelSource s, String file) {
    IntegrityException e = assertThrows(IntegrityException.class, () -> s.open("digits", V1));
    assertTrue(e.getMessage().contains("digits@1.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains(file), e.getMessage());
    return e;
  }

  /** Signs hand-written manifest JSON with the trusted key, as a malicious publisher could. */
  private static void writeSigned(Path dir, String json) throws Exception {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    PublicKeySign s = SIGNING_KEYS.getPrimitive(TinkInit.config(), PublicKeySign.class);
    Files.write(dir.resolve(ModelSigner.MANIFEST), b);
    Files.write(dir.resolve(ModelSigner.SIGNATURE), s.sign(ModelSigner.signedBytes(b)));
  }

  @Test
  void encryptSignDeploy_givesSameLogitsAsPlaintext() {
    Path enc = signedEncrypted();
    try (ModelRuntime rt = Fixtures.runtime()) {
      rt.deploy(Fixtures.spec("digits", "1.0.0", required(enc)));
      Fixtures.assertSameLogits(rt, "digits", "1.0.0", "1.0.0");
    }
  }

  @Test
  void plaintextSigned_verifies() throws IOException {
    Path plain = Fixtures.plain(tmp, "1.0.0");
    ModelSigner.of(SIGNING_KEYS).sign(plain, "digits", "1.0.0");
    try (ModelArtifact a =
        VerifyingModelSource.of(plain, SignaturePolicy.required(TRUSTED)).open("digits", V1)) {
      assertEquals("model.pt", a.fileName());
    }
  }

  @Test
  void unsigned_underRequirePolicy_refused() {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("unsigned"));
  }

  @Test
  void unsigned_underIfPresentPolicy_loads() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    EncryptedModelSource.builder(enc, ARTIFACT_KEYS)
        .signatures(SignaturePolicy.ifPresent(TRUSTED))
        .build()
        .open("digits", V1)
        .close();
  }

  @Test
  void signedByUntrustedKey_refused() {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    ModelSigner.of(KeyPurpose.SIGNING.generate()).sign(enc, "digits", "1.0.0");
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("untrusted"));
  }

  @Test
  void manifestModifiedAfterSigning_refused() throws IOException {
    Path enc = signedEncrypted();
    Path m = enc.resolve(ModelSigner.MANIFEST);
    Files.writeString(m, Files.readString(m).replace("\"size\":", "\"size\": "));
    refused(required(enc), "manifest.json");
  }

  @Test
  void digestMismatch_refused() throws IOException {
    Path enc = signedEncrypted();
    Path f = enc.resolve("model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    b[b.length / 2] ^= 1;
    Files.write(f, b);
    assertTrue(refused(required(enc), "model.pt.tink").getMessage().contains("SHA-256"));
  }

  @Test
  void sizeMismatch_refused() throws IOException {
    Path enc = signedEncrypted();
    Files.write(
        enc.resolve("model.pt.tink"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    refused(required(enc), "model.pt.tink");
  }

  @Test
  void manifestForOtherVersion_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    ModelSigner.of(SIGNING_KEYS).sign(enc, "digits", "1.1.0");
    refused(required(enc), "manifest.json");
  }

  @Test
  void sideFileTampered_refused() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Files.writeString(enc.resolve("labels.txt"), "0\n1\n");
    ModelSigner.of(SIGNING_KEYS).sign(enc, "digits", "1.0.0");
    required(enc).open("digits", V1).close();
    Files.writeString(enc.resolve("labels.txt"), "1\n0\n");
    refused(required(enc), "labels.txt");
  }

  @Test
  void dotDotPath_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, manifest("../enc-digits-1.0.0/model.pt.tink"));
    refused(required(enc), "manifest.json");
  }

  @Test
  void absolutePath_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, manifest(enc.resolve("model.pt.tink").toAbsolutePath().toString()));
    refused(required(enc), "manifest.json");
  }

  @Test
  void symlinkLeavingFolder_refused() throws Exception {
    Path enc = signedEncrypted();
    Path outside = tmp.resolve("outside.tink");
    Files.move(enc.resolve("model.pt.tink"), outside);
    Files.createSymbolicLink(enc.resolve("model.pt.tink"), outside);
    assertTrue(refused(required(enc), "model.pt.tink").getMessage().contains("symbolic link"));
    // Without a manifest the same link is refused too.
    Files.delete(enc.resolve(ModelSigner.MANIFEST));
    Files.delete(enc.resolve(ModelSigner.SIGNATURE));
    refused(EncryptedModelSource.of(enc, ARTIFACT_KEYS), "model.pt.tink");
  }

  @Test
  void unsafeModelNameInManifest_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, manifest("model.pt.tink").replace("\"digits\"", "\"../digits\""));
    refused(required(enc), "manifest.json");
  }

  @Test
  void oversizedManifest_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, manifest("model.pt.tink") + " ".repeat(Manifest.MAX_BYTES));
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("limit"));
  }

  @Test
  void unknownField_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(
        enc, manifest("model.pt.tink").replace("{\"format\"", "{\"exec\":\"x\",\"format\""));
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("unknown field"));
  }

  @Test
  void deeplyNested_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, "[".repeat(10_000) + "]".repeat(10_000));
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("deeper"));
  }

  @Test
  void malformed_refused() throws Exception {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    writeSigned(enc, manifest("model.pt.tink").substring(0, 40));
    assertTrue(refused(required(enc), "manifest.json").getMessage().contains("malformed"));
  }

  @Test
  void verifyingSourceOnEncryptedFolder_refusedWithHint() {
    Path enc = signedEncrypted();
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () ->
                VerifyingModelSource.of(enc, SignaturePolicy.required(TRUSTED)).open("digits", V1));
    assertTrue(e.getMessage().contains("EncryptedModelSource"), e.getMessage());
    assertEquals(
        "digits", SignaturePolicy.required(TRUSTED).verifyFolder(enc, "digits", V1).name());
  }

  @Test
  void keyUse_isAudited() {
    Path enc = signedEncrypted();
    Path log = tmp.resolve("audit.log");
    KeysetHandle auditKey = KeyPurpose.AUDIT.generate();
    try (AuditLog a = AuditLog.open(log, auditKey)) {
      ModelSource s = EncryptedModelSource.builder(enc, ARTIFACT_KEYS).auditTo(a).build();
      assertDoesNotThrow(() -> s.open("digits", V1).close());
      ModelSource wrong =
          EncryptedModelSource.builder(enc, KeyPurpose.ARTIFACT.generate()).auditTo(a).build();
      assertThrows(IntegrityException.class, () -> wrong.open("digits", V1));
    }
    assertEquals(AuditVerification.ok(2), AuditLog.verify(log, auditKey));
  }

  @Test
  void encrypt_refusesSymlinks() throws IOException {
    Path plain = Fixtures.plain(tmp, "1.0.0");
    Files.createSymbolicLink(plain.resolve("link.pt"), plain.resolve("model.pt"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ArtifactCipher.of(ARTIFACT_KEYS)
                .encryptDirectory("digits", "1.0.0", plain, tmp.resolve("out")));
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelSigner.of(SIGNING_KEYS).sign(plain, "digits", "1.0.0"));
  }

  @Test
  void signatureCoversCiphertext_soTamperIsCaughtBeforeDecryption() throws IOException {
    Path enc = signedEncrypted();
    Manifest m = Manifest.parse(Files.readAllBytes(enc.resolve(ModelSigner.MANIFEST)));
    assertEquals(
        List.of("model.pt.tink"), m.files().stream().map(Manifest.FileEntry::path).toList());
  }

  private String manifest(String path) throws IOException {
    Path f = tmp.resolve("enc-digits-1.0.0/model.pt.tink");
    return "{\"format\":\"maasdk-manifest/v1\",\"name\":\"digits\",\"version\":\"1.0.0\","
        + "\"files\":[{\"path\":\""
        + path
        + "\",\"size\":"
        + Files.size(f)
        + ",\"sha256\":\""
        + ModelSigner.sha256(f)
        + "\"}]}";
  }
}
