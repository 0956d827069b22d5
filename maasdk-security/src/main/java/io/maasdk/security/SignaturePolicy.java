package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.signature.SignaturePublicKey;
import io.maasdk.IntegrityException;
import io.maasdk.Version;
import io.maasdk.security.internal.JdkEd25519Verify;
import io.maasdk.security.internal.LazyPrimitive;
import io.maasdk.security.internal.ModelFiles;
import io.maasdk.security.internal.TinkInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Whether a model folder must carry a {@link Manifest} signed by a trusted key. {@link
 * #required(KeysetHandle)} refuses unsigned or wrongly signed models; {@link
 * #ifPresent(KeysetHandle)} verifies a manifest when there is one; {@link #none()} ignores
 * manifests. The trusted keyset holds public keys only ({@link Keysets#publicKeys}); a manifest
 * verifies if any of its enabled keys signed it. Immutable and thread-safe.
 */
public final class SignaturePolicy {
  private static final int MAX_SIGNATURE_BYTES = 1024;

  private final @Nullable KeysetHandle trusted;
  private final boolean required;
  private final @Nullable LazyPrimitive<PublicKeyVerify> verifier;

  private SignaturePolicy(@Nullable KeysetHandle trusted, boolean required) {
    this.trusted = trusted;
    this.required = required;
    this.verifier =
        trusted == null
            ? null
            : new LazyPrimitive<>(
                trusted,
                PublicKeyVerify.class,
                "not a signature verification keyset: pass Keysets.publicKeys(signingKeys)",
                JdkEd25519Verify
                    ::of); // the JDK's EdDSA costs less than half of Tink's on a cold JVM
  }

  /**
   * Every model must be signed by one of {@code trustedPublicKeys}.
   *
   * @param trustedPublicKeys the public verification keys
   * @return the policy
   */
  public static SignaturePolicy required(KeysetHandle trustedPublicKeys) {
    return new SignaturePolicy(checked(trustedPublicKeys), true);
  }

  /**
   * A model's manifest, if it has one, must be signed by one of {@code trustedPublicKeys}.
   *
   * @param trustedPublicKeys the public verification keys
   * @return the policy
   */
  public static SignaturePolicy ifPresent(KeysetHandle trustedPublicKeys) {
    return new SignaturePolicy(checked(trustedPublicKeys), false);
  }

  /**
   * Manifests are neither required nor checked.
   *
   * @return the policy
   */
  public static SignaturePolicy none() {
    return new SignaturePolicy(null, false);
  }

  /**
   * Whether unsigned models are refused.
   *
   * @return whether a signature is required
   */
  public boolean isRequired() {
    return required;
  }

  /** Whether this policy refuses every model not signed by a key of {@code trustedPublicKeys}. */
  boolean requiresSignatureBy(KeysetHandle trustedPublicKeys) {
    return required && trusted != null && trusted.equalsKeyset(trustedPublicKeys);
  }

  private static KeysetHandle checked(KeysetHandle keys) {
    TinkInit.register(TinkInit.Family.SIGNATURE);
    for (int i = 0; i < keys.size(); i++) {
      if (!(keys.getAt(i).getKey() instanceof SignaturePublicKey)) {
        throw new IllegalArgumentException(
            "not a signature verification keyset: pass Keysets.publicKeys(signingKeys)");
      }
    }
    return keys;
  }

  private @Nullable PublicKeyVerify verifier() {
    return verifier == null ? null : verifier.get();
  }

  /**
   * Verifies the manifest of {@code dir} for {@code model@version}: signature, name, version and
   * path safety of every entry (sizes and digests are checked by the reader of each file).
   *
   * @return the verified manifest, or empty if the folder has none and none is required
   * @param dir the model version's folder
   * @param model the model's name, which the manifest must name
   * @param version the version, which the manifest must name
   * @throws IntegrityException naming the model and the file when anything is wrong
   */
  public Optional<Manifest> verifyManifest(Path dir, String model, Version version) {
    PublicKeyVerify verifier = verifier();
    if (verifier == null) {
      return Optional.empty();
    }
    Path manifestFile = dir.resolve(ModelSigner.MANIFEST);
    Path sigFile = dir.resolve(ModelSigner.SIGNATURE);
    if (!Files.exists(manifestFile, LinkOption.NOFOLLOW_LINKS)) {
      if (required) {
        throw fail(
            model,
            version,
            ModelSigner.MANIFEST,
            "the model is unsigned and the signature policy requires a signed manifest;"
                + " sign it with `maasdk model sign`");
      }
      return Optional.empty();
    }
    byte[] json = readSmall(model, version, dir, ModelSigner.MANIFEST, Manifest.MAX_BYTES);
    byte[] sig = readSmall(model, version, dir, ModelSigner.SIGNATURE, MAX_SIGNATURE_BYTES);
    if (!Files.exists(sigFile, LinkOption.NOFOLLOW_LINKS)) {
      throw fail(model, version, ModelSigner.SIGNATURE, "the manifest has no signature");
    }
    try {
      verifier.verify(sig, ModelSigner.signedBytes(json));
    } catch (GeneralSecurityException e) {
      throw fail(
          model,
          version,
          ModelSigner.MANIFEST,
          "the manifest's signature does not verify under any trusted key (signed by an"
              + " untrusted key, or the manifest or signature was modified)");
    }
    Manifest m;
    try {
      m = Manifest.parse(json);
    } catch (IllegalArgumentException e) {
      throw fail(
          model,
          version,
          ModelSigner.MANIFEST,
          java.util.Objects.requireNonNullElse(e.getMessage(), e.toString()));
    }
    // Exact text: Version.equals ignores build metadata (SemVer), a signature must not.
    if (!m.name().equals(model) || !m.version().toString().equals(version.toString())) {
      throw fail(
          model,
          version,
          ModelSigner.MANIFEST,
          "the manifest is for " + m.name() + "@" + m.version() + ", not " + model + "@" + version);
    }
    return Optional.of(m);
  }

  /**
   * Verifies a whole model folder without loading it: the manifest must be present and signed by a
   * trusted key, and every file it lists must exist inside the folder (no links) with the signed
   * size and SHA-256. Decryption is not attempted: for encrypted folders the digests cover the
   * ciphertext.
   *
   * @return the verified manifest
   * @param dir the model version's folder
   * @param model the model's name, which the manifest must name
   * @param version the version, which the manifest must name
   * @throws IntegrityException naming the model and the first file that fails
   */
  public Manifest verifyFolder(Path dir, String model, Version version) {
    ModelFiles.requireSafeName(model, version);
    Path real;
    try {
      real = dir.toRealPath();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the model folder " + dir, e);
    }
    SignaturePolicy strict = required ? this : new SignaturePolicy(trusted, true);
    Manifest m =
        strict
            .verifyManifest(real, model, version)
            .orElseThrow(
                () ->
                    fail(
                        model,
                        version,
                        ModelSigner.MANIFEST,
                        "no signature policy with trusted keys was given"));
    for (Manifest.FileEntry f : m.files()) {
      checkFile(model, version, real, f);
    }
    return m;
  }

  /** Checks one listed file's location, size and digest by streaming it. */
  static void checkFile(String model, Version version, Path realDir, Manifest.FileEntry f) {
    String[] problem = new String[1];
    Path p = ModelFiles.resolveInside(realDir, f.path(), problem);
    if (p == null) {
      throw fail(model, version, f.path(), "the file " + problem[0]);
    }
    try {
      if (Files.size(p) != f.size() || !f.sha256().equals(ModelSigner.sha256(p))) {
        throw fail(
            model, version, f.path(), "its size or SHA-256 does not match the signed manifest");
      }
    } catch (IOException e) {
      throw fail(model, version, f.path(), "cannot read it (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static byte[] readSmall(String model, Version version, Path dir, String name, int max) {
    String[] problem = new String[1];
    Path f;
    try {
      f = ModelFiles.resolveInside(dir.toRealPath(), name, problem);
    } catch (IOException e) {
      throw fail(model, version, name, "the model folder cannot be read");
    }
    if (f == null) {
      throw fail(model, version, name, "the file " + problem[0]);
    }
    try {
      return ModelFiles.readBounded(f, max);
    } catch (IOException e) {
      throw fail(model, version, name, "cannot read it: " + e.getMessage());
    }
  }

  static IntegrityException fail(String model, Version version, String file, String why) {
    return new IntegrityException(
        model,
        version,
        "integrity check failed for "
            + model
            + "@"
            + version
            + " file "
            + file
            + ": "
            + why
            + ". Nothing was loaded.");
  }
}
