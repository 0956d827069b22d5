package io.maasdk.security.internal;

import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import java.security.GeneralSecurityException;

/**
 * The one place Tink's boilerplate lives: require an enabled primary key, make the primitive under
 * maasdk's registered configuration, and turn {@link GeneralSecurityException} into the exception a
 * caller of maasdk expects. Thread-safe.
 */
public final class TinkPrimitives {
  private TinkPrimitives() {}

  /** A Tink operation. */
  @FunctionalInterface
  public interface Operation<T> {
    T run() throws GeneralSecurityException;
  }

  /**
   * The {@code type} primitive of {@code keys}.
   *
   * @param keysetName names the keyset in messages, for example {@code "the payload keyset"}
   * @param notThisKind the message if {@code keys} is of another kind, with the remedy: {@code "not
   *     an AEAD keyset: use KeyPurpose.PAYLOAD.generate()"}
   * @throws IntegrityException if {@code keys} has no enabled primary key
   * @throws IllegalArgumentException if {@code keys} cannot make a {@code type}
   */
  public static <P> P primitive(
      KeysetHandle keys, Class<P> type, String keysetName, String notThisKind) {
    requirePrimary(keys, keysetName);
    return make(keys, type, notThisKind);
  }

  /**
   * The {@code type} primitive of {@code keys}, primary or not (a verifier needs none).
   *
   * @throws IllegalArgumentException with {@code notThisKind} if {@code keys} cannot make one
   */
  public static <P> P make(KeysetHandle keys, Class<P> type, String notThisKind) {
    try {
      return keys.getPrimitive(TinkInit.configFor(type), type);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(notThisKind, e);
    }
  }

  /**
   * Requires {@code keys} to have an enabled primary key.
   *
   * @throws IntegrityException naming {@code keysetName} (never the keys) if it has none
   */
  public static void requirePrimary(KeysetHandle keys, String keysetName) {
    try {
      if (keys.getPrimary().getStatus() == KeyStatus.ENABLED) {
        return;
      }
    } catch (RuntimeException e) {
      // no primary at all
    }
    throw new IntegrityException(null, null, keysetName + " has no enabled primary key");
  }

  /**
   * Runs an operation with a key that is known to work (encrypt, sign, compute a MAC or PRF), where
   * a {@link GeneralSecurityException} means a broken setup rather than bad input.
   *
   * @throws IllegalStateException saying "{@code what} failed"
   */
  public static <T> T run(String what, Operation<T> op) {
    try {
      return op.run();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(what + " failed", e);
    }
  }
}
