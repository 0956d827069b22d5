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

  /** A model taking {@code float32 [B, length]} and returning {@code float32 [B, m]}. */
  public static FloatVectorTranslator floatVector(int length) {
    return new FloatVectorTranslator(length);
  }
}
