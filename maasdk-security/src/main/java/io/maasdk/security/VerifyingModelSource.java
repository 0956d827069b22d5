package io.maasdk.security;

import io.maasdk.ModelSource;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@link ModelSource} over a folder of plaintext model files with a signed {@link Manifest}: the
 * signature, sizes and digests are checked (and the format allow-list applied) on bytes held in
 * memory before the engine sees any of them. For encrypted folders use {@link EncryptedModelSource}
 * with a {@link SignaturePolicy}. Thread-safe.
 *
 * <pre>{@code
 * ModelSource source = VerifyingModelSource.of(dir, SignaturePolicy.required(trustedPublicKeys));
 * }</pre>
 */
public final class VerifyingModelSource {
  private VerifyingModelSource() {}

  /**
   * A source over {@code dir} with the default format allow-list.
   *
   * @param dir the folder of the model's files and their signed manifest
   * @param policy which signatures are required and trusted
   * @return the source
   */
  public static ModelSource of(Path dir, SignaturePolicy policy) {
    return of(dir, policy, FormatPolicy.ofDefaults());
  }

  /**
   * A source over {@code dir}.
   *
   * @param dir the folder of the model's files and their signed manifest
   * @param policy which signatures are required and trusted
   * @param formats the model formats allowed
   * @return the source
   */
  public static ModelSource of(Path dir, SignaturePolicy policy, FormatPolicy formats) {
    return new SecureSource(
        Objects.requireNonNull(dir, "dir"),
        null,
        Objects.requireNonNull(policy, "policy"),
        Objects.requireNonNull(formats, "formats"),
        Integer.MAX_VALUE - 64,
        null,
        true);
  }
}
