package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.maasdk.spi.InputFingerprinter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in fingerprints: exact for value types, digests that tell every difference apart. */
class InputFingerprinterTest {
  private final InputFingerprinter f = InputFingerprinter.builtIn();

  record Query(String text, int topK) {}

  record Image(String name, float[] pixels) {}

  @Test
  void valueTypes_areTheirOwnKey() {
    String s = "a sentence to embed";
    assertSame(s, f.fingerprint(s));
    Query q = new Query("x", 3);
    assertSame(q, f.fingerprint(q));
    assertEquals(42, f.fingerprint(42));
  }

  @Test
  void primitiveArrays_digestByContentAndType() {
    assertEquals(f.fingerprint(new float[] {1, 2}), f.fingerprint(new float[] {1, 2}));
    assertNotEquals(f.fingerprint(new float[] {1, 2}), f.fingerprint(new float[] {1, 3}));
    assertNotEquals(
        f.fingerprint(new float[] {1}), f.fingerprint(new int[] {Float.floatToIntBits(1)}));
    assertNotEquals(f.fingerprint(new byte[] {1, 2}), f.fingerprint(new byte[] {1, 2, 0}));
    assertEquals(f.fingerprint(new byte[] {1, 2}), f.fingerprint(new byte[] {1, 2}));
    assertNotEquals(f.fingerprint(new double[0]), f.fingerprint(new long[0]));
  }

  @Test
  void listsAndMapsOfValues_becomeImmutableCopies() {
    List<String> texts = new ArrayList<>(List.of("a", "b"));
    Object key = f.fingerprint(texts);
    texts.add("c");
    assertEquals(List.of("a", "b"), key);
    Map<String, Integer> m = new HashMap<>(Map.of("a", 1));
    assertEquals(Map.of("a", 1), f.fingerprint(m));
  }

  @Test
  void containersOfArrays_digestUnambiguously() {
    List<Object> ab = List.of(new float[] {1}, new float[] {2, 3});
    List<Object> abSame = List.of(new float[] {1}, new float[] {2, 3});
    List<Object> shifted = List.of(new float[] {1, 2}, new float[] {3});
    assertEquals(f.fingerprint(ab), f.fingerprint(abSame));
    assertNotEquals(f.fingerprint(ab), f.fingerprint(shifted));
    assertEquals(
        f.fingerprint(new Image("a", new float[] {1})),
        f.fingerprint(new Image("a", new float[] {1})));
    assertNotEquals(
        f.fingerprint(new Image("a", new float[] {1})),
        f.fingerprint(new Image("a", new float[] {2})));
  }

  @Test
  void maps_digestIgnoresIterationOrder() {
    Map<String, Object> one = new LinkedHashMap<>();
    one.put("x", new int[] {1});
    one.put("y", new int[] {2});
    Map<String, Object> two = new LinkedHashMap<>();
    two.put("y", new int[] {2});
    two.put("x", new int[] {1});
    assertEquals(f.fingerprint(one), f.fingerprint(two));
    two.put("x", new int[] {9});
    assertNotEquals(f.fingerprint(one), f.fingerprint(two));
  }

  @Test
  void unknownTypes_haveNoFingerprint() {
    assertNull(f.fingerprint(new Object()));
    assertNull(f.fingerprint(List.of(new float[] {1}, new Object())));
    assertNull(f.fingerprint(new StringBuilder("mutable")));
  }
}
