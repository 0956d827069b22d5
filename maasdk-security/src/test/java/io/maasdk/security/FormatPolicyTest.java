package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.IntegrityException;
import io.maasdk.Version;
import io.maasdk.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatPolicyTest {
  private static final Version V = Version.parse("1.0.0");

  @TempDir Path tmp;

  private static byte[] zip(String... names) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(bos)) {
      for (String n : names) {
        z.putNextEntry(new ZipEntry(n));
        z.write(new byte[] {(byte) 0x80, 2, '.'});
        z.closeEntry();
      }
    }
    return bos.toByteArray();
  }

  @Test
  void detect_torchScriptFromTestkit() throws IOException {
    byte[] b =
        Files.readAllBytes(
            TestModels.copy(TestModels.digitsResource("cnn", "1.0.0"), tmp.resolve("model.pt")));
    assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect("model.pt", b, b.length));
  }

  @Test
  void detect_variants() throws IOException {
    byte[] torchSave = zip("archive/data.pkl", "archive/data/0", "archive/version");
    assertEquals(ModelFormat.PICKLE, ModelFormat.detect("model.pt", torchSave, torchSave.length));
    byte[] ts = zip("m/data.pkl", "m/code/__torch__.py", "m/constants.pkl");
    assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect("model.pt", ts, ts.length));
    byte[] raw = {(byte) 0x80, 4, (byte) 0x95};
    assertEquals(ModelFormat.PICKLE, ModelFormat.detect("model.pt", raw, raw.length));
    byte[] onnx = {0x08, 0x07, 0x12};
    assertEquals(ModelFormat.ONNX, ModelFormat.detect("model.onnx", onnx, onnx.length));
    assertEquals(ModelFormat.UNKNOWN, ModelFormat.detect("model.pt", onnx, onnx.length));
    byte[] junkZip = {'P', 'K', 3, 4, 0, 0};
    assertEquals(ModelFormat.UNKNOWN, ModelFormat.detect("model.pt", junkZip, junkZip.length));
  }

  @Test
  void pickledCheckpoint_refusedWithClearMessage_plainSourceToo() throws IOException {
    Path dir = tmp.resolve("m");
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.pt"), zip("archive/data.pkl", "archive/data/0"));
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> VerifyingModelSource.of(dir, SignaturePolicy.none()).open("m", V));
    assertTrue(e.getMessage().contains("unpickling runs arbitrary code"), e.getMessage());
    assertTrue(e.getMessage().contains("torch.jit.save"), e.getMessage());
    assertTrue(e.getMessage().contains("m@1.0.0 file model.pt"), e.getMessage());
    // Explicitly allowing pickles (insecure) lets it through.
    VerifyingModelSource.of(
            dir, SignaturePolicy.none(), FormatPolicy.of(EnumSet.of(ModelFormat.PICKLE)))
        .open("m", V)
        .close();
  }
}
