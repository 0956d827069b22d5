package io.maasdk.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.maasdk.CachePolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.maasdk.testkit.TestModels;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * cache.hit_vs_caffeine_get.ratio (issue #4): a cached {@code ModelHandle.predict} of a
 * 64-character String against a bare Caffeine {@code getIfPresent} with a precomputed key.
 *
 * <p>The headline uses {@link CachePolicy#ofDefaults()}: at most 10,000 entries, isolated per
 * tenant, no TTL, like the bare Caffeine cache. Two more benchmarks show what options add: a 1 h
 * TTL (Caffeine then reads its ticker, {@code System.nanoTime()}, on every read) and an {@link
 * InferenceListener} registered (which must still see one event per call, saying it was a hit). Run
 * by {@link CacheBenchmarks#hitVsCaffeineGet()}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CacheHitBenchmark {
  static final String TEXT =
      "The quick brown fox jumps over the lazy dog, twice, for caching."; // 64 characters

  /** A runtime with the text model deployed and {@link #TEXT} already cached. */
  @State(Scope.Benchmark)
  public static class Sdk {
    ModelRuntime runtime;
    ModelHandle<String, float[]> handle;
    String input;
    final LongAdder computed = new LongAdder();
    final LongAdder hits = new LongAdder();

    boolean withListener() {
      return false;
    }

    CachePolicy policy() {
      return CachePolicy.ofDefaults();
    }

    @Setup(Level.Trial)
    public void setUp() {
      ModelRuntime.Builder b = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly());
      if (withListener()) {
        b.listener(
            (InferenceEvent e) -> {
              if (e.cacheHit()) {
                hits.increment();
              } else if (e.outcome().isSuccess()) {
                computed.increment();
              }
            });
      }
      runtime = b.build();
      runtime.deploy(
          ModelSpec.builder("text", String.class, float[].class)
              .version("1.0.0")
              .source(ModelSource.classpath(TestModels.resource("echo")))
              .translator(CacheBenchmarks.textToEcho())
              .devicePolicy(DevicePolicy.cpu())
              .cachePolicy(policy())
              .build());
      handle = runtime.handle("text", "1.0.0", String.class, float[].class);
      input = new String(TEXT.toCharArray()); // not the interned constant
      handle.predict(input);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      long misses = runtime.responseCacheStats().misses();
      long cachedHits = runtime.responseCacheStats().hits();
      runtime.close();
      if (misses != 1) {
        throw new IllegalStateException("expected one computation, the cache saw " + misses);
      }
      if (withListener() && (computed.sum() != 1 || hits.sum() != cachedHits)) {
        throw new IllegalStateException(
            "the listener saw "
                + computed.sum()
                + " computations and "
                + hits.sum()
                + " hits; the cache counted 1 and "
                + cachedHits);
      }
    }
  }

  /** The same with a 1 h TTL. */
  @State(Scope.Benchmark)
  public static class SdkWithTtl extends Sdk {
    @Override
    CachePolicy policy() {
      return CachePolicy.builder().expireAfterWrite(java.time.Duration.ofHours(1)).build();
    }
  }

  /** The same, with a listener counting every event. */
  @State(Scope.Benchmark)
  public static class SdkWithListener extends Sdk {
    @Override
    boolean withListener() {
      return true;
    }
  }

  /** A bare Caffeine cache holding the same kind of entry, its key computed up front. */
  @State(Scope.Benchmark)
  public static class Bare {
    Cache<String, float[]> cache;
    String key;

    @Setup(Level.Trial)
    public void setUp() {
      cache = Caffeine.newBuilder().maximumSize(10_000).build();
      key = new String(TEXT.toCharArray());
      cache.put(key, new float[4]);
    }
  }

  @Benchmark
  public float[] maasdkCachedPredict(Sdk s) {
    return s.handle.predict(s.input);
  }

  @Benchmark
  public float[] maasdkCachedPredictWithTtl(SdkWithTtl s) {
    return s.handle.predict(s.input);
  }

  @Benchmark
  public float[] maasdkCachedPredictWithListener(SdkWithListener s) {
    return s.handle.predict(s.input);
  }

  @Benchmark
  public float[] caffeineGetIfPresent(Bare b) {
    return b.cache.getIfPresent(b.key);
  }
}
