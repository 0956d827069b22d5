package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.Version;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestTest {
  private static final String SHA = "a".repeat(64);

  @Test
  void roundTrip() {
    Manifest m =
        new Manifest(
            "digits",
            Version.parse("1.2.3"),
            List.of(
                new Manifest.FileEntry("model.pt.tink", 42, SHA),
                new Manifest.FileEntry("assets/labels.txt", 7, SHA.replace('a', 'b'))));
    assertEquals(m, Manifest.parse(m.toJson()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "{}",
        "null",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[]}",
        "{\"format\":\"maasdk-manifest/v2\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[F]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"x\",\"files\":[F]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"name\":\"e\",\"version\":\"1.0.0\",\"files\":[F]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[F],\"x\":1}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[F,F]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[F]} x",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[F]",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"/etc\",\"version\":\"1.0.0\",\"files\":[F]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a/../../b\",\"size\":1,\"sha256\":\"S\"}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a\",\"size\":1.5,\"sha256\":\"S\"}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a\",\"size\":-1,\"sha256\":\"S\"}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a\",\"size\":1,\"sha256\":\"xyz\"}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a\",\"size\":1}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":[{\"path\":\"a\\u0000\",\"size\":1,\"sha256\":\"S\"}]}",
        "{\"format\":\"maasdk-manifest/v1\",\"name\":\"d\",\"version\":\"1.0.0\",\"files\":{\"a\":[[[[[[1]]]]]]}}"
      })
  void parse_invalid_refused(String json) {
    String text =
        json.replace("F", "{\"path\":\"model.pt\",\"size\":1,\"sha256\":\"S\"}")
            .replace("\"S\"", "\"" + SHA + "\"");
    assertThrows(
        IllegalArgumentException.class,
        () -> Manifest.parse(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void parse_invalidUtf8_refused() {
    assertThrows(
        IllegalArgumentException.class, () -> Manifest.parse(new byte[] {'{', (byte) 0xC3, '}'}));
  }
}
