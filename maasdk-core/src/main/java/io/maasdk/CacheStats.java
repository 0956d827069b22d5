package io.maasdk;

/**
 * Statistics of response caches, at one moment: counters since the runtime started (they never go
 * backwards, undeployed versions included) and the current size. Immutable.
 *
 * @param hits calls answered from the cache
 * @param misses cacheable calls that were computed (or joined an identical call in flight)
 * @param evictions entries dropped to stay within the cache's bound or expired
 * @param size entries held now (approximate while other threads call)
 */
public record CacheStats(long hits, long misses, long evictions, long size) {

  /**
   * Checks that no figure is negative.
   *
   * @param hits calls answered from the cache
   * @param misses cacheable calls that were computed (or joined an identical call in flight)
   * @param evictions entries dropped to stay within the cache's bound or expired
   * @param size entries held now (approximate while other threads call)
   */
  public CacheStats {
    if (hits < 0 || misses < 0 || evictions < 0 || size < 0) {
      throw new IllegalArgumentException(
          "cache statistics cannot be negative: "
              + hits
              + " hits, "
              + misses
              + " misses, "
              + evictions
              + " evictions, size "
              + size);
    }
  }

  /**
   * Hits and misses.
   *
   * @return {@code hits + misses}
   */
  public long requests() {
    return hits + misses;
  }

  /**
   * Hits per request, {@code 1.0} when there was no request (as Caffeine reports it).
   *
   * @return the hit rate, in [0, 1]
   */
  public double hitRate() {
    long r = requests();
    return r == 0 ? 1.0 : (double) hits / r;
  }
}
