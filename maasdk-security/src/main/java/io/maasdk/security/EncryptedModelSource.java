package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelSource;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ModelSource} over a folder of files encrypted by {@link ArtifactCipher} (and optionally
 * signed by {@link ModelSigner}). On {@code open} it verifies the manifest (per its {@link
 * SignaturePolicy}), reads the model file once (its SHA-256 is computed while it is decrypted),
 * checks its size and digest against the manifest, authenticates the whole file, checks the format
 * allow-list, and only then hands the plaintext to the engine: TorchScript as an in-memory stream
 * (zeroed once loaded), ONNX as an owner-only file in RAM-backed tmpfs, deleted once loaded (see
 * {@link Builder#tmpfsHandoff}). Plaintext never touches a disk. Any failure is an {@link
 * io.maasdk.IntegrityException} naming the model and the file, and nothing reaches the engine.
 *
 * <pre>{@code
 * ModelSource source = EncryptedModelSource.builder(Path.of("models/digits/1.0.0"), artifactKeys)
 *     .signatures(SignaturePolicy.required(trustedPublicKeys))
 *     .build();
 * }</pre>
 *
 * <p>Memory: about the model's size while loading (on the heap, or in tmpfs for ONNX). A model must
 * be a single file (TorchScript or ONNX) below 2 GiB. Thread-safe: may be opened concurrently.
 */
public final class EncryptedModelSource {
  private EncryptedModelSource() {}

  /**
   * A source over {@code dir} with default settings (no signature required, default formats).
   *
   * @param dir the folder of the model's encrypted files
   * @param artifactKeys the {@link KeyPurpose#ARTIFACT} keyset they were encrypted with
   * @return the source
   */
  public static ModelSource of(Path dir, KeysetHandle artifactKeys) {
    return builder(dir, artifactKeys).build();
  }

  /**
   * A builder for a source over {@code dir}, with the defaults each of its methods names.
   *
   * @param dir the folder of the model's encrypted files
   * @param artifactKeys the {@link KeyPurpose#ARTIFACT} keyset they were encrypted with
   * @return a new builder
   */
  public static Builder builder(Path dir, KeysetHandle artifactKeys) {
    return new Builder(dir, ArtifactCipher.of(artifactKeys));
  }

  /** Configures an encrypted source; each setter validates at once. */
  public static final class Builder {
    private final Path dir;
    private final ArtifactCipher cipher;
    private SignaturePolicy signatures = SignaturePolicy.none();
    private FormatPolicy formats = FormatPolicy.ofDefaults();
    private long maxFileBytes = Integer.MAX_VALUE - 64;
    private @Nullable AuditLog audit;
    private boolean tmpfsHandoff = true;

    private Builder(Path dir, ArtifactCipher cipher) {
      this.dir = Objects.requireNonNull(dir, "dir");
      this.cipher = cipher;
    }

    /**
     * Whether a signed manifest is required; default {@link SignaturePolicy#none()}.
     *
     * @param policy which signatures are required and trusted
     * @return this builder
     */
    public Builder signatures(SignaturePolicy policy) {
      this.signatures = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Which formats may be loaded; default {@link FormatPolicy#ofDefaults()}.
     *
     * @param policy the formats allowed
     * @return this builder
     */
    public Builder formats(FormatPolicy policy) {
      this.formats = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The largest encrypted file accepted; default and maximum just under 2 GiB.
     *
     * @param max the largest size, in bytes
     * @return this builder
     */
    public Builder maxFileBytes(long max) {
      if (max <= 0 || max > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException("maxFileBytes must be in 1..2^31-65, was " + max);
      }
      this.maxFileBytes = max;
      return this;
    }

    /**
     * Records a {@code key-use} audit record each time an artifact is decrypted or refused.
     *
     * @param log the audit log
     * @return this builder
     */
    public Builder auditTo(AuditLog log) {
      this.audit = Objects.requireNonNull(log, "log");
      return this;
    }

    /**
     * Whether an authenticated ONNX model is handed to ONNX Runtime as an owner-only file in
     * RAM-backed tmpfs ({@code /dev/shm}), deleted as soon as the engine has loaded it; default
     * {@code true}. ONNX Runtime loads from a path several times faster than from bytes. Where no
     * tmpfs exists, or when this is {@code false}, the plaintext stays on the Java heap and is
     * streamed to the engine. Plaintext is never written to a disk-backed file system.
     *
     * @param enabled whether ONNX models may go through a RAM-backed tmpfs file
     * @return this builder
     */
    public Builder tmpfsHandoff(boolean enabled) {
      this.tmpfsHandoff = enabled;
      return this;
    }

    /**
     * Builds the source.
     *
     * @return the source
     */
    public ModelSource build() {
      return new SecureSource(dir, cipher, signatures, formats, maxFileBytes, audit, tmpfsHandoff);
    }
  }
}
