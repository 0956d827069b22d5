package io.maasdk.ops;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A labelled data set for a classifier: inputs, their true classes, and how to read an output as
 * one score per class. Immutable (inputs are not copied deeply: do not change them).
 *
 * @param inputType the model's input type
 * @param outputType the model's output type
 * @param inputs the samples
 * @param labels the true class of each sample, in {@code [0, classes)}
 * @param classes how many classes
 * @param scores an output as {@code classes} scores (logits or probabilities)
 * @param <I> the model's input type
 * @param <O> the model's output type
 */
public record ClassificationData<I, O>(
    Class<I> inputType,
    Class<O> outputType,
    List<I> inputs,
    int[] labels,
    int classes,
    Function<O, float[]> scores) {

  /**
   * Validates and copies.
   *
   * @param inputType the model's input type
   * @param outputType the model's output type
   * @param inputs the samples
   * @param labels the true class of each sample, in {@code [0, classes)}
   * @param classes how many classes
   * @param scores an output as {@code classes} scores (logits or probabilities)
   * @throws IllegalArgumentException if inputs and labels differ in length, or a label is not in
   *     {@code [0, classes)}
   */
  public ClassificationData {
    Objects.requireNonNull(inputType, "inputType");
    Objects.requireNonNull(outputType, "outputType");
    inputs = List.copyOf(inputs);
    labels = labels.clone();
    Objects.requireNonNull(scores, "scores");
    if (inputs.size() != labels.length) {
      throw new IllegalArgumentException(
          inputs.size() + " inputs but " + labels.length + " labels");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(
            "label " + i + " is " + labels[i] + ", expected 0.." + (classes - 1));
      }
    }
  }

  /**
   * The true class of each sample.
   *
   * @return a copy of the labels, in {@code [0, classes)}
   */
  @Override
  public int[] labels() {
    return labels.clone();
  }

  /**
   * How many samples.
   *
   * @return the number of inputs (and labels)
   */
  public int size() {
    return labels.length;
  }

  /**
   * Float-vector inputs to a model that answers with one logit (or probability) per class, such as
   * the digits models: {@code logits(testSet.features(), testSet.labels(), 10)}.
   *
   * @param features one float vector per sample
   * @param labels the true class of each sample
   * @param classes how many classes
   * @return the data set, reading each output as its logits
   */
  public static ClassificationData<float[], float[]> logits(
      float[][] features, int[] labels, int classes) {
    return new ClassificationData<>(
        float[].class,
        float[].class,
        Arrays.asList(features),
        labels,
        classes,
        Function.identity());
  }

  @Override
  public boolean equals(Object o) {
    return this == o;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  @Override
  public String toString() {
    return "ClassificationData[" + size() + " samples, " + classes + " classes]";
  }
}
