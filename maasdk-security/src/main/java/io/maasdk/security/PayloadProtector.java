package io.maasdk.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.TinkPrimitives;
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

  /**
   * A protector over {@code payloadKeys}: its primary key seals, any enabled key opens.
   *
   * @param payloadKeys a {@link KeyPurpose#PAYLOAD} keyset
   * @return the protector
   */
  public static PayloadProtector of(KeysetHandle payloadKeys) {
    return new PayloadProtector(
        TinkPrimitives.primitive(
            payloadKeys,
            Aead.class,
            "the payload keyset",
            "not an AEAD keyset: use KeyPurpose.PAYLOAD.generate()"));
  }

  /**
   * Encrypts and authenticates {@code plaintext} for {@code context}.
   *
   * @param plaintext the payload
   * @param context what the payload is for; the same context opens it
   * @return the ciphertext
   */
  public byte[] seal(byte[] plaintext, String context) {
    return TinkPrimitives.run("payload encryption", () -> aead.encrypt(plaintext, ad(context)));
  }

  /**
   * Decrypts a payload sealed for {@code context}.
   *
   * @param ciphertext what {@link #seal} returned
   * @param context the context it was sealed for
   * @return the payload
   * @throws IntegrityException if it was modified, sealed for another context, or under an unknown
   *     key
   */
  public byte[] open(byte[] ciphertext, String context) {
    try {
      return aead.decrypt(ciphertext, ad(context));
    } catch (GeneralSecurityException e) {
      throw new IntegrityException(
          null,
          null,
          "a protected payload for context '"
              + context
              + "' does not authenticate (modified,"
              + " sealed for another context, or under a key no longer in the keyset)");
    }
  }

  private static byte[] ad(String context) {
    return ("maasdk/payload/v1\n" + context).getBytes(StandardCharsets.UTF_8);
  }
}
