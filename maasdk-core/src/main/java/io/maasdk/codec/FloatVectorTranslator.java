package io.maasdk.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.spi.InputValidator;
import org.jspecify.annotations.Nullable;

/**
 * {@code float[]} in, {@code float[]} out, for models that take a feature vector of a fixed length
 * ({@code [B, n]} float32) and return one vector per row. Batches by stacking. Inputs are checked
 * before they are queued: {@code null}, a wrong length and non-finite values are refused with a
 * message that states the expected signature.
 *
 * <p>Stateless and thread-safe; one instance may serve any number of models.
 */
public final class FloatVectorTranslator
    implements Translator<float[], float[]>, InputValidator<float[]> {
  private final int inputLength;

  FloatVectorTranslator(int inputLength) {
    if (inputLength <= 0) {
      throw new IllegalArgumentException("input length must be positive, was " + inputLength);
    }
    this.inputLength = inputLength;
  }

  /**
   * The expected input length.
   *
   * @return the number of floats each input must have
   */
  public int inputLength() {
    return inputLength;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, float[] input) {
    return new NDList(ctx.getNDManager().create(input));
  }

  @Override
  public float[] processOutput(TranslatorContext ctx, NDList list) {
    NDArray out = list.singletonOrThrow();
    if (out.getDataType() != DataType.FLOAT32) {
      out = out.toType(DataType.FLOAT32, false);
    }
    return out.toFloatArray();
  }

  @Override
  public Batchifier getBatchifier() {
    return Batchifier.STACK;
  }

  @Override
  public @Nullable String problem(float[] input) {
    if (input.length != inputLength) {
      return "expected float[" + inputLength + "], got float[" + input.length + "]";
    }
    for (int i = 0; i < input.length; i++) {
      if (!Float.isFinite(input[i])) {
        return "expected float["
            + inputLength
            + "] of finite values, got "
            + input[i]
            + " at index "
            + i;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "float[" + inputLength + "] -> float[]";
  }
}
