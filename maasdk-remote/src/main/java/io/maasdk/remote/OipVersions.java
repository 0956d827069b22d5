package io.maasdk.remote;

import io.maasdk.Version;
import io.maasdk.VersionSelector;
import java.util.regex.Pattern;

/**
 * Versions across the protocol boundary. Triton and KServe number a model's versions with plain
 * integers ({@code 1}, {@code 2}); maasdk uses semantic versions. The mapping is:
 *
 * <ul>
 *   <li>an integer {@code N} is maasdk's {@code N.0.0}, in both directions: maasdk's {@code 1.0.0}
 *       is sent as {@code 1}, and a request for {@code versions/1} means exactly {@code 1.0.0} (not
 *       "the latest 1.x");
 *   <li>any other maasdk version ({@code 1.2.0}, {@code 2.0.0-rc.1}) travels as its full text;
 *       Triton cannot host it, a maasdk endpoint understands it;
 *   <li>a maasdk endpoint also accepts any maasdk selector in the version slot: an alias ({@code
 *       versions/stable}), a range ({@code versions/^1}, {@code versions/~1.2}) or {@code latest}.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class OipVersions {
  private static final Pattern INTEGER = Pattern.compile("0|[1-9][0-9]{0,8}");

  private OipVersions() {}

  /**
   * The protocol's text for {@code v}: {@code "1"} for {@code 1.0.0}, else the full version.
   *
   * @param v a maasdk version
   * @return the version as the protocol's URL path shows it
   */
  public static String toProtocol(Version v) {
    if (v.minor() == 0 && v.patch() == 0 && !v.isPreRelease() && v.buildMetadata().isEmpty()) {
      return Integer.toString(v.major());
    }
    return v.toString();
  }

  /**
   * The maasdk version of a protocol version: {@code "1"} is {@code 1.0.0}, a semantic version is
   * itself.
   *
   * @throws IllegalArgumentException if it is neither
   * @param text a version as the protocol spells it
   * @return the maasdk version
   */
  public static Version fromProtocol(String text) {
    if (INTEGER.matcher(text).matches()) {
      return Version.of(Integer.parseInt(text), 0, 0);
    }
    return Version.parse(text);
  }

  /**
   * What a version slot ({@code /versions/{slot}}) selects: an integer is exactly {@code N.0.0};
   * anything else is parsed as a maasdk selector (version, range, alias, {@code latest}).
   *
   * @throws IllegalArgumentException if it is none of them
   * @param slot the version path segment of a request
   * @return the selector it names
   */
  public static VersionSelector selector(String slot) {
    if (INTEGER.matcher(slot).matches()) {
      return VersionSelector.exact(fromProtocol(slot));
    }
    return VersionSelector.parse(slot);
  }
}
