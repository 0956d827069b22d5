package io.maasdk;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What an alias points to: one version, or a weighted split between several (a canary), and
 * optionally one <em>fallback</em> version. Weights are relative ({@code 90}/{@code 10} and {@code
 * 9}/{@code 1} are the same split). Immutable and thread-safe.
 *
 * <p><b>Fallback.</b> {@link #withFallback(Version)} names a version that takes a call when the
 * version the alias picked cannot (its circuit breaker is open, or it is draining); the call's
 * {@link Prediction#version()} then says the fallback answered. Like the weighted versions, the
 * fallback must be deployed when the alias is set ({@link ModelRuntime#setAlias} refuses it
 * otherwise), and it cannot be undeployed while an alias names it.
 *
 * @param weights version → weight, each weight > 0, ordered by version
 * @param fallback the version calls go to when the picked one cannot take them, or {@code null};
 *     never one of the weighted versions
 */
public record AliasTarget(Map<Version, Integer> weights, @Nullable Version fallback) {

  /**
   * Validates and copies.
   *
   * @throws IllegalArgumentException if {@code weights} is empty, a weight is not positive, or
   *     {@code fallback} is one of the weighted versions
   */
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
    if (fallback != null && weights.containsKey(fallback)) {
      throw new IllegalArgumentException(
          "fallback "
              + fallback
              + " is already a target of this alias ("
              + weights.keySet()
              + "); a fallback must be another version");
    }
  }

  /** A target without fallback: {@code new AliasTarget(weights, null)}. */
  public AliasTarget(Map<Version, Integer> weights) {
    this(weights, null);
  }

  /** All traffic to {@code version}. */
  public static AliasTarget of(Version version) {
    return new AliasTarget(Map.of(version, 1));
  }

  /** A split, for example {@code split(Map.of(v1, 90, v2, 10))}. */
  public static AliasTarget split(Map<Version, Integer> weights) {
    return new AliasTarget(weights);
  }

  /**
   * This target with {@code fallback} as its fallback version (replacing any other), for example
   * {@code AliasTarget.of(v2).withFallback(v1)}.
   *
   * @throws IllegalArgumentException if {@code fallback} is one of the weighted versions
   */
  public AliasTarget withFallback(Version fallback) {
    return new AliasTarget(weights, Objects.requireNonNull(fallback, "fallback"));
  }

  /** This target without a fallback. */
  public AliasTarget withoutFallback() {
    return fallback == null ? this : new AliasTarget(weights, null);
  }

  /** The fallback version, if one is named. */
  public Optional<Version> fallbackVersion() {
    return Optional.ofNullable(fallback);
  }

  /** Whether all traffic goes to one version. */
  public boolean isSingle() {
    return weights.size() == 1;
  }

  /** Whether {@code version} gets any traffic by weight (the fallback does not count). */
  public boolean includes(Version version) {
    return weights.containsKey(version);
  }

  /**
   * Every version this target names, weighted ones and the fallback, ascending: what must stay
   * deployed while an alias points here.
   */
  public Set<Version> versions() {
    Set<Version> all = new TreeSet<>(weights.keySet());
    if (fallback != null) {
      all.add(fallback);
    }
    return Collections.unmodifiableSet(all);
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
    // The constructor rejects empty weights, so the loop ran at least once.
    return Objects.requireNonNull(last, "weights");
  }

  /** {@code 2.0.0}, {@code 1.0.0:90% 2.0.0:10%}, with {@code fallback 1.0.0} when one is named. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (isSingle()) {
      sb.append(weights.keySet().iterator().next());
    } else {
      int total = weights.values().stream().mapToInt(Integer::intValue).sum();
      weights.forEach(
          (v, w) ->
              sb.append(sb.length() == 0 ? "" : " ")
                  .append(v)
                  .append(':')
                  .append(Math.round(100.0 * w / total))
                  .append('%'));
    }
    if (fallback != null) {
      sb.append(" fallback ").append(fallback);
    }
    return sb.toString();
  }
}
