package io.maasdk.security.internal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Brings the JDK's AES-GCM decryption and SHA-256 up to their intrinsics before a large file is
 * decrypted and hashed, once per JVM.
 *
 * <p>Why: HotSpot uses the GHASH and AES-CTR intrinsics only once the callers of {@code
 * GHASH.processBlocks} and {@code CounterMode.implCrypt} are compiled by C2, which takes about
 * 5,000 calls. Tink's streaming AEAD makes one call per 4 KB segment, so on a cold JVM the first
 * ~20 MB of a model are decrypted by interpreted and C1 code at ~80 MB/s (measured: ~50 ms per 4
 * MB, then ~2 ms per 4 MB). Here the same calls ({@code Cipher.init} and {@code doFinal} on heap
 * {@link ByteBuffer}s, as Tink makes them) are made on 64-byte messages instead, which reaches the
 * same compilations for a fraction of the CPU time; likewise {@code MessageDigest.update}, which
 * the reader calls once per segment to hash the ciphertext. Measured on MiniLM (91 MB) in a fresh
 * JVM: the opening thread's CPU time falls from ~510 to ~390 ms (JFR: GHASH went from 108 of 127
 * samples to 3). Larger segments would not help: with 1 MB segments the callers never reach C2
 * within a model's size and the whole file decrypts at the slow rate (measured: 1.2 CPU-s for
 * MiniLM, on a warm JVM too).
 *
 * <p>The key is all zeros and the data is constant: nothing secret is touched, and the result is
 * discarded. Thread-safe.
 */
public final class DecryptWarmUp {
  /** Files smaller than this decrypt too quickly for the warm-up to pay off. */
  public static final long WORTH_IT_BYTES = 16L << 20;

  static final int CALLS = 8_000;
  private static final AtomicBoolean DONE = new AtomicBoolean();

  private DecryptWarmUp() {}

  /** Warms AES-GCM and SHA-256 up if {@code ciphertextBytes} is large enough, once per JVM. */
  public static void beforeDecrypting(long ciphertextBytes) {
    if (ciphertextBytes >= WORTH_IT_BYTES && DONE.compareAndSet(false, true)) {
      try {
        run(CALLS);
      } catch (GeneralSecurityException | RuntimeException e) {
        // a provider without AES-GCM: the real decryption will say so
      }
    }
  }

  static void run(int calls) throws GeneralSecurityException {
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    byte[] iv = new byte[12];
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
    byte[] ciphertext = cipher.doFinal(new byte[64]);
    ByteBuffer in = ByteBuffer.allocate(ciphertext.length);
    ByteBuffer out = ByteBuffer.allocate(ciphertext.length);
    MessageDigest sha = Hex.sha256();
    for (int i = 0; i < calls; i++) {
      sha.update(ciphertext, 0, ciphertext.length);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
      in.clear();
      in.put(ciphertext).flip();
      out.clear();
      cipher.doFinal(in, out);
    }
  }
}
