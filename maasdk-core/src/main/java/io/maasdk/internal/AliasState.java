package io.maasdk.internal;

import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.Version;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One model's aliases as kept in a {@link io.maasdk.spi.StateStore} under {@code aliases/<model>}:
 * each alias's current target, rollback stack and history, in a small line format (UTF-8):
 *
 * <pre>
 * maasdk-aliases 1
 * alias stable
 * current 1.0.0=99,2.0.0=1;fallback=1.0.0
 * stack 1.0.0
 * change 2026-01-01T00:00:00Z SET - 1.0.0
 * </pre>
 *
 * Not thread-safe; the registry uses it under the model's monitor.
 */
final class AliasState {
  static final String HEADER = "maasdk-aliases 1";

  /** alias → current target. */
  final Map<String, AliasTarget> current = new TreeMap<>();

  /** alias → rollback stack, oldest first. */
  final Map<String, ArrayDeque<AliasTarget>> stacks = new LinkedHashMap<>();

  /** alias → history, oldest first. */
  final Map<String, ArrayDeque<AliasChange>> history = new LinkedHashMap<>();

  static String key(String model) {
    return "aliases/" + model;
  }

  byte[] encode() {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (String alias : new java.util.TreeSet<>(stacks.keySet())) {
      sb.append("alias ").append(alias).append('\n');
      AliasTarget cur = current.get(alias);
      if (cur != null) {
        sb.append("current ").append(target(cur)).append('\n');
      }
      for (AliasTarget t : stacks.getOrDefault(alias, new ArrayDeque<>())) {
        sb.append("stack ").append(target(t)).append('\n');
      }
      for (AliasChange c : history.getOrDefault(alias, new ArrayDeque<>())) {
        sb.append("change ")
            .append(c.at())
            .append(' ')
            .append(c.kind())
            .append(' ')
            .append(c.from() == null ? "-" : target(c.from()))
            .append(' ')
            .append(target(c.to()))
            .append('\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Reads what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException naming the line that is not understood
   */
  static AliasState decode(String model, byte[] bytes) {
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
    if (lines.length == 0 || !lines[0].equals(HEADER)) {
      throw new IllegalArgumentException(
          "alias state of model " + model + " does not start with '" + HEADER + "'");
    }
    AliasState s = new AliasState();
    String alias = null;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      try {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "alias" -> {
            alias = f[1];
            s.stacks.put(alias, new ArrayDeque<>());
            s.history.put(alias, new ArrayDeque<>());
          }
          case "current" -> s.current.put(need(alias), parseTarget(f[1]));
          case "stack" ->
              s.stacks
                  .computeIfAbsent(need(alias), a -> new ArrayDeque<>())
                  .addLast(parseTarget(f[1]));
          case "change" ->
              s.history
                  .computeIfAbsent(need(alias), a -> new ArrayDeque<>())
                  .addLast(
                      new AliasChange(
                          Instant.parse(f[1]),
                          AliasChange.Kind.valueOf(f[2]),
                          f[3].equals("-") ? null : parseTarget(f[3]),
                          parseTarget(f[4])));
          default -> throw new IllegalArgumentException("unknown record '" + f[0] + "'");
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "alias state of model "
                + model
                + ", line "
                + (i + 1)
                + " ('"
                + line
                + "'): "
                + e.getMessage(),
            e);
      }
    }
    return s;
  }

  private static String need(@Nullable String alias) {
    if (alias == null) {
      throw new IllegalArgumentException("record before any 'alias' line");
    }
    return alias;
  }

  /** {@code 1.0.0=99,2.0.0=1;fallback=1.0.0}; build metadata is kept. */
  static String target(AliasTarget t) {
    StringBuilder sb = new StringBuilder();
    t.weights()
        .forEach(
            (v, w) ->
                sb.append(sb.length() == 0 ? "" : ",")
                    .append(enc(v.toString()))
                    .append('=')
                    .append(w));
    if (t.fallback() != null) {
      sb.append(";fallback=").append(enc(t.fallback().toString()));
    }
    return sb.toString();
  }

  static AliasTarget parseTarget(String text) {
    String[] parts = text.split(";");
    Map<Version, Integer> weights = new LinkedHashMap<>();
    for (String vw : parts[0].split(",")) {
      int eq = vw.lastIndexOf('=');
      weights.put(Version.parse(dec(vw.substring(0, eq))), Integer.parseInt(vw.substring(eq + 1)));
    }
    Version fallback = null;
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].startsWith("fallback=")) {
        fallback = Version.parse(dec(parts[i].substring("fallback=".length())));
      } else {
        throw new IllegalArgumentException("unknown target part '" + parts[i] + "'");
      }
    }
    return new AliasTarget(weights, fallback);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String dec(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
