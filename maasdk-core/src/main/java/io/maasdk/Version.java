package io.maasdk;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A Semantic Versioning 2.0 version: {@code MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]}. Immutable.
 *
 * <p>Ordering and equality follow SemVer precedence: a pre-release sorts before its release, and
 * build metadata is ignored by both, so {@code 1.0.0+a} and {@code 1.0.0+b} are <em>the same
 * version</em> (equal, same hash code, compare as 0). The runtime therefore deploys at most one of
 * them per model, and a {@link ModelRepository} with a folder for each refuses both. The metadata
 * is kept for display: {@link #toString()} and {@link #buildMetadata()} show it.
 *
 * <p>Each of MAJOR, MINOR and PATCH must fit in an {@code int}; pre-release numeric identifiers may
 * be of any length. Text is parsed exactly as given: surrounding whitespace is refused, not
 * trimmed. Thread-safe (immutable).
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

  /**
   * A release version {@code major.minor.patch}.
   *
   * @param major the major number
   * @param minor the minor number
   * @param patch the patch number
   * @return the version
   */
  public static Version of(int major, int minor, int patch) {
    if (major < 0 || minor < 0 || patch < 0) {
      throw new IllegalArgumentException(
          "version numbers must not be negative: " + major + "." + minor + "." + patch);
    }
    return new Version(major, minor, patch, null, null);
  }

  /**
   * Parses a full SemVer string such as {@code 1.4.0}, {@code 2.0.0-rc.1} or {@code 1.2.0+build.7},
   * exactly as given.
   *
   * @param text a version such as {@code 1.2.0}
   * @return the version
   * @throws IllegalArgumentException naming the text and what was expected: not of the form, with
   *     surrounding whitespace, or with a MAJOR/MINOR/PATCH number above {@value Integer#MAX_VALUE}
   */
  public static Version parse(String text) {
    Objects.requireNonNull(text, "version");
    Version v = tryParse(text);
    if (v != null) {
      return v;
    }
    if (!text.equals(text.strip()) && tryParse(text.strip()) != null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a semantic version: it has leading or trailing whitespace");
    }
    if (SEMVER.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a usable version: MAJOR, MINOR and PATCH must each be at most "
              + Integer.MAX_VALUE);
    }
    throw new IllegalArgumentException(
        "'"
            + text
            + "' is not a semantic version: expected MAJOR.MINOR.PATCH such as 1.0.0 or"
            + " 2.1.0-rc.1");
  }

  /**
   * Whether {@code text}, exactly as given, is a version {@link #parse} accepts; when this is
   * {@code true}, {@code parse} never throws.
   *
   * @param text any text
   * @return whether it parses
   */
  public static boolean isVersion(String text) {
    return text != null && tryParse(text) != null;
  }

  private static @Nullable Version tryParse(String text) {
    Matcher m = SEMVER.matcher(text);
    if (!m.matches()) {
      return null;
    }
    try {
      return new Version(
          Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)),
          m.group(4),
          m.group(5));
    } catch (NumberFormatException e) {
      return null; // a number beyond int
    }
  }

  /**
   * The major number.
   *
   * @return the major number
   */
  public int major() {
    return major;
  }

  /**
   * The minor number.
   *
   * @return the minor number
   */
  public int minor() {
    return minor;
  }

  /**
   * The patch number.
   *
   * @return the patch number
   */
  public int patch() {
    return patch;
  }

  /**
   * Whether this is a pre-release such as {@code 2.0.0-rc.1}; ranges skip those.
   *
   * @return whether it has a pre-release part
   */
  public boolean isPreRelease() {
    return preRelease != null;
  }

  /**
   * The build metadata ({@code build.7} in {@code 1.2.0+build.7}), if any. It is shown, never
   * compared: see the class comment.
   *
   * @return the build metadata, or empty
   */
  public Optional<String> buildMetadata() {
    return Optional.ofNullable(build);
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
      if (xn && yn) { // no leading zeros (the pattern refuses them): longer is larger
        c =
            x[i].length() != y[i].length()
                ? Integer.compare(x[i].length(), y[i].length())
                : x[i].compareTo(y[i]);
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

  /** Equal when SemVer precedence is equal: build metadata is ignored, as in {@link #compareTo}. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Version v
        && major == v.major
        && minor == v.minor
        && patch == v.patch
        && Objects.equals(preRelease, v.preRelease);
  }

  @Override
  public int hashCode() {
    return Objects.hash(major, minor, patch, preRelease);
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
