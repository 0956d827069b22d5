package io.maasdk.spi;

import io.maasdk.internal.Fingerprints;
import org.jspecify.annotations.Nullable;

/**
 * Turns a model input into the part of a response-cache key that identifies it. Set one on a {@link
 * io.maasdk.CachePolicy} for input types the built-ins do not know; it is tried first, and the
 * built-ins ({@link #builtIn()}) after it.
 *
 * <p>A fingerprint must be <b>exact</b>: two inputs may have equal fingerprints only if the model
 * gives the same output for both. Return the input itself when it is immutable and has value
 * equality (a {@code String}), an immutable copy, or a collision-resistant digest (SHA-256, or a
 * keyed hash of at least 128 bits) — never {@code hashCode()} alone, which collides. The returned
 * object must be immutable, with {@code equals}/{@code hashCode} by value.
 *
 * <p>Implementations must be thread-safe and fast: they run on the caller's thread for every call
 * to a model with caching on.
 */
@FunctionalInterface
public interface InputFingerprinter {

  /**
   * The input's fingerprint, or {@code null} if this fingerprinter does not know the input's type
   * (the call is then computed without the cache).
   *
   * @param input the call's input
   * @return a value whose equality stands for the input's, or {@code null}
   */
  @Nullable Object fingerprint(Object input);

  /**
   * The built-in fingerprinter. {@code String}s, boxed primitives, enums and records whose
   * components are all of these are their own key; {@code List}s and {@code Map}s of them become
   * immutable copies. {@code byte[]} and other primitive arrays, and lists, maps and records that
   * hold them, become a SHA-256 digest of an unambiguous encoding (types, lengths and values).
   * Anything else gives {@code null}.
   *
   * @return the built-in fingerprinter
   */
  static InputFingerprinter builtIn() {
    return Fingerprints.INSTANCE;
  }
}
