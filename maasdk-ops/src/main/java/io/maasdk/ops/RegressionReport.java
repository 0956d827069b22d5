package io.maasdk.ops;

import java.util.Objects;

/**
 * How well a regressor did on a labelled data set. Immutable.
 *
 * @param n how many samples
 * @param mae mean absolute error
 * @param rmse root mean squared error
 */
public record RegressionReport(int n, double mae, double rmse) {

  /**
   * Computes the report.
   *
   * @param targets the true values
   * @param predictions the predicted values, one per target
   * @return the errors
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static RegressionReport of(double[] targets, double[] predictions) {
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(predictions, "predictions");
    if (targets.length != predictions.length) {
      throw new IllegalArgumentException(
          targets.length + " targets but " + predictions.length + " predictions");
    }
    double abs = 0;
    double sq = 0;
    for (int i = 0; i < targets.length; i++) {
      double d = predictions[i] - targets[i];
      abs += Math.abs(d);
      sq += d * d;
    }
    int n = targets.length;
    return new RegressionReport(n, n == 0 ? 0 : abs / n, n == 0 ? 0 : Math.sqrt(sq / n));
  }
}
