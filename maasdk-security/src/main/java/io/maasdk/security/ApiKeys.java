package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.prf.PrfSet;
import io.maasdk.security.internal.TinkPrimitives;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Issues API keys and turns them into the keyed hashes an {@link AccessPolicy} stores: HMAC-SHA256
 * (Tink PRF) under a {@link KeyPurpose#PRF} keyset that stays on the server, so a leaked policy
 * file does not give away keys, nor lets anyone test guesses offline. Rotating the PRF keyset
 * changes every hash: re-hash or re-issue keys after rotating it. Thread-safe.
 */
public final class ApiKeys {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PREFIX = "mk_";

  private final PrfSet prf;

  private ApiKeys(PrfSet prf) {
    this.prf = prf;
  }

  /**
   * Hashes under {@code prfKeys}' primary key.
   *
   * @param prfKeys a PRF keyset ({@link KeyPurpose#PRF})
   * @return the hasher
   */
  public static ApiKeys of(KeysetHandle prfKeys) {
    return new ApiKeys(
        TinkPrimitives.primitive(
            prfKeys,
            PrfSet.class,
            "the API-key keyset",
            "not a PRF keyset: use KeyPurpose.PRF.generate()"));
  }

  /**
   * A new random API key ({@code mk_} and 43 URL-safe characters, 256 bits). Show it once.
   *
   * @return the new key
   */
  public static String newKey() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * The keyed hash of {@code apiKey} to store in a policy, base64url.
   *
   * @param apiKey the key a caller presents
   * @return its hash
   */
  public String hash(String apiKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(rawHash(apiKey));
  }

  byte[] rawHash(String apiKey) {
    return TinkPrimitives.run(
        "PRF", () -> prf.computePrimary(apiKey.getBytes(StandardCharsets.UTF_8), 32));
  }

  /** Constant-time comparison of two hashes of equal length. */
  static boolean sameHash(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
