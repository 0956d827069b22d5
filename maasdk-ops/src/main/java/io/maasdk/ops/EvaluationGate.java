package io.maasdk.ops;

import io.maasdk.Version;
import java.util.Locale;
import java.util.Objects;

/**
 * A rollout gate that judges the candidate by its quality on data, not by live traffic: "the
 * candidate's macro-F1 is at least the current version's minus 0.01". A rollout runs it once,
 * before it promotes the candidate past its first step; its verdict is kept in the rollout's
 * state. Implementations must be thread-safe; they run on the rollout thread and may take a while
 * (evaluations go through the runtime's batching as bulk calls).
 */
@FunctionalInterface
public interface EvaluationGate {

  /**
   * What a gate decided.
   *
   * @param passed whether the candidate may be promoted
   * @param detail the figures, in words ({@code macro-F1 0.9741 vs 0.8301 - 0.01})
   */
  record Verdict(boolean passed, String detail) {
    public Verdict {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * Judges {@code candidate} against {@code current}, both deployed versions of {@code model}.
   *
   * @throws RuntimeException if it cannot judge (a failing evaluation): the rollout rolls back
   */
  Verdict check(ModelOps ops, String model, Version current, Version candidate);

  /**
   * Passes when the candidate's macro-F1 on {@code data} is at least the current version's minus
   * {@code tolerance}. Both evaluations are exported as gauges ({@link ModelOps#evaluate}).
   *
   * @throws IllegalArgumentException if {@code tolerance} is negative or not finite
   */
  static <I, O> EvaluationGate macroF1(ClassificationData<I, O> data, double tolerance) {
    Objects.requireNonNull(data, "data");
    if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException("tolerance must be >= 0, was " + tolerance);
    }
    return new EvaluationGate() {
      @Override
      public Verdict check(ModelOps ops, String model, Version current, Version candidate) {
        double cur = ops.evaluate(model, current, data, 1).macroF1();
        double cand = ops.evaluate(model, candidate, data, 1).macroF1();
        boolean ok = cand >= cur - tolerance;
        return new Verdict(ok, String.format(Locale.ROOT,
            "macro-F1 of %s %.4f %s %s %.4f - %s on %d samples", candidate, cand,
            ok ? ">=" : "<", current, cur, tolerance, data.size()));
      }

      @Override
      public String toString() {
        return "macroF1(tolerance " + tolerance + ", " + data + ")";
      }
    };
  }
}
