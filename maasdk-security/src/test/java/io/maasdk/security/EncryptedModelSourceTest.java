package io.maasdk.security;

import static io.maasdk.security.Fixtures.ARTIFACT_KEYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EncryptedModelSourceTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static ModelRuntime runtime;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    runtime = Fixtures.runtime();
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  @Test
  void deploy_encryptedModel_givesSameLogitsAsPlaintext() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits-enc", "1.0.0", ARTIFACT_KEYS);
    assertEquals(List.of("model.pt.tink"), Fixtures.tree(enc).subList(1, 2));
    byte[] plain = Files.readAllBytes(tmp.resolve("plain-1.0.0/model.pt"));
    byte[] stored = Files.readAllBytes(enc.resolve("model.pt.tink"));
    assertTrue(indexOf(stored, Arrays.copyOfRange(plain, 0, 64)) < 0, "ciphertext holds plaintext");

    runtime.deploy(
        Fixtures.spec("digits-enc", "1.0.0", EncryptedModelSource.of(enc, ARTIFACT_KEYS)));
    Fixtures.assertSameLogits(runtime, "digits-enc", "1.0.0", "1.0.0");
  }

  @Test
  void open_returnsInMemoryArtifact_noPathAndSameBytes() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    byte[] plain = Files.readAllBytes(tmp.resolve("plain-1.0.0/model.pt"));
    try (ModelArtifact a = EncryptedModelSource.of(enc, ARTIFACT_KEYS).open("digits", V1);
        InputStream in = a.openStream()) {
      assertTrue(a.path().isEmpty());
      assertEquals("model.pt", a.fileName());
      Fixtures.assertSameBytes(plain, in.readAllBytes());
    }
  }

  /** Offsets: header (0..40), first segment, a middle segment, the last segment. */
  @ParameterizedTest(name = "bit flip at {0}")
  @ValueSource(strings = {"header", "first", "middle", "last", "lastByte"})
  void load_bitFlip_fails(String where) throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Path f = enc.resolve("model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    int at;
    switch (where) {
      case "header":
        at = 5;
        break;
      case "first":
        at = 100;
        break;
      case "middle":
        at = b.length / 2;
        break;
      case "last":
        at = b.length - 30;
        break;
      default:
        at = b.length - 1;
    }
    b[at] ^= 0x01;
    Files.write(f, b);
    assertRefused(enc, ARTIFACT_KEYS, "digits");
  }

  @Test
  void load_truncatedFile_fails() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Path f = enc.resolve("model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    // Cut at a segment boundary (4096-byte segments): each remaining segment authenticates alone.
    Files.write(f, Arrays.copyOf(b, 4096 * 3));
    assertRefused(enc, ARTIFACT_KEYS, "digits");
    Files.write(f, Arrays.copyOf(b, b.length - 1));
    assertRefused(enc, ARTIFACT_KEYS, "digits");
  }

  @Test
  void load_appendedSegment_fails() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Path f = enc.resolve("model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    byte[] longer = Arrays.copyOf(b, b.length + 4096);
    System.arraycopy(b, b.length - 4096, longer, b.length, 4096);
    Files.write(f, longer);
    assertRefused(enc, ARTIFACT_KEYS, "digits");
  }

  @Test
  void load_fileSwappedFromAnotherVersion_fails() throws IOException {
    Path v1 = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Path v2 = Fixtures.encrypted(tmp, "digits", "1.1.0", ARTIFACT_KEYS);
    Files.copy(
        v2.resolve("model.pt.tink"),
        v1.resolve("model.pt.tink"),
        StandardCopyOption.REPLACE_EXISTING);
    assertRefused(v1, ARTIFACT_KEYS, "digits");
  }

  @Test
  void load_fileSwappedFromAnotherModel_fails() throws IOException {
    Path mine = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Path other = tmp.resolve("other");
    ArtifactCipher.of(ARTIFACT_KEYS)
        .encryptFile("other-model", "1.0.0", tmp.resolve("plain-1.0.0/model.pt"), other);
    Files.copy(
        other.resolve("model.pt.tink"),
        mine.resolve("model.pt.tink"),
        StandardCopyOption.REPLACE_EXISTING);
    assertRefused(mine, ARTIFACT_KEYS, "digits");
  }

  @Test
  void load_fileRenamed_fails() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    Files.move(enc.resolve("model.pt.tink"), enc.resolve("model.onnx.tink"));
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> EncryptedModelSource.of(enc, ARTIFACT_KEYS).open("digits", V1));
    assertTrue(e.getMessage().contains("model.onnx.tink"), e.getMessage());
  }

  @Test
  void load_wrongKey_fails() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    assertRefused(enc, KeyPurpose.ARTIFACT.generate(), "digits");
  }

  @Test
  void rotate_oldModelsStillLoad_reencryptMovesThem_thenOldKeyRetired() throws IOException {
    KeysetHandle original = KeyPurpose.ARTIFACT.generate();
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", original);
    byte[] before = Files.readAllBytes(enc.resolve("model.pt.tink"));
    KeysetHandle rotated = Keysets.rotate(original, KeyPurpose.ARTIFACT);
    assertEquals(2, rotated.size());
    // Old-key models still load under the rotated keyset.
    EncryptedModelSource.of(enc, rotated).open("digits", V1).close();
    // Retiring the old key before re-encrypting refuses the model ("rotated-away key").
    KeysetHandle onlyNew = Keysets.retireAllButPrimary(rotated);
    assertRefused(enc, onlyNew, "digits");
    KeysetHandle disabled = Keysets.disable(rotated, Keysets.keyIds(original).get(0));
    assertRefused(enc, disabled, "digits");
    // Re-encrypt under the new primary; now only the new key is needed.
    assertEquals(1, ArtifactCipher.of(rotated).reencryptDirectory("digits", "1.0.0", enc));
    assertTrue(!Arrays.equals(before, Files.readAllBytes(enc.resolve("model.pt.tink"))));
    byte[] plain = Files.readAllBytes(tmp.resolve("plain-1.0.0/model.pt"));
    try (ModelArtifact a = EncryptedModelSource.of(enc, onlyNew).open("digits", V1);
        InputStream in = a.openStream()) {
      Fixtures.assertSameBytes(plain, in.readAllBytes());
    }
    assertRefused(enc, original, "digits");
    assertEquals(List.of("", "model.pt.tink"), Fixtures.tree(enc), "no temporary files left");
  }

  @Test
  void deploy_tampered_nothingLoadedNothingOnDisk() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits-bad", "1.0.0", ARTIFACT_KEYS);
    Path f = enc.resolve("model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    b[b.length / 3] ^= 0x40;
    Files.write(f, b);
    List<String> treeBefore = Fixtures.tree(tmp);
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () ->
                runtime.deploy(
                    Fixtures.spec(
                        "digits-bad", "1.0.0", EncryptedModelSource.of(enc, ARTIFACT_KEYS))));
    assertTrue(e.getMessage().contains("digits-bad@1.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains("model.pt.tink"), e.getMessage());
    assertTrue(
        runtime.describe("digits-bad", Version.parse("1.0.0")).isEmpty(), "nothing deployed");
    assertEquals(treeBefore, Fixtures.tree(tmp), "nothing written to disk");
  }

  @Test
  void open_unsafeModelName_refused() throws IOException {
    Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", ARTIFACT_KEYS);
    ModelSource s = EncryptedModelSource.of(enc, ARTIFACT_KEYS);
    for (String bad : List.of("../digits", "a/b", ".hidden", "x y", "a..b", "")) {
      assertThrows(IntegrityException.class, () -> s.open(bad, V1), bad);
    }
  }

  @Test
  void open_pickledCheckpoint_refusedWithReason() throws IOException {
    Path plainDir = tmp.resolve("pickle");
    Files.createDirectories(plainDir);
    byte[] pickle = {(byte) 0x80, 0x02, 'c', 'o', 's', '\n', 's', 'y', 's', 't', 'e', 'm', '\n'};
    Files.write(plainDir.resolve("model.pt"), pickle);
    Path enc = tmp.resolve("pickle-enc");
    ArtifactCipher.of(ARTIFACT_KEYS).encryptDirectory("digits", "1.0.0", plainDir, enc);
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> EncryptedModelSource.of(enc, ARTIFACT_KEYS).open("digits", V1));
    assertTrue(e.getMessage().contains("pickled"), e.getMessage());
    assertTrue(e.getMessage().contains("model.pt"), e.getMessage());
  }

  private static void assertRefused(Path enc, KeysetHandle keys, String model) {
    IntegrityException e =
        assertThrows(
            IntegrityException.class, () -> EncryptedModelSource.of(enc, keys).open(model, V1));
    assertTrue(e.getMessage().contains(model + "@1.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains("model.pt.tink"), e.getMessage());
    assertEquals(model, e.modelName());
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static {
    TestModels.digitsTestSet(); // fail early if the testkit is missing
  }
}
