package io.maasdk;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What an alias points to: one version, or a weighted split between several (a canary). Weights
 * are relative ({@code 90}/{@code 10} and {@code 9}/{@code 1} are the same split). Immutable.
 *
 * @param weights version → weight, each weight > 0, ordered by version
 */
public record AliasTarget(Map<Version, Integer> weights) {
  public AliasTarget {
    Objects.requireNonNull(weights, "weights");
    if (weights.isEmpty()) {
      throw new IllegalArgumentException("an alias needs at least one version");
    }
    weights.forEach(
        (v, w) -> {
          Objects.requireNonNull(v, "version");
          if (w == null || w <= 0) {
            throw new IllegalArgumentException("weight of " + v + " must be > 0, was " + w);
          }
        });
    weights = Collections.unmodifiableMap(new TreeMap<>(weights));
  }

  /** All traffic to {@code version}. */
  public static AliasTarget of(Version version) {
    return new AliasTarget(Map.of(version, 1));
  }

  /** A split, for example {@code split(Map.of(v1, 90, v2, 10))}. */
  public static AliasTarget split(Map<Version, Integer> weights) {
    return new AliasTarget(weights);
  }

  /** Whether all traffic goes to one version. */
  public boolean isSingle() {
    return weights.size() == 1;
  }

  /** Whether {@code version} gets any traffic. */
  public boolean includes(Version version) {
    return weights.containsKey(version);
  }

  /**
   * The version for a point {@code u} in {@code [0, 1)}; the same {@code u} always gives the same
   * version, which is what makes a split sticky per key.
   */
  public Version pick(double u) {
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    double point = u * total;
    double acc = 0;
    Version last = null;
    for (Map.Entry<Version, Integer> e : weights.entrySet()) {
      acc += e.getValue();
      last = e.getKey();
      if (point < acc) {
        return last;
      }
    }
    return last;
  }

  @Override
  public String toString() {
    if (isSingle()) {
      return weights.keySet().iterator().next().toString();
    }
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder sb = new StringBuilder();
    weights.forEach(
        (v, w) ->
            sb.append(sb.length() == 0 ? "" : " ")
                .append(v)
                .append(':')
                .append(Math.round(100.0 * w / total))
                .append('%'));
    return sb.toString();
  }
}
