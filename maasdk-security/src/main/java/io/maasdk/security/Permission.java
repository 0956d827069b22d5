package io.maasdk.security;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Leave to perform some actions on the models whose names match a pattern: {@code *} matches any
 * run of characters ({@code "fraud-*"}, {@code "*"}); everything else matches itself. Immutable.
 *
 * @param modelPattern the model-name pattern
 * @param actions the actions allowed; {@link Action#ADMIN} allows all
 */
public record Permission(String modelPattern, Set<Action> actions) {
  private static final Pattern SAFE_PATTERN = Pattern.compile("[A-Za-z0-9._*-]{1,128}");

  /**
   * Checks the pattern and copies the actions.
   *
   * @param modelPattern the model-name pattern
   * @param actions the actions allowed; {@link Action#ADMIN} allows all
   */
  public Permission {
    Objects.requireNonNull(modelPattern, "modelPattern");
    if (!SAFE_PATTERN.matcher(modelPattern).matches()) {
      throw new IllegalArgumentException(
          "a model pattern is 1-128 letters, digits, '.', '_', '-' or '*', was '"
              + modelPattern
              + "'");
    }
    if (actions.isEmpty()) {
      throw new IllegalArgumentException("a permission needs at least one action");
    }
    actions = Set.copyOf(EnumSet.copyOf(actions));
  }

  /**
   * {@code Permission.of("digits*", Action.PREDICT)}.
   *
   * @param modelPattern the model-name pattern
   * @param first an action allowed
   * @param more further actions allowed
   * @return the permission
   */
  public static Permission of(String modelPattern, Action first, Action... more) {
    return new Permission(modelPattern, EnumSet.of(first, more));
  }

  /**
   * Whether this permission allows {@code action} on {@code model}.
   *
   * @param model the model's name
   * @param action the action
   * @return whether the pattern matches and the action is allowed
   */
  public boolean allows(String model, Action action) {
    return (actions.contains(action) || actions.contains(Action.ADMIN)) && matches(model);
  }

  private boolean matches(String model) {
    return globMatch(modelPattern, 0, model, 0);
  }

  private static boolean globMatch(String p, int pi, String s, int si) {
    while (pi < p.length()) {
      char c = p.charAt(pi);
      if (c == '*') {
        // collapse runs of '*', then try every suffix (patterns are short and safe)
        while (pi < p.length() && p.charAt(pi) == '*') {
          pi++;
        }
        if (pi == p.length()) {
          return true;
        }
        for (int k = si; k <= s.length(); k++) {
          if (globMatch(p, pi, s, k)) {
            return true;
          }
        }
        return false;
      }
      if (si >= s.length() || s.charAt(si) != c) {
        return false;
      }
      pi++;
      si++;
    }
    return si == s.length();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (Action a : EnumSet.copyOf(actions)) {
      b.append(b.length() == 0 ? "" : ",").append(a.label());
    }
    return b + " on " + modelPattern;
  }
}
