package io.maasdk.security.internal;

import com.google.crypto.tink.KeysetHandle;
import org.jspecify.annotations.Nullable;

/**
 * A Tink primitive made on first use. Making one can cost hundreds of milliseconds on a cold JVM
 * (Ed25519 set-up, for one), so sources make theirs on the runtime's artifact-opening thread,
 * where the work overlaps the engine's start. Thread-safe.
 */
public final class LazyPrimitive<P> {
  private final KeysetHandle keys;
  private final Class<P> type;
  private final String notThisKind;
  private volatile @Nullable P primitive;

  /**
   * @param notThisKind the message of the {@link IllegalArgumentException} thrown if {@code keys}
   *     cannot make a {@code type}
   */
  public LazyPrimitive(KeysetHandle keys, Class<P> type, String notThisKind) {
    this.keys = keys;
    this.type = type;
    this.notThisKind = notThisKind;
  }

  public P get() {
    P p = primitive;
    if (p == null) {
      synchronized (this) {
        p = primitive;
        if (p == null) {
          p = TinkPrimitives.make(keys, type, notThisKind);
          primitive = p;
        }
      }
    }
    return p;
  }
}
