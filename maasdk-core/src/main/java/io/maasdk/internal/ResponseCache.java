package io.maasdk.internal;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.maasdk.CachePolicy;
import io.maasdk.CallOptions;
import io.maasdk.Ticker;
import io.maasdk.Version;
import io.maasdk.spi.InputFingerprinter;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's response cache: one Caffeine {@link AsyncCache} per deployed version whose spec
 * enables caching, created on its first cached call and dropped when the version is undeployed.
 *
 * <p>Why one cache per version rather than one per runtime with namespaced keys: each spec's policy
 * (size or weight bound, TTLs) is honoured exactly, a busy model cannot evict a quiet one's
 * entries, dropping a version is O(1) instead of a scan, and the key on the hot path is just the
 * input's fingerprint (plus the tenant), so a hit hashes and compares less. The model name and the
 * <em>resolved</em> version are still part of every key: they select the cache, which belongs to
 * one {@link Deployment} instance, so even a version undeployed and deployed again (perhaps from
 * other bytes) starts empty.
 *
 * <p>Thread-safe. Cached values are the outputs; in-flight computations are the futures Caffeine
 * holds, which is what makes identical concurrent calls compute once.
 */
public final class ResponseCache {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseCache.class);

  private final Map<Deployment<?, ?>, VersionCache> caches = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile Ticker ticker = Ticker.system();

  /** Statistics of caches already dropped, so the runtime-wide counters never go backwards. */
  private CacheStats retired = CacheStats.empty();

  ResponseCache() {}

  /** The time source for TTLs; set before the first cached call (tests inject a fake one). */
  void ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  /** The cache of {@code dv}, created on first use; {@code null} once {@code dv} is draining. */
  @Nullable VersionCache forVersion(Deployment<?, ?> dv) {
    VersionCache c = caches.get(dv);
    if (c != null) {
      return c;
    }
    if (!dv.accepting()) {
      return null;
    }
    c = caches.computeIfAbsent(dv, d -> new VersionCache(d, ticker));
    if (!dv.accepting()) { // lost a race with undeploy: it may already have dropped the map entry
      drop(dv);
      return null;
    }
    return c;
  }

  /** Drops every entry of {@code dv} (undeploy). */
  public void drop(Deployment<?, ?> dv) {
    VersionCache c = caches.remove(dv);
    if (c != null) {
      c.dropped = true; // handles that remembered it look it up again (and find none)
      c.cache.synchronous().invalidateAll();
      synchronized (this) {
        retired = retired.plus(c.cache.synchronous().stats());
      }
    }
  }

  /** Drops every entry of every version of {@code model}; returns how many versions had some. */
  public int invalidate(String model) {
    int n = 0;
    for (VersionCache c : caches.values()) {
      if (c.dv.spec.name().equals(model)) {
        c.cache.synchronous().invalidateAll();
        n++;
      }
    }
    return n;
  }

  /** Drops every entry of {@code model@version}; {@code false} if it had no cache. */
  public boolean invalidate(String model, Version version) {
    boolean any = false;
    for (VersionCache c : caches.values()) {
      if (c.dv.spec.name().equals(model) && c.dv.version().equals(version)) {
        c.cache.synchronous().invalidateAll();
        any = true;
      }
    }
    return any;
  }

  /** Drops everything (runtime close). */
  void clear() {
    for (Deployment<?, ?> dv : new ArrayList<>(caches.keySet())) {
      drop(dv);
    }
  }

  /** Every version's statistics together, dropped versions included (counters never go back). */
  public io.maasdk.CacheStats stats() {
    cleanUpAll(); // pending evictions are counted before they are read
    return maasdk(totalStats(), totalSize());
  }

  /** One version's statistics, if it has a cache yet. */
  public Optional<io.maasdk.CacheStats> stats(String model, Version version) {
    for (VersionCache c : caches.values()) {
      if (c.dv.spec.name().equals(model) && c.dv.version().equals(version)) {
        Cache<Object, Object> sync = c.cache.synchronous();
        sync.cleanUp();
        return Optional.of(maasdk(sync.stats(), sync.estimatedSize()));
      }
    }
    return Optional.empty();
  }

  private static io.maasdk.CacheStats maasdk(CacheStats s, long size) {
    return new io.maasdk.CacheStats(
        s.hitCount(), s.missCount(), s.evictionCount(), Math.max(0, size));
  }

  private CacheStats totalStats() {
    CacheStats s;
    synchronized (this) {
      s = retired;
    }
    for (VersionCache c : caches.values()) {
      s = s.plus(c.cache.synchronous().stats());
    }
    return s;
  }

  private long totalSize() {
    long n = 0;
    for (VersionCache c : caches.values()) {
      n += c.cache.synchronous().estimatedSize();
    }
    return n;
  }

  private void cleanUpAll() {
    caches.values().forEach(c -> c.cache.synchronous().cleanUp());
  }

  /** Copies primitive arrays, so no caller can change what the cache or another caller holds. */
  @SuppressWarnings("unchecked")
  static <T> T copy(T value) {
    if (value instanceof float[] a) {
      return (T) a.clone();
    } else if (value instanceof double[] a) {
      return (T) a.clone();
    } else if (value instanceof int[] a) {
      return (T) a.clone();
    } else if (value instanceof long[] a) {
      return (T) a.clone();
    } else if (value instanceof byte[] a) {
      return (T) a.clone();
    } else if (value instanceof short[] a) {
      return (T) a.clone();
    } else if (value instanceof char[] a) {
      return (T) a.clone();
    } else if (value instanceof boolean[] a) {
      return (T) a.clone();
    }
    return value;
  }

  /**
   * A key isolated per tenant, for every tenant but {@link CallOptions#DEFAULT_TENANT}, whose key
   * is the bare fingerprint: no fingerprint is ever a {@code TenantKey} (the type is private to
   * this package, and no value record holds an {@code Object}), so the two kinds never collide, and
   * the most common call allocates no key.
   */
  record TenantKey(String tenant, Object fingerprint) {}

  /**
   * A computation this call leads for one key. Its waiters hold {@link #promise}; {@link #succeed}
   * caches the answer, {@link #fail} removes the entry first and then hands the waiters a {@link
   * Failed} marker: the cache never completes a future exceptionally, so Caffeine never logs a
   * failed load with its full traceback (one bad input used to write ~235 lines per call).
   */
  static final class Flight implements BiFunction<Object, Executor, CompletableFuture<Object>> {
    private final VersionCache owner;
    private final Object key;
    @Nullable CompletableFuture<Object> promise;

    Flight(VersionCache owner, Object key) {
      this.owner = owner;
      this.key = key;
    }

    @Override
    public CompletableFuture<Object> apply(Object k, Executor executor) {
      promise = new CompletableFuture<>();
      return promise;
    }

    void succeed(Object output) {
      promise().complete(copy(output));
    }

    void fail(Throwable error) {
      CompletableFuture<Object> p = promise();
      owner.cache.asMap().remove(key, p);
      p.complete(new Failed(error));
    }

    private CompletableFuture<Object> promise() {
      return Objects.requireNonNull(promise, "not a leader");
    }
  }

  /** An identical call's computation in flight, to wait for. */
  record Joined(CompletableFuture<Object> flight) {}

  /** What a failed flight hands its waiters instead of an exceptional completion. */
  record Failed(Throwable error) {}

  /** One deployed version's cache. */
  final class VersionCache {
    final Deployment<?, ?> dv;
    final CachePolicy policy;
    final AsyncCache<Object, Object> cache;

    /** This cache's statistics; the request path records fast-path hits on it directly. */
    final com.github.benmanes.caffeine.cache.stats.ConcurrentStatsCounter stats =
        new com.github.benmanes.caffeine.cache.stats.ConcurrentStatsCounter();

    private final @Nullable InputFingerprinter custom;
    private final boolean perTenant;

    /** Set when {@link #drop} removed this cache: a handle's remembered reference is then stale. */
    volatile boolean dropped;

    VersionCache(Deployment<?, ?> dv, Ticker ticker) {
      this.dv = dv;
      this.policy = dv.spec.cachePolicy();
      this.custom = policy.fingerprinter();
      this.perTenant = policy.perTenant();
      Caffeine<Object, Object> b =
          Caffeine.newBuilder()
              .recordStats(() -> stats)
              .ticker(ticker::read)
              .executor(Runnable::run);
      if (policy.maximumWeight() > 0) {
        var weigher = policy.weigher();
        b.maximumWeight(policy.maximumWeight())
            .weigher(
                (k, v) ->
                    (int)
                        Math.min(
                            Integer.MAX_VALUE,
                            (long) Math.max(0, weigher.applyAsInt(v)) + keyWeight(k)));
      } else {
        b.maximumSize(policy.maximumSize());
      }
      if (policy.expireAfterWrite() != null) {
        b.expireAfterWrite(policy.expireAfterWrite());
      }
      if (policy.expireAfterAccess() != null) {
        b.expireAfterAccess(policy.expireAfterAccess());
      }
      this.cache = b.buildAsync();
    }

    /**
     * The key of {@code input} for {@code tenant}, or {@code null} if its type has no fingerprint
     * (warned once per model).
     */
    @Nullable Object key(Object input, String tenant) {
      Object fp = custom == null ? null : custom.fingerprint(input);
      if (fp == null) {
        fp = Fingerprints.INSTANCE.fingerprint(input);
      }
      if (fp == null) {
        if (warned.add(dv.spec.name())) {
          LOG.warn(
              "model {} has caching on, but its input type {} has no fingerprint: such calls"
                  + " are computed without the cache. Set CachePolicy.builder().fingerprinter(...)"
                  + " for it.",
              dv.spec.name(),
              input.getClass().getName());
        }
        return null;
      }
      return perTenant && !CallOptions.DEFAULT_TENANT.equals(tenant)
          ? new TenantKey(tenant, fp)
          : fp;
    }

    /**
     * Stage 3 for one key: the cached output (a hit, counted), a {@link Flight} this call now leads
     * (a miss: it computes and settles the flight), or a {@link Joined} flight of an identical call
     * already computing (single flight: it waits for that answer). A failed computation is never
     * cached or served.
     */
    Object lookup(Object key) {
      CompletableFuture<Object> present = cache.asMap().get(key);
      if (present != null && present.isDone()) {
        Object v = present.getNow(null);
        if (v != null && !(v instanceof Failed)) {
          // The common hit: a plain map read (no loader, no allocation); counted by hand, because
          // Map.get records no statistics.
          stats.recordHits(1);
          return v;
        }
      }
      for (int attempt = 0; ; attempt++) {
        Flight leader = new Flight(this, key);
        CompletableFuture<Object> entry = cache.get(key, leader);
        if (leader.promise == entry) {
          return leader;
        }
        if (entry.isDone()) {
          Object v = entry.getNow(null);
          if (v != null && !(v instanceof Failed)) {
            return v;
          }
          cache.asMap().remove(key, entry); // a failure its leader has not removed yet
          if (attempt < 2) {
            continue;
          }
        }
        return new Joined(entry);
      }
    }

    /** The key's weight; a per-tenant cache weighs the default tenant's bare key as a TenantKey. */
    private int keyWeight(Object key) {
      if (key instanceof TenantKey t) {
        return 32 + t.tenant().length() + fingerprintWeight(t.fingerprint());
      }
      return perTenant
          ? 32 + CallOptions.DEFAULT_TENANT.length() + fingerprintWeight(key)
          : fingerprintWeight(key);
    }

    private static int fingerprintWeight(Object fp) {
      return fp instanceof Fingerprints.Sha256 ? 48 : CachePolicy.approximateBytes(fp);
    }
  }
}
