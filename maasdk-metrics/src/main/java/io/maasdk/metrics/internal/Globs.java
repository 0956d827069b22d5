package io.maasdk.metrics.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Model-name patterns: {@code *} matches any run of characters, everything else is literal. */
public final class Globs {
  private Globs() {}

  /**
   * The pattern that matches exactly the names {@code glob} describes.
   *
   * @param glob a model name with {@code *} wildcards
   * @return the compiled pattern
   */
  public static Pattern compile(String glob) {
    List<String> parts = new ArrayList<>();
    for (String part : glob.split("\\*", -1)) {
      parts.add(part.isEmpty() ? "" : Pattern.quote(part));
    }
    return Pattern.compile(String.join(".*", parts));
  }
}
