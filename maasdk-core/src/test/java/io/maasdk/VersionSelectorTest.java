package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VersionSelectorTest {
  private static Version v(String s) {
    return Version.parse(s);
  }

  private static Optional<Version> highest(String range, String... versions) {
    return ((VersionSelector.Range) VersionSelector.range(range))
        .highest(List.of(versions).stream().map(Version::parse).toList());
  }

  @Test
  void version_ordering_followsSemVerPrecedence() {
    List<String> sorted =
        List.of(
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.2.0",
            "1.10.0",
            "2.0.0");
    for (int i = 1; i < sorted.size(); i++) {
      assertTrue(v(sorted.get(i - 1)).compareTo(v(sorted.get(i))) < 0, sorted.get(i));
    }
  }

  @Test
  void version_parse_rejectsNonSemVerWithExpectedForm() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v("1.2"));
    assertTrue(e.getMessage().contains("MAJOR.MINOR.PATCH"));
    assertThrows(IllegalArgumentException.class, () -> v("01.2.3"));
  }

  @Test
  void parse_recognisesEachKind() {
    assertInstanceOf(VersionSelector.Exact.class, VersionSelector.parse("1.2.3"));
    assertInstanceOf(VersionSelector.Range.class, VersionSelector.parse("^1.2"));
    assertInstanceOf(VersionSelector.Range.class, VersionSelector.parse("1.x"));
    assertInstanceOf(VersionSelector.Range.class, VersionSelector.parse(">=1.0.0 <2.0.0"));
    assertInstanceOf(VersionSelector.Alias.class, VersionSelector.parse("stable"));
    assertInstanceOf(VersionSelector.Latest.class, VersionSelector.parse("latest"));
  }

  @Test
  void ranges_pickHighestMatchingRelease() {
    assertEquals(Optional.of(v("1.9.0")), highest("^1.2", "1.1.0", "1.2.0", "1.9.0", "2.0.0"));
    assertEquals(Optional.of(v("0.2.9")), highest("^0.2", "0.2.1", "0.2.9", "0.3.0"));
    assertEquals(Optional.of(v("1.2.7")), highest("~1.2.3", "1.2.2", "1.2.7", "1.3.0"));
    assertEquals(Optional.of(v("1.4.0")), highest("1.x", "0.9.0", "1.4.0", "2.0.0"));
    assertEquals(Optional.of(v("1.2.5")), highest("1.2.*", "1.2.5", "1.3.0"));
    assertEquals(Optional.of(v("1.5.0")), highest(">=1.0.0 <2.0.0", "1.5.0", "2.0.0"));
    assertEquals(Optional.of(v("2.0.0")), highest("*", "1.0.0", "2.0.0"));
    assertEquals(Optional.empty(), highest("^3", "1.0.0", "2.0.0"));
  }

  @Test
  void ranges_neverPickPreReleases() {
    assertEquals(Optional.of(v("1.1.0")), highest("^1.0", "1.1.0", "1.2.0-rc.1"));
    assertFalse(((VersionSelector.Range) VersionSelector.range("^1")).contains(v("1.5.0-beta")));
  }

  @Test
  void alias_invalidName_isRejectedWithRule() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VersionSelector.alias("bad name"));
    assertTrue(e.getMessage().contains("letter"));
    assertThrows(IllegalArgumentException.class, () -> VersionSelector.range("^x"));
  }
}
