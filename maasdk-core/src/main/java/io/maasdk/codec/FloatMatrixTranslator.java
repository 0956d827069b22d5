package io.maasdk.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.spi.InputValidator;
import org.jspecify.annotations.Nullable;

/**
 * {@code float[rows][cols]} in (a small image, a sequence of feature vectors), {@code float[]} out,
 * for models that take {@code float32 [B, rows, cols]}; the output of each input is its slice of
 * the model's first output, row-major ({@code [B, C]} gives {@code float[C]}). Batches by stacking.
 * Inputs are checked before they are queued: {@code null}, ragged or wrongly sized rows and
 * non-finite values are refused with a message that states the expected shape.
 *
 * <p>Stateless and thread-safe.
 */
public final class FloatMatrixTranslator
    implements Translator<float[][], float[]>, InputValidator<float[][]> {
  private final int rows;
  private final int cols;

  FloatMatrixTranslator(int rows, int cols) {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException(
          "rows and columns must be positive, were " + rows + " x " + cols);
    }
    this.rows = rows;
    this.cols = cols;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, float[][] input) {
    float[] flat = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(input[r], 0, flat, r * cols, cols);
    }
    return new NDList(ctx.getNDManager().create(flat, new Shape(rows, cols)));
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
  public @Nullable String problem(float[][] input) {
    String expected = "expected float[" + rows + "][" + cols + "]";
    if (input == null) {
      return expected + ", got null";
    }
    if (input.length != rows) {
      return expected + ", got " + input.length + " rows";
    }
    for (int r = 0; r < rows; r++) {
      if (input[r] == null || input[r].length != cols) {
        return expected
            + ", row "
            + r
            + " has "
            + (input[r] == null ? "no values" : input[r].length + " values");
      }
      for (int c = 0; c < cols; c++) {
        if (!Float.isFinite(input[r][c])) {
          return expected + " of finite values, got " + input[r][c] + " at [" + r + "][" + c + "]";
        }
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "FloatMatrixTranslator[float[" + rows + "][" + cols + "] -> float[]]";
  }
}
