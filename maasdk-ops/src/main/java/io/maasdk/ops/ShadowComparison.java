package io.maasdk.ops;

import java.util.Locale;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * How a shadowed candidate's answer is compared with the current version's answer to the same
 * input, in a rollout's shadow step ({@link RolloutPolicy.Builder#shadowFirst}). Immutable and
 * thread-safe; {@link #agrees} runs on the thread that completes the shadow call, so it must be
 * cheap.
 *
 * @param <I> the model's input type
 * @param <O> the model's output type
 */
public final class ShadowComparison<I, O> {
  private final String name;
  private final Class<I> inputType;
  private final Class<O> outputType;
  private final BiPredicate<O, O> agrees;

  private ShadowComparison(
      String name, Class<I> inputType, Class<O> outputType, BiPredicate<O, O> agrees) {
    this.name = name;
    this.inputType = inputType;
    this.outputType = outputType;
    this.agrees = agrees;
  }

  /**
   * Float-vector scores agree when their highest entry is at the same index (top-1).
   *
   * @return the comparison, named {@code top1}
   */
  public static ShadowComparison<float[], float[]> top1() {
    return new ShadowComparison<>(
        "top1", float[].class, float[].class, (a, b) -> argmax(a) == argmax(b));
  }

  /**
   * Float vectors (embeddings, regressions) agree when their Euclidean distance is at most {@code
   * maxDistance}.
   *
   * @param maxDistance the largest Euclidean distance that still agrees
   * @return the comparison
   * @throws IllegalArgumentException if {@code maxDistance} is negative or not finite
   */
  public static ShadowComparison<float[], float[]> distance(double maxDistance) {
    if (!(maxDistance >= 0) || Double.isInfinite(maxDistance)) {
      throw new IllegalArgumentException("maxDistance must be >= 0, was " + maxDistance);
    }
    return new ShadowComparison<>(
        String.format(Locale.ROOT, "distance:%s", maxDistance),
        float[].class,
        float[].class,
        (a, b) -> {
          if (a.length != b.length) {
            return false;
          }
          double s = 0;
          for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
          }
          return Math.sqrt(s) <= maxDistance;
        });
  }

  /**
   * A comparison of your own. Its {@code name} is kept in the rollout's state: register it again at
   * every start with {@link ModelOps.Builder#shadowComparison}.
   *
   * @param name the name the comparison is registered and kept under
   * @param inputType the model's input type
   * @param outputType the model's output type
   * @param agrees whether two outputs agree (current first, candidate second)
   * @param <I> the model's input type
   * @param <O> the model's output type
   * @return the comparison
   */
  public static <I, O> ShadowComparison<I, O> of(
      String name, Class<I> inputType, Class<O> outputType, BiPredicate<O, O> agrees) {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]{1,64}") || name.equals("top1")) {
      throw new IllegalArgumentException(
          "comparison name '"
              + name
              + "': use letters, digits,"
              + " '.', '_' or '-' (at most 64), not a built-in's name");
    }
    return new ShadowComparison<>(
        name,
        Objects.requireNonNull(inputType, "inputType"),
        Objects.requireNonNull(outputType, "outputType"),
        Objects.requireNonNull(agrees, "agrees"));
  }

  /**
   * How a built-in is named in state, or a custom comparison's name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The input type of the models this comparison applies to.
   *
   * @return the input type
   */
  public Class<I> inputType() {
    return inputType;
  }

  /**
   * The output type of the models this comparison applies to.
   *
   * @return the output type
   */
  public Class<O> outputType() {
    return outputType;
  }

  /**
   * Whether the candidate's output agrees with the current version's.
   *
   * @param current the current version's output
   * @param candidate the candidate's output for the same input
   * @return whether they agree
   */
  public boolean agrees(O current, O candidate) {
    return agrees.test(current, candidate);
  }

  /** The built-in named {@code name}, or the registered one. */
  static ShadowComparison<?, ?> named(
      String name, java.util.Map<String, ShadowComparison<?, ?>> registered) {
    if (name.equals("top1")) {
      return top1();
    }
    if (name.startsWith("distance:")) {
      return distance(Double.parseDouble(name.substring("distance:".length())));
    }
    ShadowComparison<?, ?> c = registered.get(name);
    if (c == null) {
      throw new IllegalArgumentException(
          "shadow comparison '"
              + name
              + "' is not registered"
              + " (ModelOps.Builder.shadowComparison); registered: "
              + registered.keySet());
    }
    return c;
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Override
  public String toString() {
    return "ShadowComparison[" + name + "]";
  }
}
