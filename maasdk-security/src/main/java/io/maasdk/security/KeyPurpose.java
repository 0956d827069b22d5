package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.signature.PredefinedSignatureParameters;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import io.maasdk.security.internal.TinkInit;
import java.security.GeneralSecurityException;
import java.util.Locale;

/**
 * What a keyset is for, and the Tink parameters maasdk uses for it. Each purpose has its own
 * keyset: never reuse one key for two purposes.
 */
public enum KeyPurpose {
  /** Model artifacts at rest: StreamingAead AES256-GCM-HKDF, 4 KB segments. */
  ARTIFACT(PredefinedStreamingAeadParameters.AES256_GCM_HKDF_4KB),
  /** Manifest signatures: Ed25519. Distribute only {@link Keysets#publicKeys} to verifiers. */
  SIGNING(PredefinedSignatureParameters.ED25519),
  /** Persisted payloads: AEAD AES256-GCM ({@link PayloadProtector}). */
  PAYLOAD(PredefinedAeadParameters.AES256_GCM),
  /** Keyed fingerprints and API-key hashes: PRF HMAC-SHA256. */
  PRF(PredefinedPrfParameters.HMAC_SHA256_PRF),
  /** Audit-log record authentication: MAC HMAC-SHA256. */
  AUDIT(PredefinedMacParameters.HMAC_SHA256_256BITTAG),
  /** A local master key that encrypts the other keysets: AEAD AES256-GCM. */
  MASTER(PredefinedAeadParameters.AES256_GCM);

  private final Parameters parameters;

  KeyPurpose(Parameters parameters) {
    this.parameters = parameters;
  }

  /**
   * The Tink parameters of new keys for this purpose.
   *
   * @return the key parameters
   */
  public Parameters parameters() {
    return parameters;
  }

  /**
   * A new keyset with one fresh primary key for this purpose.
   *
   * @return the new keyset
   */
  public KeysetHandle generate() {
    TinkInit.config();
    try {
      return KeysetHandle.generateNew(parameters);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + this + " key", e);
    }
  }

  /**
   * Parses {@code artifact}, {@code signing}, … (case-insensitive).
   *
   * @param text the purpose's name
   * @return the purpose
   */
  public static KeyPurpose parse(String text) {
    try {
      return valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "unknown key type '" + text + "'; use artifact, signing, payload, prf, audit or master");
    }
  }
}
