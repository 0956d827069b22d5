package io.maasdk.benchmarks;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.CachePolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.benchmarks.BenchmarkSuite.Figure;
import io.maasdk.codec.Codecs;
import io.maasdk.codec.FloatVectorTranslator;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Response-cache figures (issue #4) on the testkit's echo model: the per-call cost of a hit under
 * JMH ({@link CacheHitBenchmark}), the others as timed runs. Run alone with {@code main}, or call
 * {@link #hitVsCaffeineGet()} and {@link #hotKeys()} from the suite.
 */
final class CacheBenchmarks {
  private CacheBenchmarks() {}

  /** A {@code String -> float[]} model over echo: the text's length and first characters. */
  static Translator<String, float[]> textToEcho() {
    FloatVectorTranslator inner = Codecs.floatVector(4);
    return new Translator<>() {
      @Override
      public NDList processInput(TranslatorContext ctx, String input) throws Exception {
        float[] x = new float[4];
        x[0] = input.length();
        for (int i = 1; i < 4 && i <= input.length(); i++) {
          x[i] = input.charAt(i - 1);
        }
        return inner.processInput(ctx, x);
      }

      @Override
      public float[] processOutput(TranslatorContext ctx, NDList list) {
        return inner.processOutput(ctx, list);
      }
    };
  }

  private static ModelRuntime runtime(LongAdder computed) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .listener(
            (InferenceEvent e) -> {
              if (e.outcome().isSuccess() && !e.cacheHit()) {
                computed.increment();
              }
            })
        .build();
  }

  /**
   * A cached {@code predict} of a 64-character String against a bare Caffeine {@code getIfPresent}
   * with a precomputed key, both caches bounded to 10,000 entries without TTL (maasdk's {@code
   * CachePolicy.ofDefaults()}): {@link CacheHitBenchmark} under JMH, every benchmark in the same
   * run with the same fork settings. Target: at most 10x.
   */
  static Figure hitVsCaffeineGet() throws RunnerException {
    Map<String, Jmh.Score> scores =
        Jmh.run(CacheHitBenchmark.class, 3, TimeValue.seconds(1), 5, TimeValue.seconds(1));
    Jmh.Score sdk = Jmh.score(scores, "maasdkCachedPredict");
    Jmh.Score raw = Jmh.score(scores, "caffeineGetIfPresent");
    Jmh.Score defaults = Jmh.score(scores, "maasdkCachedPredictWithTtl");
    Jmh.Score listened = Jmh.score(scores, "maasdkCachedPredictWithListener");
    double ratio = sdk.value() / raw.value();
    return new Figure(
        "cache.hit_vs_caffeine_get.ratio",
        ratio,
        "ratio",
        raw.value(),
        ratio,
        "<= 10",
        String.format(
            Locale.ROOT,
            "JMH, 1 fork, 5 x 1 s; both 10,000 entries, no TTL (CachePolicy.ofDefaults()): cached"
                + " predict %s/call vs Caffeine getIfPresent %s/call. With a 1 h TTL (Caffeine"
                + " reads System.nanoTime() per read) %s/call (%.1fx); with an InferenceListener"
                + " registered %s/call (%.1fx)",
            sdk.format(".1"),
            raw.format(".1"),
            defaults.format(".1"),
            defaults.value() / raw.value(),
            listened.format(".1"),
            listened.value() / raw.value()));
  }

  /**
   * 8 threads, started together, each calling 1,000 hot keys in its own order many times: every key
   * must be computed exactly once. Reports duplicate computations (target 0) and throughput.
   */
  static List<Figure> hotKeys() throws Exception {
    int threads = 8;
    int keys = 1_000;
    int rounds = 200;
    LongAdder computed = new LongAdder();
    List<Figure> out = new ArrayList<>();
    try (ModelRuntime runtime = runtime(computed)) {
      runtime.deploy(
          ModelSpec.builder("echo", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.classpath(TestModels.resource("echo")))
              .translator(Codecs.floatVector(4))
              .devicePolicy(DevicePolicy.cpu())
              .replicas(2)
              .cachePolicy(CachePolicy.builder().perTenant(false).build())
              .build());
      ModelHandle<float[], float[]> h =
          runtime.handle("echo", "1.0.0", float[].class, float[].class);
      float[][] inputs = new float[keys][];
      for (int k = 0; k < keys; k++) {
        inputs[k] = new float[] {k, k + 1, k + 2, k + 3};
      }
      CyclicBarrier start = new CyclicBarrier(threads + 1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Long>> wrong = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int stride = 2 * t + 1; // each thread walks the keys in its own order
          wrong.add(
              pool.submit(
                  () -> {
                    start.await();
                    long bad = 0;
                    for (int r = 0; r < rounds; r++) {
                      for (int i = 0; i < keys; i++) {
                        int k = (i * stride + r) % keys;
                        float[] y = h.predict(inputs[k]);
                        bad += y[0] == 2 * k ? 0 : 1;
                      }
                    }
                    return bad;
                  }));
        }
        start.await();
        long t0 = System.nanoTime();
        long bad = 0;
        for (Future<Long> f : wrong) {
          bad += f.get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long calls = (long) threads * keys * rounds;
        long duplicates = computed.sum() - keys;
        out.add(
            new Figure(
                "cache.hot_keys.duplicate_computations",
                duplicates,
                "count",
                null,
                null,
                "0",
                String.format(
                    Locale.ROOT,
                    "%d threads x %d keys x %d rounds: %d computations for %d keys, %d wrong answers,"
                        + " %.0f calls/s",
                    threads,
                    keys,
                    rounds,
                    computed.sum(),
                    keys,
                    bad,
                    calls / seconds)));
        out.add(
            new Figure(
                "cache.hot_keys.calls_per_second",
                calls / seconds,
                "calls/s",
                null,
                null,
                "",
                "8 threads, 1,000 hot float[4] keys, mostly hits"));
      } finally {
        pool.shutdownNow();
      }
    }
    return out;
  }

  /**
   * The real all-MiniLM-L6-v2 on ONNX Runtime: a cached call (same sentence again) against an
   * uncached one (cache off, same sentences), each the median over 64 sentences.
   */
  static Figure minilmSpeedup() {
    String file = "all-minilm-l6-v2.onnx";
    String tok = "all-minilm-l6-v2-tokenizer.json";
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly()).build()) {
      rt.deploy(io.maasdk.examples.Embeddings.spec("1.0.0", file, tok));
      rt.deploy(cachedSpec(io.maasdk.examples.Embeddings.spec("1.1.0", file, tok)));
      ModelHandle<String, float[]> plain =
          rt.handle("minilm", "1.0.0", String.class, float[].class);
      ModelHandle<String, float[]> cached =
          rt.handle("minilm", "1.1.0", String.class, float[].class);
      int n = 64;
      long[] miss = new long[n];
      long[] hit = new long[n];
      for (int i = 0; i < n; i++) {
        String s = "sentence number " + i + " about caching embeddings in a JVM";
        plain.predict(s); // warm the tokenizer and engine for this length
        long t0 = System.nanoTime();
        plain.predict(s);
        miss[i] = System.nanoTime() - t0;
        cached.predict(s);
        long t1 = System.nanoTime();
        for (int r = 0; r < 100; r++) {
          cached.predict(s);
        }
        hit[i] = (System.nanoTime() - t1) / 100;
      }
      java.util.Arrays.sort(miss);
      java.util.Arrays.sort(hit);
      double ratio = miss[n / 2] / (double) hit[n / 2];
      return new Figure(
          "cache.minilm_speedup.ratio",
          ratio,
          "ratio",
          (double) miss[n / 2],
          ratio,
          ">= 1000",
          String.format(
              java.util.Locale.ROOT,
              "uncached embedding %.2f ms vs cached %.0f ns (medians over %d sentences)",
              miss[n / 2] / 1e6,
              (double) hit[n / 2],
              n));
    }
  }

  /** The same spec with the response cache on. */
  private static io.maasdk.ModelSpec<String, float[]> cachedSpec(
      io.maasdk.ModelSpec<String, float[]> spec) {
    return io.maasdk.ModelSpec.builder(spec.name(), String.class, float[].class)
        .version(spec.version())
        .engine(spec.engine())
        .source(spec.source())
        .translator(spec.translator())
        .devicePolicy(spec.devicePolicy())
        .cachePolicy(io.maasdk.CachePolicy.ofDefaults())
        .build();
  }

  public static void main(String[] args) throws Exception {
    System.out.println(hitVsCaffeineGet());
    hotKeys().forEach(System.out::println);
  }
}
