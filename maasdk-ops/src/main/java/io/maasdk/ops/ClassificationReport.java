package io.maasdk.ops;

import java.util.Arrays;
import java.util.Objects;

/**
 * How well a classifier did on a labelled data set. Immutable (arrays are copied in and out).
 * Precision, recall and F1 of a class that never occurs and is never predicted are 0; macro
 * averages are plain means over all {@code classes}.
 *
 * @param n how many samples
 * @param accuracy share of samples whose top-1 class is the label
 * @param k the k of {@code topKAccuracy}
 * @param topKAccuracy share of samples whose label is among the k highest scores
 * @param precision per class: true positives / predicted as that class
 * @param recall per class: true positives / labelled as that class
 * @param f1 per class: the harmonic mean of precision and recall
 * @param support per class: how many samples are labelled as that class
 * @param macroPrecision mean of {@code precision}
 * @param macroRecall mean of {@code recall}
 * @param macroF1 mean of {@code f1}
 * @param confusion {@code confusion[label][predicted]} counts
 */
public record ClassificationReport(
    int n,
    double accuracy,
    int k,
    double topKAccuracy,
    double[] precision,
    double[] recall,
    double[] f1,
    long[] support,
    double macroPrecision,
    double macroRecall,
    double macroF1,
    long[][] confusion) {

  /**
   * Copies the arrays in.
   *
   * @param n how many samples
   * @param accuracy share of samples whose top-1 class is the label
   * @param k the k of {@code topKAccuracy}
   * @param topKAccuracy share of samples whose label is among the k highest scores
   * @param precision per class: true positives / predicted as that class
   * @param recall per class: true positives / labelled as that class
   * @param f1 per class: the harmonic mean of precision and recall
   * @param support per class: how many samples are labelled as that class
   * @param macroPrecision mean of {@code precision}
   * @param macroRecall mean of {@code recall}
   * @param macroF1 mean of {@code f1}
   * @param confusion {@code confusion[label][predicted]} counts
   */
  public ClassificationReport {
    precision = precision.clone();
    recall = recall.clone();
    f1 = f1.clone();
    support = support.clone();
    confusion = deepCopy(confusion);
  }

  /**
   * Per class: true positives / predicted as that class.
   *
   * @return a copy
   */
  @Override
  public double[] precision() {
    return precision.clone();
  }

  /**
   * Per class: true positives / labelled as that class.
   *
   * @return a copy
   */
  @Override
  public double[] recall() {
    return recall.clone();
  }

  /**
   * Per class: the harmonic mean of precision and recall.
   *
   * @return a copy
   */
  @Override
  public double[] f1() {
    return f1.clone();
  }

  /**
   * Per class: how many samples are labelled as that class.
   *
   * @return a copy
   */
  @Override
  public long[] support() {
    return support.clone();
  }

  /**
   * The confusion matrix: {@code confusion[label][predicted]} counts.
   *
   * @return a copy
   */
  @Override
  public long[][] confusion() {
    return deepCopy(confusion);
  }

  /**
   * How many classes.
   *
   * @return the number of classes the report covers
   */
  public int classes() {
    return support.length;
  }

  /**
   * Computes the report from labels and score vectors (logits or probabilities; the highest score
   * is the prediction, ties to the lower class).
   *
   * @param labels the true class of each sample, in {@code [0, classes)}
   * @param scores one vector of {@code classes} scores per sample
   * @param classes how many classes
   * @param k for top-k accuracy, {@code 1 <= k <= classes}
   * @return the report
   * @throws IllegalArgumentException naming the first sample whose label or score vector does not
   *     fit
   */
  public static ClassificationReport of(int[] labels, float[][] scores, int classes, int k) {
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(scores, "scores");
    if (labels.length != scores.length) {
      throw new IllegalArgumentException(
          labels.length + " labels but " + scores.length + " score vectors");
    }
    if (classes < 1 || k < 1 || k > classes) {
      throw new IllegalArgumentException(
          "need 1 <= k <= classes, got k=" + k + ", classes=" + classes);
    }
    long[][] confusion = new long[classes][classes];
    long correct = 0;
    long topK = 0;
    for (int i = 0; i < labels.length; i++) {
      int y = labels[i];
      float[] s = scores[i];
      if (y < 0 || y >= classes) {
        throw new IllegalArgumentException(
            "sample " + i + " has label " + y + ", expected 0.." + (classes - 1));
      }
      if (s == null || s.length != classes) {
        throw new IllegalArgumentException(
            "sample "
                + i
                + " has "
                + (s == null ? "no" : s.length)
                + " scores, expected "
                + classes);
      }
      int pred = 0;
      for (int c = 1; c < classes; c++) {
        if (s[c] > s[pred]) {
          pred = c;
        }
      }
      confusion[y][pred]++;
      if (pred == y) {
        correct++;
      }
      int above = 0; // classes ranked strictly before the label (ties go to the lower class)
      for (int c = 0; c < classes; c++) {
        if (s[c] > s[y] || (s[c] == s[y] && c < y)) {
          above++;
        }
      }
      if (above < k) {
        topK++;
      }
    }
    double[] precision = new double[classes];
    double[] recall = new double[classes];
    double[] f1 = new double[classes];
    long[] support = new long[classes];
    for (int c = 0; c < classes; c++) {
      long tp = confusion[c][c];
      long predicted = 0;
      for (int y = 0; y < classes; y++) {
        predicted += confusion[y][c];
        support[c] += confusion[c][y];
      }
      precision[c] = predicted == 0 ? 0 : (double) tp / predicted;
      recall[c] = support[c] == 0 ? 0 : (double) tp / support[c];
      f1[c] =
          precision[c] + recall[c] == 0
              ? 0
              : 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
    }
    int n = labels.length;
    return new ClassificationReport(
        n,
        n == 0 ? 0 : (double) correct / n,
        k,
        n == 0 ? 0 : (double) topK / n,
        precision,
        recall,
        f1,
        support,
        mean(precision),
        mean(recall),
        mean(f1),
        confusion);
  }

  private static double mean(double[] a) {
    double s = 0;
    for (double x : a) {
      s += x;
    }
    return s / a.length;
  }

  private static long[][] deepCopy(long[][] m) {
    long[][] c = new long[m.length][];
    for (int i = 0; i < m.length; i++) {
      c[i] = m[i].clone();
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassificationReport r
        && n == r.n
        && k == r.k
        && Double.compare(accuracy, r.accuracy) == 0
        && Double.compare(topKAccuracy, r.topKAccuracy) == 0
        && Arrays.equals(precision, r.precision)
        && Arrays.equals(recall, r.recall)
        && Arrays.equals(f1, r.f1)
        && Arrays.equals(support, r.support)
        && Arrays.deepEquals(confusion, r.confusion);
  }

  @Override
  public int hashCode() {
    return Objects.hash(n, accuracy, Arrays.deepHashCode(confusion));
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "n=%d accuracy=%.4f top%d=%.4f macroP=%.4f macroR=%.4f macroF1=%.4f",
        n,
        accuracy,
        k,
        topKAccuracy,
        macroPrecision,
        macroRecall,
        macroF1);
  }
}
