package io.maasdk.internal.cli;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The option parser of maasdk's command-line tools: {@code --name value}, {@code --name=value} and
 * flags (options without a value). Strict, because a typo in a key or path option must not be
 * ignored: an option the command does not take, a missing or blank value, a repeated option or a
 * stray argument is a {@link UsageException}, and an unknown option names the closest known one.
 */
public final class CliOptions {
  private CliOptions() {}

  /**
   * Parses {@code args[from..]} as the options of {@code command}.
   *
   * @param args the command line
   * @param from the index of the first option (the words before it are the command and its
   *     positional arguments)
   * @param command the command's words, quoted in error messages
   * @param known the options the command takes, without the leading {@code --}
   * @param flags the options among {@code known} that take no value; a given flag maps to {@code
   *     "true"}
   * @return each given option's value by name, without the leading {@code --}
   * @throws UsageException for anything that is not one of {@code known}, given once with a
   *     non-blank value (none for a flag)
   */
  public static Map<String, String> parse(
      String[] args, int from, String command, Set<String> known, Set<String> flags) {
    Map<String, String> m = new HashMap<>();
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() < 3) {
        throw new UsageException("unexpected argument '" + a + "'");
      }
      String k = a.substring(2);
      String inline = null;
      int eq = k.indexOf('=');
      if (eq > 0) { // --name=value
        inline = k.substring(eq + 1);
        k = k.substring(0, eq);
      }
      if (!known.contains(k)) {
        throw new UsageException(
            "unknown option --"
                + k
                + " for `"
                + command
                + "`"
                + suggestion(k, known)
                + (known.isEmpty()
                    ? "; it takes no options"
                    : "; it takes " + known.stream().sorted().map(x -> "--" + x).toList()));
      }
      String v;
      if (flags.contains(k)) {
        if (inline != null) {
          throw new UsageException("option --" + k + " takes no value");
        }
        v = "true";
      } else if (inline != null) {
        v = inline;
      } else {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new UsageException("option --" + k + " needs a value");
        }
        v = args[++i];
      }
      if (v.isBlank()) {
        throw new UsageException("option --" + k + " needs a non-blank value");
      }
      if (m.put(k, v) != null) {
        throw new UsageException("option --" + k + " given twice");
      }
    }
    return m;
  }

  /**
   * The known word closest to a mistyped one: within edit distance 2, or one that starts with it;
   * ties go to the first in alphabetical order.
   *
   * @param word what the user typed
   * @param known the words the user may have meant
   * @return the closest known word, or {@code null} when none is close
   */
  public static @Nullable String closest(String word, Collection<String> known) {
    String best = null;
    int bestD = 3;
    for (String c : known.stream().sorted().toList()) {
      int d = distance(word, c);
      if (d < bestD || c.startsWith(word) && best == null) {
        best = c;
        bestD = Math.min(d, bestD);
      }
    }
    return best;
  }

  private static String suggestion(String k, Set<String> known) {
    String best = closest(k, known);
    return best == null ? "" : " (did you mean --" + best + "?)";
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /**
   * The command line is wrong (unknown command or option, missing or repeated option): the tool
   * prints the message and its usage text and exits with its usage code.
   */
  public static final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, for the user
     */
    public UsageException(String message) {
      super(message);
    }
  }
}
