package io.maasdk.security.internal;

import com.google.crypto.tink.AccessesPartialKey;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.signature.Ed25519Parameters;
import com.google.crypto.tink.signature.Ed25519PublicKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Verifies signatures made by a Tink Ed25519 keyset with the JDK's own EdDSA ({@code
 * Signature.getInstance("Ed25519")}, JDK 15+), accepting exactly what Tink's {@link
 * PublicKeyVerify} for the same keyset accepts: a signature verifies if one enabled key's output
 * prefix (empty for {@code NO_PREFIX}) starts it and that key verifies the 64 bytes after it, over
 * the data, or over the data and one zero byte for a {@code LEGACY} key.
 *
 * <p>Why: on a cold JVM Tink's Ed25519 builds its constants through {@code BigInteger} (JFR: {@code
 * Ed25519Constants.<clinit>}) and costs about 0.3 CPU-s for the first verification; the JDK's costs
 * about 0.13 s. Where the JDK has no Ed25519 (a runtime image without {@code jdk.crypto.ec}) or the
 * keyset holds any other kind of key, {@link #of} returns {@code null} and the caller uses Tink's
 * primitive. Thread-safe.
 */
public final class JdkEd25519Verify implements PublicKeyVerify {
  private static final int SIGNATURE_BYTES = 64;

  /** The DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), before the key. */
  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private record Candidate(byte[] prefix, boolean legacy, PublicKey key) {}

  private final List<Candidate> candidates;

  private JdkEd25519Verify(List<Candidate> candidates) {
    this.candidates = candidates;
  }

  /**
   * A verifier over the enabled keys of {@code keys}, or {@code null} if any enabled key is not
   * Ed25519, none is enabled, or the JDK cannot verify Ed25519.
   */
  // Reads the raw public key bytes to hand them to the JDK's EdDSA: public material only.
  @AccessesPartialKey
  public static @Nullable PublicKeyVerify of(KeysetHandle keys) {
    List<Candidate> list = new ArrayList<>();
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      Signature.getInstance("Ed25519");
      for (int i = 0; i < keys.size(); i++) {
        KeysetHandle.Entry entry = keys.getAt(i);
        if (entry.getStatus() != KeyStatus.ENABLED) {
          continue;
        }
        if (!(entry.getKey() instanceof Ed25519PublicKey key)) {
          return null;
        }
        byte[] raw = key.getPublicKeyBytes().toByteArray();
        byte[] der = new byte[X509_PREFIX.length + raw.length];
        System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, der, X509_PREFIX.length, raw.length);
        list.add(
            new Candidate(
                key.getOutputPrefix().toByteArray(),
                key.getParameters().getVariant() == Ed25519Parameters.Variant.LEGACY,
                factory.generatePublic(new X509EncodedKeySpec(der))));
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      return null; // no Ed25519 in this JDK, or a key it will not decode: let Tink judge
    }
    return list.isEmpty() ? null : new JdkEd25519Verify(List.copyOf(list));
  }

  @Override
  public void verify(byte[] signature, byte[] data) throws GeneralSecurityException {
    for (Candidate c : candidates) {
      if (signature.length != c.prefix.length + SIGNATURE_BYTES
          || !startsWith(signature, c.prefix)) {
        continue;
      }
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(c.key);
      s.update(data);
      if (c.legacy) {
        s.update((byte) 0);
      }
      try {
        if (s.verify(signature, c.prefix.length, SIGNATURE_BYTES)) {
          return;
        }
      } catch (SignatureException e) {
        // a malformed signature for this key: try the next one
      }
    }
    throw new GeneralSecurityException("invalid signature");
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (a[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
