package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Version parsing and identity, and AliasTarget's fallback data model (issue 10, #10). */
class VersionTest {

  @Test
  void isVersion_agreesWithParse_onOverflowWhitespaceAndOddText() {
    for (String text :
        List.of(
            "99999999999.0.0",
            "1.2147483648.0",
            " 1.4.0",
            "1.4.0 ",
            "\t1.4.0",
            "1.4",
            "v1.4.0",
            "01.4.0",
            "1.4.0-",
            "1.4.0+",
            "")) {
      assertFalse(Version.isVersion(text), text);
      assertThrows(IllegalArgumentException.class, () -> Version.parse(text), text);
    }
    for (String text : List.of("0.0.0", "2147483647.0.0", "1.2.0+build.1", "1.0.0-rc.1+b")) {
      assertTrue(Version.isVersion(text), text);
      assertEquals(text, Version.parse(text).toString());
    }
  }

  @Test
  void parse_saysWhatIsWrong() {
    assertEquals(
        "' 1.4.0' is not a semantic version: it has leading or trailing whitespace",
        assertThrows(IllegalArgumentException.class, () -> Version.parse(" 1.4.0")).getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Version.parse("99999999999.0.0"))
            .getMessage()
            .contains("MAJOR, MINOR and PATCH must each be at most 2147483647"));
  }

  @Test
  void buildMetadata_isIgnoredByEqualityHashAndOrder_butShown() {
    Version b1 = Version.parse("1.2.0+build.1");
    Version b2 = Version.parse("1.2.0+build.2");
    assertEquals(b1, b2);
    assertEquals(b1.hashCode(), b2.hashCode());
    assertEquals(0, b1.compareTo(b2));
    assertEquals(Version.of(1, 2, 0), b1);
    assertEquals(Set.of(b1), new HashSet<>(List.of(b1, b2)));
    assertEquals(1, new TreeSet<>(List.of(b1, b2)).size());
    assertEquals("1.2.0+build.2", b2.toString());
    assertEquals(Optional.of("build.2"), b2.buildMetadata());
    assertEquals(Optional.empty(), Version.of(1, 2, 0).buildMetadata());
    assertNotEquals(Version.parse("1.2.0-rc.1"), Version.parse("1.2.0"));
  }

  @Test
  void preRelease_hugeNumericIdentifiers_compareWithoutOverflow() {
    Version small = Version.parse("1.0.0-rc.99999999999999999999");
    Version big = Version.parse("1.0.0-rc.100000000000000000000");
    assertDoesNotThrow(() -> small.compareTo(big));
    assertTrue(small.compareTo(big) < 0);
    assertTrue(Version.parse("1.0.0-rc.9").compareTo(Version.parse("1.0.0-rc.10")) < 0);
    assertTrue(Version.parse("1.0.0-rc.10").compareTo(Version.parse("1.0.0-rc.x")) < 0);
  }

  @Test
  void aliasTarget_withFallback_isKeptShownAndValidated() {
    Version v1 = Version.parse("1.0.0");
    Version v2 = Version.parse("2.0.0");
    Version v3 = Version.parse("3.0.0");
    AliasTarget t = AliasTarget.of(v2).withFallback(v1);
    assertEquals(v1, t.fallback());
    assertEquals(Optional.of(v1), t.fallbackVersion());
    assertEquals("2.0.0 fallback 1.0.0", t.toString());
    assertEquals(List.of(v1, v2), List.copyOf(t.versions()));
    assertTrue(t.includes(v2));
    assertFalse(t.includes(v1), "the fallback gets no traffic by weight");
    assertNotEquals(AliasTarget.of(v2), t);
    assertEquals(AliasTarget.of(v2), t.withoutFallback());
    assertEquals(t, AliasTarget.of(v2).withFallback(v1));

    AliasTarget split = AliasTarget.split(Map.of(v2, 90, v3, 10)).withFallback(v1);
    assertEquals("2.0.0:90% 3.0.0:10% fallback 1.0.0", split.toString());
    assertEquals(v3, split.pick(0.95));

    IllegalArgumentException self =
        assertThrows(IllegalArgumentException.class, () -> AliasTarget.of(v2).withFallback(v2));
    assertTrue(self.getMessage().contains("fallback 2.0.0 is already a target"), self.getMessage());
    assertThrows(IllegalArgumentException.class, () -> split.withFallback(v3));
    assertThrows(NullPointerException.class, () -> t.withFallback(null));
  }
}
