package io.maasdk.ops;

import io.maasdk.Version;
import java.util.Locale;
import java.util.Objects;

/**
 * A rollout gate that judges the candidate by its quality on data, not by live traffic: "the
 * candidate's macro-F1 is at least the current version's minus 0.01". A rollout runs it once,
 * before it promotes the candidate past its first step; its verdict is kept in the rollout's state.
 * Implementations must be thread-safe; they run on the rollout thread and may take a while
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
    /**
     * Checks that {@code detail} is given.
     *
     * @param passed whether the candidate may be promoted
     * @param detail the figures, in words
     */
    public Verdict {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * Judges {@code candidate} against {@code current}, both deployed versions of {@code model}.
   *
   * @param ops the operations facade the rollout runs on, to evaluate either version
   * @param model the model's name
   * @param current the version that serves now
   * @param candidate the version the rollout would promote
   * @return whether the candidate passed, and the figures that decided it
   * @throws RuntimeException if it cannot judge (a failing evaluation): the rollout rolls back
   */
  Verdict check(ModelOps ops, String model, Version current, Version candidate);

  /**
   * Passes when the candidate's macro-F1 on {@code data} is at least the current version's minus
   * {@code tolerance}. Both evaluations are exported as gauges ({@link ModelOps#evaluate}).
   *
   * @param data the labelled data set both versions are evaluated on
   * @param tolerance how much lower than the current version's the candidate's macro-F1 may be
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the gate
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
        return new Verdict(
            ok,
            String.format(
                Locale.ROOT,
                "macro-F1 of %s %.4f %s %s %.4f - %s on %d samples",
                candidate,
                cand,
                ok ? ">=" : "<",
                current,
                cur,
                tolerance,
                data.size()));
      }

      @Override
      public String toString() {
        return "macroF1(tolerance " + tolerance + ", " + data + ")";
      }
    };
  }
}
