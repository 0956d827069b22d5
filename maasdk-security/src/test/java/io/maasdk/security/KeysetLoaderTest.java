package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysetLoaderTest {
  @TempDir Path tmp;

  @Test
  void encryptedKeyset_fileRoundTrip_andOwnerOnly() throws Exception {
    MasterKey master = MasterKey.createLocal(tmp.resolve("master.json"));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("master.json"))));
    KeysetHandle k = KeyPurpose.ARTIFACT.generate();
    KeysetLoader loader = KeysetLoader.encrypted(master);
    loader.write(k, tmp.resolve("artifact.json"));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("artifact.json"))));
    KeysetHandle back =
        KeysetLoader.encrypted(MasterKey.local(tmp.resolve("master.json")))
            .fromFile(tmp.resolve("artifact.json"));
    assertTrue(back.equalsKeyset(k));
    assertThrows(
        IllegalStateException.class, () -> MasterKey.createLocal(tmp.resolve("master.json")));
  }

  @Test
  void encryptedKeyset_fromEnvironmentAndClasspath() {
    MasterKey master = MasterKey.createLocal(tmp.resolve("master.json"));
    KeysetLoader loader = KeysetLoader.encrypted(master);
    KeysetHandle k = KeyPurpose.PRF.generate();
    String text = loader.serialize(k);
    assertTrue(
        loader.fromEnvironment("MAASDK_KEYS", Map.of("MAASDK_KEYS", text)::get).equalsKeyset(k));
    assertThrows(
        IllegalArgumentException.class,
        () -> loader.fromEnvironment("MAASDK_NOPE", Map.<String, String>of()::get));
    KeysetHandle cp =
        KeysetLoader.insecureCleartext("test").fromClasspath("test-keysets/prf-cleartext.json");
    assertEquals(1, cp.size());
  }

  @Test
  void kmsMasterKey_wrapsKeysets() throws Exception {
    com.google.crypto.tink.Aead kmsAead =
        KeyPurpose.MASTER
            .generate()
            .getPrimitive(
                io.maasdk.security.internal.TinkInit.config(), com.google.crypto.tink.Aead.class);
    com.google.crypto.tink.KmsClient fake =
        new com.google.crypto.tink.KmsClient() {
          @Override
          public boolean doesSupport(String uri) {
            return uri.startsWith("fake-kms://");
          }

          @Override
          public com.google.crypto.tink.KmsClient withCredentials(String c) {
            return this;
          }

          @Override
          public com.google.crypto.tink.KmsClient withDefaultCredentials() {
            return this;
          }

          @Override
          public com.google.crypto.tink.Aead getAead(String uri) {
            return kmsAead;
          }
        };
    KeysetLoader loader = KeysetLoader.encrypted(MasterKey.fromKms(fake, "fake-kms://key1"));
    KeysetHandle k = KeyPurpose.SIGNING.generate();
    assertTrue(loader.parse(loader.serialize(k), "kms").equalsKeyset(k));
  }

  @Test
  void wrongMasterKey_refused() {
    MasterKey a = MasterKey.createLocal(tmp.resolve("a.json"));
    MasterKey b = MasterKey.createLocal(tmp.resolve("b.json"));
    String text = KeysetLoader.encrypted(a).serialize(KeyPurpose.ARTIFACT.generate());
    IntegrityException e =
        assertThrows(IntegrityException.class, () -> KeysetLoader.encrypted(b).parse(text, "test"));
    assertTrue(e.getMessage().contains("master key"), e.getMessage());
  }

  @Test
  void cleartextKeyset_refusedByEncryptedLoader() {
    String clear = KeysetLoader.insecureCleartext("test").serialize(KeyPurpose.ARTIFACT.generate());
    MasterKey m = MasterKey.createLocal(tmp.resolve("m.json"));
    assertThrows(IntegrityException.class, () -> KeysetLoader.encrypted(m).parse(clear, "test"));
  }

  @Test
  void publicLoader_refusesSecretKeys_andLoadsPublicOnes() {
    KeysetHandle signing = KeyPurpose.SIGNING.generate();
    String secret = KeysetLoader.insecureCleartext("test").serialize(signing);
    assertThrows(IntegrityException.class, () -> KeysetLoader.publicKeys().parse(secret, "test"));
    assertThrows(
        IllegalArgumentException.class, () -> KeysetLoader.publicKeys().serialize(signing));
    String pub = KeysetLoader.publicKeys().serialize(Keysets.publicKeys(signing));
    assertEquals(1, KeysetLoader.publicKeys().parse(pub, "test").size());
  }

  @Test
  void masterKeyReadableByOthers_refused() throws Exception {
    Path f = tmp.resolve("master.json");
    MasterKey.createLocal(f);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IntegrityException e = assertThrows(IntegrityException.class, () -> MasterKey.local(f));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void keysetWithoutPrimary_refused() {
    KeysetLoader clear = KeysetLoader.insecureCleartext("test");
    String text =
        clear
            .serialize(KeyPurpose.ARTIFACT.generate())
            .replaceFirst("\"primaryKeyId\":\\s*\\d+", "\"primaryKeyId\":1");
    IntegrityException e = assertThrows(IntegrityException.class, () -> clear.parse(text, "test"));
    assertTrue(e.getMessage().contains("test"), e.getMessage());
  }

  @Test
  void keysetWithDisabledPrimary_refused() {
    KeysetLoader clear = KeysetLoader.insecureCleartext("test");
    String text = clear.serialize(KeyPurpose.ARTIFACT.generate()).replace("ENABLED", "DISABLED");
    assertThrows(IntegrityException.class, () -> clear.parse(text, "test"));
  }
}
