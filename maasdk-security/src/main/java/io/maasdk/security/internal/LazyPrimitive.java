package io.maasdk.security.internal;

import com.google.crypto.tink.KeysetHandle;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A Tink primitive made on first use. Making one can cost hundreds of milliseconds on a cold JVM
 * (Ed25519 set-up, for one), so sources make theirs on the runtime's artifact-opening thread, where
 * the work overlaps the engine's start. Thread-safe.
 */
public final class LazyPrimitive<P> {
  private final KeysetHandle keys;
  private final Class<P> type;
  private final String notThisKind;
  private final @Nullable Function<KeysetHandle, @Nullable P> preferred;
  private volatile @Nullable P primitive;

  /**
   * @param notThisKind the message of the {@link IllegalArgumentException} thrown if {@code keys}
   *     cannot make a {@code type}
   */
  public LazyPrimitive(KeysetHandle keys, Class<P> type, String notThisKind) {
    this(keys, type, notThisKind, null);
  }

  /**
   * @param preferred makes a faster equivalent of Tink's primitive, or returns {@code null} where
   *     it cannot (then Tink's is made)
   */
  public LazyPrimitive(
      KeysetHandle keys,
      Class<P> type,
      String notThisKind,
      @Nullable Function<KeysetHandle, @Nullable P> preferred) {
    this.keys = keys;
    this.type = type;
    this.notThisKind = notThisKind;
    this.preferred = preferred;
  }

  public P get() {
    P p = primitive;
    if (p == null) {
      synchronized (this) {
        p = primitive;
        if (p == null) {
          p = preferred != null ? preferred.apply(keys) : null;
          if (p == null) {
            p = TinkPrimitives.make(keys, type, notThisKind);
          }
          primitive = p;
        }
      }
    }
    return p;
  }
}
