package io.maasdk;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One move of an alias, as kept in its history ({@link ModelRuntime#aliasHistory}).
 *
 * @param at when it moved
 * @param kind {@link Kind#SET}, {@link Kind#SPLIT} or {@link Kind#ROLLBACK}
 * @param from the previous target, {@code null} when the alias was created
 * @param to the new target
 */
public record AliasChange(Instant at, Kind kind, @Nullable AliasTarget from, AliasTarget to) {
  /** How the alias moved. */
  public enum Kind {
    /** The alias was pointed at one version. */
    SET,
    /** The alias was split between versions by weight. */
    SPLIT,
    /** The alias was rolled back to an earlier target. */
    ROLLBACK
  }

  /**
   * Checks that {@code at}, {@code kind} and {@code to} are given.
   *
   * @param at when it moved
   * @param kind {@link Kind#SET}, {@link Kind#SPLIT} or {@link Kind#ROLLBACK}
   * @param from the previous target, {@code null} when the alias was created
   * @param to the new target
   */
  public AliasChange {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(to, "to");
  }
}
