package io.maasdk.security;

import static io.maasdk.security.Fixtures.ARTIFACT_KEYS;
import static io.maasdk.security.Fixtures.SIGNING_KEYS;
import static io.maasdk.security.Fixtures.TRUSTED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.security.internal.MemoryFiles;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX models reach ONNX Runtime as an owner-only file in RAM-backed tmpfs that is gone once the
 * engine has loaded it; the plaintext never touches a disk-backed file system.
 */
class OnnxHandoffTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Path SHM = Path.of("/dev/shm");

  @TempDir Path tmp;
  private Path plain;
  private Path enc;

  @BeforeEach
  void encryptAndSign() {
    plain = tmp.resolve("plain");
    TestModels.copy(TestModels.digitsOnnxResource(), plain.resolve("model.onnx"));
    enc = tmp.resolve("enc");
    ArtifactCipher.of(ARTIFACT_KEYS).encryptDirectory("digits", "1.0.0", plain, enc);
    ModelSigner.of(SIGNING_KEYS).sign(enc, "digits", "1.0.0");
  }

  private ModelSource source(boolean tmpfs) {
    return EncryptedModelSource.builder(enc, ARTIFACT_KEYS)
        .signatures(SignaturePolicy.required(TRUSTED))
        .tmpfsHandoff(tmpfs)
        .build();
  }

  @Test
  void onnxGoesThroughAnOwnerOnlyTmpfsFileThatCloseDeletes() throws IOException {
    assumeTrue(MemoryFiles.available(), "no RAM-backed tmpfs on this machine");
    Path file;
    try (ModelArtifact a = source(true).open("digits", V1)) {
      file = a.path().orElseThrow();
      assertEquals("tmpfs", Files.getFileStore(file).type());
      assertEquals("model.onnx", a.fileName());
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertEquals(
          "rwx------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
      assertArrayEquals(Files.readAllBytes(plain.resolve("model.onnx")), Files.readAllBytes(file));
    }
    assertFalse(Files.exists(file));
    assertFalse(Files.exists(file.getParent()));
  }

  @Test
  void withoutTmpfsHandoffThePlaintextStaysOnTheHeap() throws IOException {
    try (ModelArtifact a = source(false).open("digits", V1);
        InputStream in = a.openStream()) {
      assertTrue(a.path().isEmpty());
      assertArrayEquals(Files.readAllBytes(plain.resolve("model.onnx")), in.readAllBytes());
    }
  }

  @Test
  void onnxRuntimeServesTheDecryptedModelAndNothingIsLeftInTmpfs() throws IOException {
    List<Path> before = ours();
    try (ModelRuntime rt = Fixtures.runtime()) {
      rt.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .engine("OnnxRuntime")
              .source(source(true))
              .translator(Codecs.floatVector(64))
              .build());
      Fixtures.assertSameLogits(rt, "digits", "1.0.0", "1.0.0");
      assertEquals(before, ours());
    }
  }

  @Test
  void aFlippedBitIsRefusedBeforeAnythingReachesTmpfs() throws IOException {
    Path f = enc.resolve("model.onnx.tink");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0x01);
    }
    List<Path> before = ours();
    IntegrityException e =
        assertThrows(IntegrityException.class, () -> source(true).open("digits", V1));
    assertTrue(e.getMessage().contains("model.onnx.tink"), e.getMessage());
    assertEquals(before, ours());
  }

  @Test
  void aFileNamedOnnxThatIsNotOnnx_isCheckedWhole_fromTheHeap() throws IOException {
    Path odd = tmp.resolve("odd");
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), odd.resolve("model.onnx"));
    Path oddEnc = tmp.resolve("odd-enc");
    ArtifactCipher.of(ARTIFACT_KEYS).encryptDirectory("digits", "1.0.0", odd, oddEnc);
    List<Path> before = ours();
    ModelSource s = EncryptedModelSource.builder(oddEnc, ARTIFACT_KEYS).tmpfsHandoff(true).build();
    try (ModelArtifact a = s.open("digits", V1);
        InputStream in = a.openStream()) {
      assertTrue(a.path().isEmpty(), "a TorchScript archive is not handed over as ONNX");
      assertArrayEquals(Files.readAllBytes(odd.resolve("model.onnx")), in.readAllBytes());
    }
    assertEquals(before, ours());
  }

  @Test
  void foldersLeftByADeadProcessAreRemoved() throws IOException {
    assumeTrue(MemoryFiles.available(), "no RAM-backed tmpfs on this machine");
    long dead = deadPid();
    Path stale = Files.createDirectory(SHM.resolve("maasdk-" + dead + "-test"));
    Files.write(stale.resolve("model.onnx"), new byte[] {8, 1});
    try (ModelArtifact a = source(true).open("digits", V1)) {
      assertTrue(a.path().isPresent());
    }
    assertFalse(Files.exists(stale));
  }

  private static long deadPid() {
    for (long pid = 4_000_000; ; pid--) {
      if (ProcessHandle.of(pid).isEmpty()) {
        return pid;
      }
    }
  }

  /** This process's maasdk folders in tmpfs. */
  private static List<Path> ours() throws IOException {
    if (!Files.isDirectory(SHM)) {
      return List.of();
    }
    String prefix = "maasdk-" + ProcessHandle.current().pid() + "-";
    try (Stream<Path> s = Files.list(SHM)) {
      return s.filter(p -> p.getFileName().toString().startsWith(prefix))
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
