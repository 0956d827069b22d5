package io.maasdk.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.internal.cli.CliOptions.UsageException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CliOptionsTest {
  private static final Set<String> KNOWN = Set.of("keyset", "out", "insecure-cleartext");
  private static final Set<String> FLAGS = Set.of("insecure-cleartext");

  private static Map<String, String> parse(String... args) {
    return CliOptions.parse(args, 2, "keys create", KNOWN, FLAGS);
  }

  private static String usageError(String... args) {
    return assertThrows(UsageException.class, () -> parse(args)).getMessage();
  }

  @Test
  void valuesSeparateOrInline_flagsWithout_fromTheGivenIndex() {
    assertEquals(
        Map.of("keyset", "k.json", "out", "a=b", "insecure-cleartext", "true"),
        parse("keys", "create", "--keyset", "k.json", "--out=a=b", "--insecure-cleartext"));
    assertEquals(Map.of(), parse("keys", "create"));
  }

  @Test
  void everyMistakeIsAUsageError_withTheClosestKnownOption() {
    assertEquals(
        "unknown option --keyst for `keys create` (did you mean --keyset?); it takes"
            + " [--insecure-cleartext, --keyset, --out]",
        usageError("k", "c", "--keyst", "x"));
    assertEquals("option --out needs a value", usageError("k", "c", "--out"));
    assertEquals("option --out needs a value", usageError("k", "c", "--out", "--keyset", "x"));
    assertEquals("option --out needs a non-blank value", usageError("k", "c", "--out= "));
    assertEquals("option --out given twice", usageError("k", "c", "--out", "a", "--out=b"));
    assertEquals(
        "option --insecure-cleartext takes no value",
        usageError("k", "c", "--insecure-cleartext=yes"));
    assertEquals("unexpected argument 'stray'", usageError("k", "c", "stray"));
    assertEquals("unexpected argument '--'", usageError("k", "c", "--"));
    assertEquals(
        "unknown option --x for `c`; it takes no options",
        assertThrows(
                UsageException.class,
                () -> CliOptions.parse(new String[] {"--x"}, 0, "c", Set.of(), Set.of()))
            .getMessage());
  }

  @Test
  void closest_withinTwoEditsOrAPrefix_elseNone() {
    assertEquals(
        "backup create",
        CliOptions.closest(
            "backup creat", Set.of("backup create", "backup restore", "backup inspect")));
    assertEquals("keyset", CliOptions.closest("key", Set.of("keyset", "out")));
    assertNull(CliOptions.closest("master", Set.of("keyset", "out")));
  }
}
