package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.maasdk.Version;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Manifests are signed as bytes and stored next to the model, so their form is persistent: these
 * bytes were written by the hand-written JSON writer maasdk used before jackson-core (commit
 * 651f0f3), and today's code must read them and write exactly the same bytes, or every signature
 * made before would stop verifying.
 */
class ManifestFormatTest {
  private static final String A = "a".repeat(64);
  private static final String B = "0123456789abcdef".repeat(4);

  /** {@code Manifest.toJson()} of {@link #manifest()} as written by the old code. */
  private static final String WRITTEN_BY_OLD_CODE =
      "{\"format\":\"maasdk-manifest/v1\",\"name\":\"digits-v2_x\",\"version\":\"1.2.3-rc.1+b.7\","
          + "\"files\":[\n {\"path\":\"model.pt.tink\",\"size\":42,\"sha256\":\""
          + A
          + "\"},"
          + "\n {\"path\":\"assets/labels.txt\",\"size\":9007199254740993,\"sha256\":\""
          + B
          + "\"}]}\n";

  private static Manifest manifest() {
    return new Manifest(
        "digits-v2_x",
        Version.parse("1.2.3-rc.1+b.7"),
        List.of(
            new Manifest.FileEntry("model.pt.tink", 42, A),
            new Manifest.FileEntry("assets/labels.txt", 9007199254740993L, B)));
  }

  @Test
  void writesTheSameBytesAsTheOldWriter() {
    assertArrayEquals(WRITTEN_BY_OLD_CODE.getBytes(StandardCharsets.UTF_8), manifest().toJson());
  }

  @Test
  void readsWhatTheOldWriterWrote() {
    assertEquals(manifest(), Manifest.parse(WRITTEN_BY_OLD_CODE.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void readsEscapesTheOldReaderAccepted() {
    String escaped =
        WRITTEN_BY_OLD_CODE
            .replace("\"model.pt.tink\"", "\"model\\u002ept\\/tink\"")
            .replace("assets/labels.txt", "assets\\/labels.txt");
    Manifest m = Manifest.parse(escaped.getBytes(StandardCharsets.UTF_8));
    assertEquals("model.pt/tink", m.files().get(0).path());
    assertEquals("assets/labels.txt", m.files().get(1).path());
  }
}
