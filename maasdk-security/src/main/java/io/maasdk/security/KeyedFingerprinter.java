package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.prf.PrfSet;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.TinkPrimitives;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A keyed fingerprint of an input (HMAC-SHA256 via Tink PRF, 128-bit output, hex): a stable cache
 * or deduplication key that does not reveal the input and cannot be recomputed by someone without
 * the key, so raw inputs never need to be kept as cache keys. Equal inputs of the same type give
 * equal fingerprints; a type tag keeps a {@code float[]} and a {@code byte[]} with the same bits
 * apart. Thread-safe.
 */
public final class KeyedFingerprinter {
  private final PrfSet prf;

  private KeyedFingerprinter(PrfSet prf) {
    this.prf = prf;
  }

  /**
   * Fingerprints under {@code prfKeys}' primary key (rotating it changes every fingerprint).
   *
   * @param prfKeys a PRF keyset ({@link KeyPurpose#PRF})
   * @return the fingerprinter
   */
  public static KeyedFingerprinter of(KeysetHandle prfKeys) {
    return new KeyedFingerprinter(
        TinkPrimitives.primitive(
            prfKeys,
            PrfSet.class,
            "the fingerprint keyset",
            "not a PRF keyset: use KeyPurpose.PRF.generate()"));
  }

  /**
   * Fingerprints bytes.
   *
   * @param input the bytes
   * @return the fingerprint
   */
  public String fingerprint(byte[] input) {
    return compute('b', input);
  }

  /**
   * Fingerprints text (its UTF-8 bytes, tagged as text).
   *
   * @param input the text
   * @return the fingerprint
   */
  public String fingerprint(String input) {
    return compute('s', input.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Fingerprints a float vector (its bits, tagged as floats).
   *
   * @param input the vector
   * @return the fingerprint
   */
  public String fingerprint(float[] input) {
    ByteBuffer b = ByteBuffer.allocate(input.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(input);
    return compute('f', b.array());
  }

  /**
   * Fingerprints {@code byte[]}, {@code String} or {@code float[]} inputs.
   *
   * @param input a {@code byte[]}, {@code String} or {@code float[]}
   * @return the fingerprint
   */
  public String fingerprint(Object input) {
    if (input instanceof byte[] b) {
      return fingerprint(b);
    }
    if (input instanceof String s) {
      return fingerprint(s);
    }
    if (input instanceof float[] f) {
      return fingerprint(f);
    }
    throw new IllegalArgumentException(
        "cannot fingerprint a " + input.getClass().getSimpleName() + "; pass its bytes");
  }

  private String compute(char type, byte[] data) {
    byte[] in = new byte[data.length + 1];
    in[0] = (byte) type;
    System.arraycopy(data, 0, in, 1, data.length);
    return Hex.of(TinkPrimitives.run("PRF", () -> prf.computePrimary(in, 16)));
  }
}
