package io.maasdk;

import io.maasdk.spi.InputFingerprinter;
import java.lang.reflect.Array;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Whether and how a model version's responses are cached. Immutable; set on the spec with {@link
 * ModelSpec.Builder#cachePolicy(CachePolicy)}. Off by default ({@link #disabled()}); on with one
 * call:
 *
 * <pre>{@code
 * ModelSpec.builder("embed", String.class, float[].class)
 *     .cachePolicy(CachePolicy.ofDefaults())                 // 10,000 entries, per tenant
 *     ...
 * CachePolicy bounded = CachePolicy.builder()
 *     .maximumWeight(64L << 20)                              // ~64 MiB of outputs and keys
 *     .expireAfterAccess(Duration.ofMinutes(10))
 *     .perTenant(false)                                      // tenants share answers
 *     .build();
 * }</pre>
 *
 * <p><b>Keys.</b> An entry is keyed by the version that computed it (so an alias move, a pin or a
 * redeploy can never serve another version's answer), the input's fingerprint ({@link
 * InputFingerprinter}) and, with {@link #perTenant()}, the caller's tenant. Inputs the
 * fingerprinter cannot identify are not cached (one warning per model).
 *
 * <p><b>Tenants.</b> With {@link #perTenant()} (the default) a tenant only ever receives entries
 * computed for its own calls and never joins another tenant's computation, so it cannot learn from
 * answers or timing what another tenant asked. Without it, tenants share entries: cheaper, but a
 * fast answer tells a caller that someone asked the same thing before.
 *
 * <p><b>Outputs.</b> Cached primitive-array outputs ({@code float[]}…) are copied on the way in and
 * out, so a caller may change what it gets. Other outputs are shared between callers and must not
 * be mutated (strings, records and immutable lists are safe).
 */
public final class CachePolicy {
  /** Entries kept by {@link #ofDefaults()} and by a builder that sets no bound. */
  public static final long DEFAULT_MAXIMUM_SIZE = 10_000;

  private static final CachePolicy DISABLED =
      new CachePolicy(false, 0, 0, CachePolicy::approximateBytes, null, null, true, null);
  private static final CachePolicy DEFAULTS = builder().build();

  private final boolean enabled;
  private final long maximumSize;
  private final long maximumWeight;
  private final ToIntFunction<Object> weigher;
  private final @Nullable Duration expireAfterWrite;
  private final @Nullable Duration expireAfterAccess;
  private final boolean perTenant;
  private final @Nullable InputFingerprinter fingerprinter;

  private CachePolicy(
      boolean enabled,
      long maximumSize,
      long maximumWeight,
      ToIntFunction<Object> weigher,
      @Nullable Duration expireAfterWrite,
      @Nullable Duration expireAfterAccess,
      boolean perTenant,
      @Nullable InputFingerprinter fingerprinter) {
    this.enabled = enabled;
    this.maximumSize = maximumSize;
    this.maximumWeight = maximumWeight;
    this.weigher = weigher;
    this.expireAfterWrite = expireAfterWrite;
    this.expireAfterAccess = expireAfterAccess;
    this.perTenant = perTenant;
    this.fingerprinter = fingerprinter;
  }

  /** No caching: every call is computed (the default). */
  public static CachePolicy disabled() {
    return DISABLED;
  }

  /**
   * {@value #DEFAULT_MAXIMUM_SIZE} entries, least recently used first out, isolated per tenant, no
   * expiry. Entries never go stale on their own: each deployed version has its own cache, which is
   * dropped when the version is undeployed, so only a model whose answers depend on something
   * outside its input (set {@link Builder#expireAfterWrite}) needs a TTL. Like Triton's response
   * cache, which is bounded by size only. Without a TTL a hit also skips a clock read.
   */
  public static CachePolicy ofDefaults() {
    return DEFAULTS;
  }

  /** A builder starting from {@link #ofDefaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings, to derive a modified copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    if (!enabled) {
      return b.enabled(false);
    }
    if (maximumWeight > 0) {
      b.maximumWeight = maximumWeight;
      b.weigher = weigher;
      b.weigherSet = true;
    } else {
      b.maximumSize = maximumSize;
    }
    b.expireAfterWrite = expireAfterWrite;
    b.expireAfterAccess = expireAfterAccess;
    b.perTenant = perTenant;
    b.fingerprinter = fingerprinter;
    return b;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The entry bound, or {@code 0} when the cache is bounded by {@link #maximumWeight()}. */
  public long maximumSize() {
    return maximumSize;
  }

  /** The weight bound, or {@code 0} when the cache is bounded by {@link #maximumSize()}. */
  public long maximumWeight() {
    return maximumWeight;
  }

  /** Weighs an output when the cache is bounded by weight. */
  public ToIntFunction<Object> weigher() {
    return weigher;
  }

  public @Nullable Duration expireAfterWrite() {
    return expireAfterWrite;
  }

  public @Nullable Duration expireAfterAccess() {
    return expireAfterAccess;
  }

  /** Whether entries are isolated per tenant ({@link CallOptions#tenant()}). */
  public boolean perTenant() {
    return perTenant;
  }

  /** The fingerprinter tried before the built-in ones, if any. */
  public @Nullable InputFingerprinter fingerprinter() {
    return fingerprinter;
  }

  /**
   * The default weigher: an estimate of the bytes an output holds on the heap. Primitive arrays
   * count their elements, strings their characters, collections and maps their elements; anything
   * else weighs 64.
   */
  public static int approximateBytes(Object output) {
    long w = bytes(output, 0);
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  private static long bytes(@Nullable Object o, int depth) {
    if (o == null) {
      return 8;
    }
    if (o instanceof String s) {
      return 40L + s.length();
    }
    Class<?> c = o.getClass();
    if (c.isArray()) {
      int n = Array.getLength(o);
      Class<?> t = c.getComponentType();
      if (t.isPrimitive()) {
        int each =
            t == long.class || t == double.class
                ? 8
                : t == int.class || t == float.class
                    ? 4
                    : t == short.class || t == char.class ? 2 : 1;
        return 16L + (long) n * each;
      }
      long sum = 16L + 4L * n;
      if (depth < 4) {
        for (int i = 0; i < n; i++) {
          sum += bytes(Array.get(o, i), depth + 1);
        }
      }
      return sum;
    }
    if (depth < 4 && o instanceof Collection<?> col) {
      long sum = 32;
      for (Object e : col) {
        sum += 8 + bytes(e, depth + 1);
      }
      return sum;
    }
    if (depth < 4 && o instanceof Map<?, ?> map) {
      long sum = 48;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sum += 32 + bytes(e.getKey(), depth + 1) + bytes(e.getValue(), depth + 1);
      }
      return sum;
    }
    return 64;
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "CachePolicy[disabled]";
    }
    return "CachePolicy["
        + (maximumWeight > 0 ? "maximumWeight=" + maximumWeight : "maximumSize=" + maximumSize)
        + (expireAfterWrite == null ? "" : ", expireAfterWrite=" + expireAfterWrite)
        + (expireAfterAccess == null ? "" : ", expireAfterAccess=" + expireAfterAccess)
        + ", perTenant="
        + perTenant
        + (fingerprinter == null ? "" : ", fingerprinter=" + fingerprinter)
        + "]";
  }

  /**
   * Builds an enabled {@link CachePolicy}; each setter validates at once, and {@link #build()}
   * refuses conflicting bounds (both a size and a weight). Not thread-safe.
   */
  public static final class Builder {
    private long maximumSize;
    private long maximumWeight;
    private ToIntFunction<Object> weigher = CachePolicy::approximateBytes;
    private boolean weigherSet;
    private @Nullable Duration expireAfterWrite;
    private @Nullable Duration expireAfterAccess;
    private boolean perTenant = true;
    private @Nullable InputFingerprinter fingerprinter;
    private boolean enabled = true;

    private Builder() {}

    /** Whether the cache is on (the default for a builder); off builds {@link #disabled()}. */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** At most {@code entries} entries (1 to 2^40); W-TinyLFU picks what to evict. */
    public Builder maximumSize(long entries) {
      if (entries < 1 || entries > (1L << 40)) {
        throw new IllegalArgumentException("maximumSize must be 1..2^40, was " + entries);
      }
      this.maximumSize = entries;
      return this;
    }

    /**
     * At most {@code weight} in total, weighing each entry with the {@link #weigher} (by default
     * {@link CachePolicy#approximateBytes}, so the bound is roughly bytes of heap).
     */
    public Builder maximumWeight(long weight) {
      if (weight < 1) {
        throw new IllegalArgumentException("maximumWeight must be >= 1, was " + weight);
      }
      this.maximumWeight = weight;
      return this;
    }

    /** How an output is weighed under {@link #maximumWeight}; must be fast and never negative. */
    public Builder weigher(ToIntFunction<Object> weigher) {
      this.weigher = Objects.requireNonNull(weigher, "weigher");
      this.weigherSet = true;
      return this;
    }

    /**
     * Entries expire this long after they were computed; {@code null} (the default) for never. A
     * TTL makes every read check the clock (about 30 ns here).
     */
    public Builder expireAfterWrite(@Nullable Duration ttl) {
      this.expireAfterWrite = positive(ttl, "expireAfterWrite");
      return this;
    }

    /** Entries expire this long after they were last read; {@code null} (default) for never. */
    public Builder expireAfterAccess(@Nullable Duration ttl) {
      this.expireAfterAccess = positive(ttl, "expireAfterAccess");
      return this;
    }

    /** Whether each tenant has its own entries (default {@code true}); see the class javadoc. */
    public Builder perTenant(boolean perTenant) {
      this.perTenant = perTenant;
      return this;
    }

    /** A fingerprinter tried before the built-ins, for input types they do not know. */
    public Builder fingerprinter(InputFingerprinter fingerprinter) {
      this.fingerprinter = Objects.requireNonNull(fingerprinter, "fingerprinter");
      return this;
    }

    /**
     * @throws IllegalStateException if both a maximum size and a maximum weight were set, or a
     *     weigher without a maximum weight
     */
    public CachePolicy build() {
      if (!enabled) {
        return DISABLED;
      }
      if (maximumSize > 0 && maximumWeight > 0) {
        throw new IllegalStateException(
            "a CachePolicy is bounded by entries or by weight, not both: maximumSize="
                + maximumSize
                + ", maximumWeight="
                + maximumWeight);
      }
      if (weigherSet && maximumWeight == 0) {
        throw new IllegalStateException("a weigher needs maximumWeight(...) to be set");
      }
      long size = maximumSize == 0 && maximumWeight == 0 ? DEFAULT_MAXIMUM_SIZE : maximumSize;
      return new CachePolicy(
          true,
          size,
          maximumWeight,
          weigher,
          expireAfterWrite,
          expireAfterAccess,
          perTenant,
          fingerprinter);
    }

    private static @Nullable Duration positive(@Nullable Duration d, String what) {
      if (d != null && (d.isNegative() || d.isZero())) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
