package io.maasdk.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.TinkInit;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Encrypts payloads an application persists (inputs kept for audit, cached outputs) with Tink AEAD
 * (AES256-GCM) under a {@link KeyPurpose#PAYLOAD} keyset. The {@code context} (for example {@code
 * "audit-input:digits"}) is bound as associated data: a payload sealed for one context does not
 * open in another. Rotation-friendly: seals with the primary, opens with any enabled key. Payloads
 * up to a few MB; for model-sized data use {@link ArtifactCipher}. Thread-safe.
 */
public final class PayloadProtector {
  private final Aead aead;

  private PayloadProtector(Aead aead) {
    this.aead = aead;
  }

  public static PayloadProtector of(KeysetHandle payloadKeys) {
    KeysetLoader.requirePrimary(payloadKeys, "the payload keyset");
    try {
      return new PayloadProtector(payloadKeys.getPrimitive(TinkInit.config(), Aead.class));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an AEAD keyset: use KeyPurpose.PAYLOAD.generate()", e);
    }
  }

  /** Encrypts and authenticates {@code plaintext} for {@code context}. */
  public byte[] seal(byte[] plaintext, String context) {
    try {
      return aead.encrypt(plaintext, ad(context));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("payload encryption failed", e);
    }
  }

  /**
   * Decrypts a payload sealed for {@code context}.
   *
   * @throws IntegrityException if it was modified, sealed for another context, or under an unknown
   *     key
   */
  public byte[] open(byte[] ciphertext, String context) {
    try {
      return aead.decrypt(ciphertext, ad(context));
    } catch (GeneralSecurityException e) {
      throw new IntegrityException(null, null,
          "a protected payload for context '" + context + "' does not authenticate (modified,"
              + " sealed for another context, or under a key no longer in the keyset)");
    }
  }

  private static byte[] ad(String context) {
    return ("maasdk/payload/v1\n" + context).getBytes(StandardCharsets.UTF_8);
  }
}
