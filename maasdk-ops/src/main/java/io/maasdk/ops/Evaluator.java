package io.maasdk.ops;

import io.maasdk.CallOptions;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.ToDoubleFunction;

/**
 * Runs a labelled data set through a model version the way callers reach it: through a {@link
 * ModelHandle}, so the runtime batches the samples like live calls (as {@link
 * CallOptions.Priority#BULK} calls, which live interactive traffic overtakes). At most {@value
 * #WINDOW} samples are in flight at once, so an evaluation never fills a version's queue. Stateless
 * and thread-safe. {@link ModelOps#evaluate} also exports the result as gauges.
 */
public final class Evaluator {
  /** Samples in flight at once. */
  static final int WINDOW = 64;

  /** The options evaluation calls are made with. */
  static final CallOptions OPTIONS =
      CallOptions.builder().tenant("maasdk-evaluation").priority(CallOptions.Priority.BULK).build();

  private Evaluator() {}

  /**
   * Classifies every sample of {@code data} with {@code model} and reports accuracy, top-k,
   * precision/recall/F1 per class and macro, and the confusion matrix.
   *
   * @param model a handle on the version to evaluate (an exact pin, usually)
   * @param data the labelled samples, and how to read an output as class scores
   * @param k for top-k accuracy
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the report over all samples
   * @throws MaasdkException (or a subclass) naming the sample if a call fails; an output whose
   *     scores do not have {@code data.classes()} entries is an {@link IllegalArgumentException}
   */
  public static <I, O> ClassificationReport classification(
      ModelHandle<I, O> model, ClassificationData<I, O> data, int k) {
    List<O> outputs = run(model, data.inputs());
    float[][] scores = new float[outputs.size()][];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = data.scores().apply(outputs.get(i));
    }
    return ClassificationReport.of(data.labels(), scores, data.classes(), k);
  }

  /**
   * Runs every input through {@code model} and reports MAE and RMSE of {@code prediction(output)}
   * against {@code targets}.
   *
   * @param model a handle on the version to evaluate
   * @param inputs the samples
   * @param targets the true value of each sample
   * @param prediction reads an output as the predicted value
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the errors over all samples
   * @throws IllegalArgumentException if inputs and targets differ in length
   */
  public static <I, O> RegressionReport regression(
      ModelHandle<I, O> model, List<I> inputs, double[] targets, ToDoubleFunction<O> prediction) {
    if (inputs.size() != targets.length) {
      throw new IllegalArgumentException(
          inputs.size() + " inputs but " + targets.length + " targets");
    }
    List<O> outputs = run(model, inputs);
    double[] p = new double[outputs.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = prediction.applyAsDouble(outputs.get(i));
    }
    return RegressionReport.of(targets, p);
  }

  /** The outputs of {@code inputs}, in order, with at most {@link #WINDOW} calls in flight. */
  static <I, O> List<O> run(ModelHandle<I, O> model, List<I> inputs) {
    Objects.requireNonNull(model, "model");
    List<O> out = new ArrayList<>(inputs.size());
    List<CompletableFuture<O>> window = new ArrayList<>(WINDOW);
    for (int start = 0; start < inputs.size(); start += WINDOW) {
      window.clear();
      int end = Math.min(inputs.size(), start + WINDOW);
      for (int i = start; i < end; i++) {
        window.add(model.predictAsync(inputs.get(i), OPTIONS));
      }
      for (int i = start; i < end; i++) {
        try {
          out.add(window.get(i - start).get());
        } catch (InterruptedException e) {
          window.forEach(f -> f.cancel(true));
          Thread.currentThread().interrupt();
          throw new MaasdkException(
              model.modelName(),
              null,
              "evaluation of "
                  + model.modelName()
                  + " '"
                  + model.selector()
                  + "' was interrupted at sample "
                  + i,
              e);
        } catch (ExecutionException e) {
          window.forEach(f -> f.cancel(true));
          Throwable c = e.getCause();
          throw new MaasdkException(
              model.modelName(),
              null,
              "evaluation of "
                  + model.modelName()
                  + " '"
                  + model.selector()
                  + "' failed at sample "
                  + i
                  + ": "
                  + c.getMessage(),
              c);
        }
      }
    }
    return out;
  }
}
