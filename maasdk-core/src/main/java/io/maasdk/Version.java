package io.maasdk;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Semantic Versioning 2.0 version: {@code MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]}. Immutable.
 *
 * <p>Ordering follows SemVer precedence (a pre-release sorts before its release; build metadata is
 * ignored for ordering but kept for equality, so {@code 1.0.0+a} and {@code 1.0.0+b} are two
 * versions that a range treats alike).
 */
public final class Version implements Comparable<Version> {
  private static final Pattern SEMVER =
      Pattern.compile(
          "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
              + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
              + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
              + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?");

  private final int major;
  private final int minor;
  private final int patch;
  private final @Nullable String preRelease;
  private final @Nullable String build;

  private Version(
      int major, int minor, int patch, @Nullable String preRelease, @Nullable String build) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.preRelease = preRelease;
    this.build = build;
  }

  /** A release version {@code major.minor.patch}. */
  public static Version of(int major, int minor, int patch) {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new IllegalArgumentException(
          "version numbers must not be negative: " + major + "." + minor + "." + patch);
    }
    return new Version(major, minor, patch, null, null);
  }

  /**
   * Parses a full SemVer string such as {@code 1.4.0} or {@code 2.0.0-rc.1}.
   *
   * @throws IllegalArgumentException naming the text and the expected form
   */
  public static Version parse(String text) {
    Objects.requireNonNull(text, "version");
    Matcher m = SEMVER.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a semantic version: expected MAJOR.MINOR.PATCH such as 1.0.0 or"
              + " 2.1.0-rc.1");
    }
    try {
      return new Version(
          Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)),
          m.group(4),
          m.group(5));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has a version number out of range", e);
    }
  }

  /** Whether {@code text} is a full semantic version. */
  public static boolean isVersion(String text) {
    return SEMVER.matcher(text.trim()).matches();
  }

  public int major() {
    return major;
  }

  public int minor() {
    return minor;
  }

  public int patch() {
    return patch;
  }

  /** Whether this is a pre-release such as {@code 2.0.0-rc.1}; ranges skip those. */
  public boolean isPreRelease() {
    return preRelease != null;
  }

  @Override
  public int compareTo(Version o) {
    int c = Integer.compare(major, o.major);
    if (c == 0) {
      c = Integer.compare(minor, o.minor);
    }
    if (c == 0) {
      c = Integer.compare(patch, o.patch);
    }
    if (c != 0) {
      return c;
    }
    if (preRelease == null || o.preRelease == null) {
      return preRelease == null ? (o.preRelease == null ? 0 : 1) : -1;
    }
    return comparePreRelease(preRelease, o.preRelease);
  }

  private static int comparePreRelease(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      boolean xn = x[i].chars().allMatch(Character::isDigit);
      boolean yn = y[i].chars().allMatch(Character::isDigit);
      int c;
      if (xn && yn) {
        c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
      } else if (xn || yn) {
        c = xn ? -1 : 1;
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Version v
        && major == v.major
        && minor == v.minor
        && patch == v.patch
        && Objects.equals(preRelease, v.preRelease)
        && Objects.equals(build, v.build);
  }

  @Override
  public int hashCode() {
    return Objects.hash(major, minor, patch, preRelease, build);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append(major).append('.').append(minor).append('.');
    sb.append(patch);
    if (preRelease != null) {
      sb.append('-').append(preRelease);
    }
    if (build != null) {
      sb.append('+').append(build);
    }
    return sb.toString();
  }
}
