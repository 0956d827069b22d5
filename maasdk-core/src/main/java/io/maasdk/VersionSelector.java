package io.maasdk;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which version of a model a {@link ModelHandle} calls. Four kinds:
 *
 * <ul>
 *   <li>{@link Exact} — a pin, {@code 1.4.0}: the handle never moves;
 *   <li>{@link Range} — {@code ^1.2}, {@code ~1.2.3}, {@code 1.x}, {@code >=1.0.0 <2.0.0}: the
 *       highest deployed release in the range, re-resolved on every call;
 *   <li>{@link Alias} — {@code stable}, {@code canary}, any name: follows the alias, which {@link
 *       ModelRuntime#setAlias} moves atomically (and may split traffic by weight);
 *   <li>{@link Latest} — the highest deployed release.
 * </ul>
 *
 * {@link #parse(String)} reads all four from text, so configuration files can hold selectors.
 */
public sealed interface VersionSelector {

  /** A pinned version. */
  static VersionSelector exact(String version) {
    return new Exact(Version.parse(version));
  }

  /** A pinned version. */
  static VersionSelector exact(Version version) {
    return new Exact(version);
  }

  /**
   * A SemVer range: {@code ^1.2}, {@code ~1.2.3}, {@code 1.x}, {@code 1.2.*}, {@code >=1.0.0
   * <2.0.0}.
   */
  static VersionSelector range(String range) {
    return Range.parse(range);
  }

  /** The version an alias points to (or splits between). */
  static VersionSelector alias(String name) {
    return new Alias(name);
  }

  /** The highest deployed release (pre-releases are only chosen by an exact pin). */
  static VersionSelector latest() {
    return Latest.INSTANCE;
  }

  /**
   * Reads a selector: {@code latest}, a full version (pin), a range ({@code ^ ~ > < = x *}), or
   * otherwise an alias name.
   */
  static VersionSelector parse(String text) {
    Objects.requireNonNull(text, "selector");
    String t = text.trim();
    if (t.equals("latest")) {
      return latest();
    }
    if (Version.isVersion(t)) {
      return exact(t);
    }
    if (Range.looksLikeRange(t)) {
      return Range.parse(t);
    }
    return alias(t);
  }

  /** A pin. */
  record Exact(Version version) implements VersionSelector {
    public Exact {
      Objects.requireNonNull(version, "version");
    }

    @Override
    public String toString() {
      return version.toString();
    }
  }

  /** An alias name: letters, digits, '-', '_' and '.', starting with a letter. */
  record Alias(String name) implements VersionSelector {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

    public Alias {
      Objects.requireNonNull(name, "alias");
      if (!NAME.matcher(name).matches() || name.equals("latest")) {
        throw new IllegalArgumentException(
            "'"
                + name
                + "' is not a valid alias: use a letter followed by letters, digits, '.', '_' or"
                + " '-' (at most 64), and not 'latest'");
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** The highest deployed release. */
  final class Latest implements VersionSelector {
    static final Latest INSTANCE = new Latest();

    private Latest() {}

    @Override
    public String toString() {
      return "latest";
    }
  }

  /**
   * A SemVer range as a half-open interval {@code [lower, upper)}; {@code upper} may be absent.
   * Pre-release versions never match a range.
   */
  record Range(String text, Version lower, boolean lowerInclusive, @Nullable Version upper)
      implements VersionSelector {
    private static final Pattern PARTIAL =
        Pattern.compile("(\\d+|[xX*])(?:\\.(\\d+|[xX*]))?(?:\\.(\\d+|[xX*]))?");
    private static final Pattern COMPARATOR = Pattern.compile("(>=|>|<=|<|=)?\\s*([^\\s<>=]+)");

    static boolean looksLikeRange(String t) {
      return t.startsWith("^")
          || t.startsWith("~")
          || t.startsWith(">")
          || t.startsWith("<")
          || t.startsWith("=")
          || t.equals("*")
          || PARTIAL.matcher(t).matches();
    }

    /** Whether {@code v} lies in this range. */
    public boolean contains(Version v) {
      if (v.isPreRelease()) {
        return false;
      }
      int c = v.compareTo(lower);
      if (c < 0 || (c == 0 && !lowerInclusive)) {
        return false;
      }
      return upper == null || v.compareTo(upper) < 0;
    }

    /** The highest release among {@code candidates} in this range. */
    public Optional<Version> highest(Collection<Version> candidates) {
      return candidates.stream().filter(this::contains).max(Version::compareTo);
    }

    static Range parse(String text) {
      String t = text.trim();
      try {
        if (t.startsWith("^")) {
          int[] p = partial(t.substring(1));
          Version lo = Version.of(p[0], Math.max(p[1], 0), Math.max(p[2], 0));
          Version hi;
          if (p[0] > 0 || p[1] < 0) {
            hi = Version.of(p[0] + 1, 0, 0);
          } else if (p[1] > 0 || p[2] < 0) {
            hi = Version.of(0, p[1] + 1, 0);
          } else {
            hi = Version.of(0, 0, p[2] + 1);
          }
          return new Range(t, lo, true, hi);
        }
        if (t.startsWith("~")) {
          int[] p = partial(t.substring(1));
          Version lo = Version.of(p[0], Math.max(p[1], 0), Math.max(p[2], 0));
          Version hi = p[1] < 0 ? Version.of(p[0] + 1, 0, 0) : Version.of(p[0], p[1] + 1, 0);
          return new Range(t, lo, true, hi);
        }
        if (t.equals("*")) {
          return new Range(t, Version.of(0, 0, 0), true, null);
        }
        if (PARTIAL.matcher(t).matches()) {
          int[] p = partial(t);
          if (p[1] < 0) {
            return new Range(t, Version.of(p[0], 0, 0), true, Version.of(p[0] + 1, 0, 0));
          }
          if (p[2] < 0) {
            return new Range(t, Version.of(p[0], p[1], 0), true, Version.of(p[0], p[1] + 1, 0));
          }
          Version v = Version.of(p[0], p[1], p[2]);
          return new Range(t, v, true, Version.of(p[0], p[1], p[2] + 1));
        }
        return comparators(t);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' is not a version range: expected ^1.2, ~1.2.3, 1.x, 1.2.* or >=1.0.0 <2.0.0",
            e);
      }
    }

    private static Range comparators(String t) {
      Version lo = Version.of(0, 0, 0);
      boolean loInc = true;
      Version hi = null;
      Matcher m = COMPARATOR.matcher(t);
      int parsed = 0;
      while (m.find()) {
        String op = m.group(1) == null ? "=" : m.group(1);
        Version v = Version.parse(m.group(2));
        switch (op) {
          case ">=" -> lo = v;
          case ">" -> {
            lo = v;
            loInc = false;
          }
          case "<" -> hi = v;
          case "<=" -> hi = Version.of(v.major(), v.minor(), v.patch() + 1);
          default -> {
            lo = v;
            hi = Version.of(v.major(), v.minor(), v.patch() + 1);
          }
        }
        parsed++;
      }
      if (parsed == 0) {
        throw new IllegalArgumentException("no comparator in '" + t + "'");
      }
      return new Range(t, lo, loInc, hi);
    }

    /** Parses {@code 1}, {@code 1.2}, {@code 1.2.3} with {@code x}/{@code *} wildcards as -1. */
    private static int[] partial(String s) {
      Matcher m = PARTIAL.matcher(s.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + s + "' is not MAJOR[.MINOR[.PATCH]]");
      }
      int[] p = new int[3];
      for (int i = 0; i < 3; i++) {
        String g = m.group(i + 1);
        p[i] = (g == null || g.equalsIgnoreCase("x") || g.equals("*")) ? -1 : Integer.parseInt(g);
      }
      if (p[0] < 0) {
        throw new IllegalArgumentException("a range needs a major version: '" + s + "'");
      }
      return p;
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
