package io.maasdk.codec;

/**
 * Ready-made DJL translators for common model signatures. Each also validates inputs before they
 * are queued (see {@link io.maasdk.spi.InputValidator}).
 *
 * <pre>{@code
 * ModelSpec<float[], float[]> spec = ModelSpec.builder("digits", float[].class, float[].class)
 *     .translator(Codecs.floatVector(64))
 *     ...
 * }</pre>
 */
public final class Codecs {
  private Codecs() {}

  /**
   * A model taking {@code float32 [B, length]} and returning {@code float32 [B, m]}.
   *
   * @param length the number of floats per input
   * @return the translator
   */
  public static FloatVectorTranslator floatVector(int length) {
    return new FloatVectorTranslator(length);
  }

  /**
   * A model taking token ids {@code int64 [B, L]} (as {@code input_ids}, with an {@code
   * attention_mask}) from {@code long[]} inputs of at most {@code maxLength} ids; see {@link
   * TokenIdsTranslator} for the padding rules and the output.
   *
   * @param maxLength the longest input accepted, in tokens
   * @return the translator
   */
  public static TokenIdsTranslator<long[]> tokenIds(int maxLength) {
    return TokenIdsTranslator.ofLongs(maxLength);
  }

  /**
   * {@link #tokenIds} for {@code int[]} inputs (passed to the model as int64).
   *
   * @param maxLength the longest input accepted, in tokens
   * @return the translator
   */
  public static TokenIdsTranslator<int[]> intTokenIds(int maxLength) {
    return TokenIdsTranslator.ofInts(maxLength);
  }

  /**
   * A model taking {@code float32 [B, rows, cols]}: {@code float[rows][cols]} in, {@code float[]}
   * out.
   *
   * @param rows the number of rows per input
   * @param cols the number of columns per row
   * @return the translator
   */
  public static FloatMatrixTranslator floatMatrix(int rows, int cols) {
    return new FloatMatrixTranslator(rows, cols);
  }

  /**
   * A model with several named inputs and outputs; declare each input with {@link
   * NamedTensorsTranslator#input}.
   *
   * @return a translator with no inputs yet
   */
  public static NamedTensorsTranslator namedTensors() {
    return NamedTensorsTranslator.empty();
  }
}
