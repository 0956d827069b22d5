package io.maasdk.security;

import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import io.maasdk.security.internal.TinkInit;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Key rotation and inspection. Keyset handles are immutable: every operation returns a new one;
 * persist it with {@link KeysetLoader#write}.
 *
 * <p>Rotation: {@link #rotate} adds a new primary; data under older keys still decrypts and
 * verifies. {@link ArtifactCipher#reencryptDirectory} then moves models to the new primary, after
 * which {@link #disable} or {@link #retireAllButPrimary} retires the old keys. Thread-safe
 * (stateless).
 */
public final class Keysets {
  private Keysets() {}

  /**
   * A copy of {@code keyset} with a fresh key for {@code purpose} as its new primary.
   *
   * @param keyset the keyset; it is not changed
   * @param purpose the purpose of the new key
   * @return the rotated copy; the old keys still decrypt and verify
   */
  public static KeysetHandle rotate(KeysetHandle keyset, KeyPurpose purpose) {
    TinkInit.config();
    try {
      return KeysetHandle.newBuilder(keyset)
          .addEntry(
              KeysetHandle.generateEntryFromParameters(purpose.parameters())
                  .withRandomId()
                  .makePrimary())
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot rotate a " + purpose + " keyset", e);
    }
  }

  /**
   * A copy of {@code keyset} with key {@code keyId} disabled (it must not be the primary).
   *
   * @param keyset the keyset; it is not changed
   * @param keyId the id of the key to disable
   * @return the copy
   */
  public static KeysetHandle disable(KeysetHandle keyset, int keyId) {
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(keyset);
      for (int i = 0; i < b.size(); i++) {
        if (keyset.getAt(i).getId() == keyId) {
          if (keyset.getAt(i).isPrimary()) {
            throw new IllegalArgumentException("key " + keyId + " is the primary: rotate first");
          }
          b.getAt(i).setStatus(KeyStatus.DISABLED);
          return b.build();
        }
      }
      throw new IllegalArgumentException(
          "no key " + keyId + " in the keyset; ids: " + keyIds(keyset));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot disable key " + keyId, e);
    }
  }

  /**
   * A copy of {@code keyset} that holds only its primary key.
   *
   * @param keyset the keyset; it is not changed
   * @return the copy
   */
  public static KeysetHandle retireAllButPrimary(KeysetHandle keyset) {
    try {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(keyset);
      for (int i = b.size() - 1; i >= 0; i--) {
        if (!b.getAt(i).isPrimary()) {
          b.deleteAt(i);
        }
      }
      return b.build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot retire old keys", e);
    }
  }

  /**
   * The public half of a signing keyset: give this, never the private keyset, to verifiers.
   *
   * @param signingKeyset the private signing keyset
   * @return the public verification keyset
   */
  public static KeysetHandle publicKeys(KeysetHandle signingKeyset) {
    try {
      return signingKeyset.getPublicKeysetHandle();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a private signing keyset", e);
    }
  }

  /**
   * The id of the primary key.
   *
   * @param keyset the keyset
   * @return the primary key's id
   */
  public static int primaryId(KeysetHandle keyset) {
    return keyset.getPrimary().getId();
  }

  /**
   * Ids of every key, in keyset order (ids are not secret).
   *
   * @param keyset the keyset
   * @return the key ids
   */
  public static List<Integer> keyIds(KeysetHandle keyset) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < keyset.size(); i++) {
      ids.add(keyset.getAt(i).getId());
    }
    return ids;
  }
}
