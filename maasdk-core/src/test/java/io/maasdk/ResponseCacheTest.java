package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.codec.Codecs;
import io.maasdk.codec.FloatVectorTranslator;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.testkit.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The response cache on real models: hits, single flight, failures, tenants, eviction, expiry,
 * invalidation and versions. Model invocations are counted as the SUCCESS events that are not hits
 * (one per engine computation, since batching is off).
 */
class ResponseCacheTest {
  private final List<InferenceEvent> events = new CopyOnWriteArrayList<>();
  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;
  private final ModelRuntime runtime =
      ModelRuntime.builder()
          .deviceInventory(DeviceInventory.cpuOnly())
          .listener(events::add)
          .ticker(ticker)
          .build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private long computed() {
    return events.stream().filter(e -> e.outcome() == Outcome.SUCCESS && !e.cacheHit()).count();
  }

  private long hits() {
    return events.stream().filter(InferenceEvent::cacheHit).count();
  }

  private ModelHandle<float[], float[]> echo(CachePolicy policy) {
    runtime.deploy(Models.echo("echo", "1.0.0").cachePolicy(policy).build());
    return runtime.handle("echo", "1.0.0", float[].class, float[].class);
  }

  private static CallOptions tenant(String t) {
    return CallOptions.builder().tenant(t).build();
  }

  @Test
  void predict_sameInputTwice_secondIsAHitWithOneEvent() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.ofDefaults());
    float[] x = {1, 2, 3, 4};

    Prediction<float[]> miss = h.predictDetailed(x, CallOptions.ofDefaults());
    Prediction<float[]> hit = h.predictDetailed(x.clone(), CallOptions.ofDefaults());

    assertFalse(miss.cacheHit());
    assertTrue(hit.cacheHit());
    assertEquals("cache", hit.device());
    assertEquals(Version.parse("1.0.0"), hit.version());
    assertArrayEquals(new float[] {2, 4, 6, 8, 1}, hit.output());
    // Listeners ran before predict returned: exactly one event per call.
    assertEquals(2, events.size());
    InferenceEvent e = events.get(1);
    assertTrue(e.cacheHit());
    assertEquals(Outcome.SUCCESS, e.outcome());
    assertEquals("cache", e.device());
    assertEquals(0, e.batchSize());
    assertEquals(1, computed());
    CacheStats stats = runtime.responseCacheStats();
    assertEquals(1, stats.hits());
    assertEquals(1, stats.misses());
    assertEquals(2, stats.requests());
    assertEquals(1, runtime.responseCacheStats().size());
  }

  @Test
  void predict_callerMutatesItsOutput_cacheKeepsTheAnswer() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.ofDefaults());
    float[] x = {1, 1, 1, 1};
    h.predict(x)[0] = 99; // the leader's own copy
    h.predict(x)[1] = 99; // a hit's copy
    assertArrayEquals(new float[] {2, 2, 2, 2, 1}, h.predict(x));
    // And the input the caller changes after the call does not change the key.
    x[0] = 5;
    assertArrayEquals(new float[] {10, 2, 2, 2, 1}, h.predict(x));
  }

  @Test
  void predict_disabledByDefault_computesEveryCall() {
    runtime.deploy(Models.echo("echo", "1.0.0").build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    float[] x = {1, 2, 3, 4};
    h.predict(x);
    h.predict(x);
    assertEquals(2, computed());
    assertEquals(0, hits());
  }

  @Test
  void predict_concurrentIdenticalCalls_computeOnce() throws Exception {
    runtime.deploy(
        Models.fixture("slow", "1.0.0").replicas(4).cachePolicy(CachePolicy.ofDefaults()).build());
    ModelHandle<float[], float[]> h = runtime.handle("slow", "1.0.0", float[].class, float[].class);
    int n = 16;
    int hitCount = 0;
    for (Future<Prediction<float[]>> f :
        together(n, i -> h.predictDetailed(new float[] {7, 7, 7, 7}, CallOptions.ofDefaults()))) {
      Prediction<float[]> p = f.get(30, TimeUnit.SECONDS);
      assertArrayEquals(new float[] {8, 8, 8, 8}, p.output());
      hitCount += p.cacheHit() ? 1 : 0;
    }
    assertEquals(1, computed());
    assertEquals(n - 1, hitCount);
    assertEquals(n - 1, hits());
    assertEquals(n, events.size());
  }

  /** Runs {@code n} calls released together by a barrier; returns their completed futures. */
  private static <T> List<Future<T>> together(int n, java.util.function.IntFunction<T> call)
      throws InterruptedException {
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<T>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        results.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  return call.apply(k);
                }));
      }
      pool.shutdown();
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new AssertionError("concurrent calls did not finish within 30 s");
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void predict_failedComputation_notCached_andEveryWaiterGetsTheFailure() throws Exception {
    runtime.deploy(
        Models.fixture("faulty", "1.0.0")
            .replicas(2)
            .failurePolicy(FailurePolicy.builder().breaker(1000, Duration.ofSeconds(1)).build())
            .cachePolicy(CachePolicy.ofDefaults())
            .build());
    ModelHandle<float[], float[]> h =
        runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    float[] poison = {TestModels.POISON, 0, 0, 0};

    assertThrows(InvalidInputException.class, () -> h.predict(poison));
    assertThrows(InvalidInputException.class, () -> h.predict(poison));
    long computedFailures =
        events.stream().filter(e -> e.outcome() == Outcome.INVALID_INPUT).count();
    assertEquals(2, computedFailures, "a failure is never served from the cache");
    assertEquals(0, runtime.responseCacheStats().size());

    int n = 8;
    for (Future<Prediction<float[]>> f :
        together(n, i -> h.predictDetailed(poison.clone(), CallOptions.ofDefaults()))) {
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
      assertInstanceOf(InvalidInputException.class, e.getCause());
    }
    assertEquals(2 + n, events.stream().filter(e -> e.outcome() == Outcome.INVALID_INPUT).count());
    assertEquals(0, hits());
    assertEquals(0, runtime.responseCacheStats().size());
    // The model still answers, and good answers are cached.
    assertArrayEquals(new float[] {2, 1, 1, 1}, h.predict(new float[] {1, 0, 0, 0}));
    assertTrue(h.predictDetailed(new float[] {1, 0, 0, 0}, CallOptions.ofDefaults()).cacheHit());
  }

  @Test
  void predict_perTenant_neverServesAnotherTenantsEntry() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.ofDefaults());
    float[] x = {3, 3, 3, 3};
    assertFalse(h.predictDetailed(x, tenant("a")).cacheHit());
    assertFalse(h.predictDetailed(x, tenant("b")).cacheHit(), "b must not see a's entry");
    assertTrue(h.predictDetailed(x, tenant("a")).cacheHit());
    assertTrue(h.predictDetailed(x, tenant("b")).cacheHit());
    assertEquals(2, computed());
  }

  @Test
  void predict_perTenant_defaultTenantKeptApartFromNamedTenants() {
    // The default tenant's key is the bare fingerprint, every other tenant's a TenantKey.
    ModelHandle<float[], float[]> h = echo(CachePolicy.ofDefaults());
    float[] x = {4, 4, 4, 4};
    assertFalse(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    assertFalse(h.predictDetailed(x, tenant("a")).cacheHit(), "a must not see default's entry");
    assertTrue(
        h.predictDetailed(x, tenant(new String("default"))).cacheHit(),
        "a tenant named \"default\" is the default tenant");
    assertTrue(h.predictDetailed(x, tenant("a")).cacheHit());
    assertEquals(2, computed());
    assertEquals(2, runtime.responseCacheStats().size());
  }

  @Test
  void predict_manyHits_eachTellsTheListenerItWasAHit() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.ofDefaults());
    float[] x = {6, 6, 6, 6};
    for (int i = 0; i < 100; i++) {
      h.predict(x);
    }
    assertEquals(100, events.size(), "one event per call");
    assertEquals(1, computed());
    assertEquals(99, hits());
    assertTrue(
        events.stream()
            .filter(InferenceEvent::cacheHit)
            .allMatch(e -> e.outcome() == Outcome.SUCCESS && e.output() != null));
  }

  @Test
  void predict_hitWithNoListener_isAHit_countedAndACopy() {
    try (ModelRuntime quiet = Models.runtime()) {
      quiet.deploy(Models.echo("echo", "1.0.0").cachePolicy(CachePolicy.ofDefaults()).build());
      ModelHandle<float[], float[]> h = quiet.handle("echo", "1.0.0", float[].class, float[].class);
      float[] x = {1, 2, 3, 4};
      assertFalse(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
      Prediction<float[]> hit = h.predictDetailed(x, CallOptions.ofDefaults());
      assertTrue(hit.cacheHit());
      hit.output()[0] = 99; // must not reach the cache
      assertArrayEquals(new float[] {2, 4, 6, 8, 1}, h.predict(x));
      assertEquals(2, quiet.responseCacheStats().hits());
      assertEquals(1, quiet.responseCacheStats().misses());
    }
  }

  @Test
  void predict_perTenant_concurrentTenantsNeverJoinEachOthersFlight() throws Exception {
    runtime.deploy(
        Models.fixture("slow", "1.0.0").replicas(2).cachePolicy(CachePolicy.ofDefaults()).build());
    ModelHandle<float[], float[]> h = runtime.handle("slow", "1.0.0", float[].class, float[].class);
    int perTenant = 6;
    for (Future<Prediction<float[]>> f :
        together(
            2 * perTenant,
            i -> h.predictDetailed(new float[] {5, 5, 5, 5}, tenant(i % 2 == 0 ? "a" : "b")))) {
      f.get(30, TimeUnit.SECONDS);
    }
    // Each tenant computed once: b's latency never depends on whether a asked first.
    assertEquals(2, computed());
    assertEquals(1, events.stream().filter(e -> !e.cacheHit() && e.tenant().equals("a")).count());
    assertEquals(1, events.stream().filter(e -> !e.cacheHit() && e.tenant().equals("b")).count());
  }

  @Test
  void predict_sharedAcrossTenants_whenIsolationOff() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.builder().perTenant(false).build());
    float[] x = {3, 3, 3, 3};
    h.predict(x, tenant("a"));
    Prediction<float[]> b = h.predictDetailed(x, tenant("b"));
    assertTrue(b.cacheHit());
    assertEquals("b", events.get(1).tenant());
  }

  @Test
  void maximumSize_evictsBeyondTheBound() {
    ModelHandle<float[], float[]> h = echo(CachePolicy.builder().maximumSize(5).build());
    for (int i = 0; i < 20; i++) {
      h.predict(new float[] {i, 0, 0, 0});
    }
    assertEquals(5, runtime.responseCacheStats().size());
    assertEquals(15, runtime.responseCacheStats().evictions());
    int hitsNow = 0;
    for (int i = 0; i < 20; i++) {
      hitsNow +=
          h.predictDetailed(new float[] {i, 0, 0, 0}, CallOptions.ofDefaults()).cacheHit() ? 1 : 0;
    }
    assertTrue(hitsNow <= 5, "at most the 5 kept entries hit, got " + hitsNow);
  }

  @Test
  void maximumWeight_evictsBeyondTheWeight() {
    // Every output weighs 100 (+ its 80-byte tenant key): 1,000 hold at most 5 entries.
    ModelHandle<float[], float[]> h =
        echo(CachePolicy.builder().maximumWeight(1_000).weigher(o -> 100).build());
    for (int i = 0; i < 20; i++) {
      h.predict(new float[] {i, 0, 0, 0});
    }
    long size = runtime.responseCacheStats().size();
    assertTrue(size >= 1 && size <= 5, "size " + size);
    assertEquals(20 - size, runtime.responseCacheStats().evictions());
  }

  @Test
  void expireAfterWrite_expiresOnTheInjectedTicker() {
    ModelHandle<float[], float[]> h =
        echo(CachePolicy.builder().expireAfterWrite(Duration.ofMinutes(1)).build());
    float[] x = {1, 0, 0, 0};
    h.predict(x);
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertTrue(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertFalse(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    assertEquals(2, computed());
  }

  @Test
  void expireAfterAccess_keepsEntriesThatAreRead() {
    ModelHandle<float[], float[]> h =
        echo(
            CachePolicy.builder()
                .expireAfterWrite(null)
                .expireAfterAccess(Duration.ofMinutes(1))
                .build());
    float[] x = {1, 0, 0, 0};
    h.predict(x);
    for (int i = 0; i < 5; i++) {
      nanos.addAndGet(TimeUnit.SECONDS.toNanos(45));
      assertTrue(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit(), "read " + i);
    }
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
    assertFalse(h.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
  }

  @Test
  void invalidate_model_and_version_dropEntries() {
    runtime.deploy(Models.digits("1.0.0").cachePolicy(CachePolicy.ofDefaults()).build());
    runtime.deploy(Models.digits("2.0.0").cachePolicy(CachePolicy.ofDefaults()).build());
    ModelHandle<float[], float[]> v1 =
        runtime.handle("digits", "1.0.0", float[].class, float[].class);
    ModelHandle<float[], float[]> v2 =
        runtime.handle("digits", "2.0.0", float[].class, float[].class);
    float[] x = TestModels.digitsTestSet().features()[0];
    v1.predict(x);
    v2.predict(x);

    assertTrue(runtime.invalidate("digits", Version.parse("1.0.0")));
    assertFalse(v1.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    assertTrue(v2.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());

    assertEquals(2, runtime.invalidate("digits"));
    assertFalse(v1.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    assertFalse(v2.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    assertEquals(0, runtime.invalidate("other"));
  }

  @Test
  void undeploy_dropsTheVersionsEntries_andARedeployStartsEmpty() {
    runtime.deploy(Models.digits("1.0.0").cachePolicy(CachePolicy.ofDefaults()).build());
    runtime.deploy(Models.digits("1.1.0").cachePolicy(CachePolicy.ofDefaults()).build());
    ModelHandle<float[], float[]> latest =
        runtime.handle("digits", "latest", float[].class, float[].class);
    float[] x = TestModels.digitsTestSet().features()[0];
    latest.predict(x);
    assertTrue(latest.predictDetailed(x, CallOptions.ofDefaults()).cacheHit());
    Version v110 = Version.parse("1.1.0");
    assertEquals(1, runtime.responseCacheStats("digits", v110).orElseThrow().size());

    runtime.undeploy("digits", v110);
    assertTrue(runtime.responseCacheStats("digits", v110).isEmpty());
    assertEquals(0, runtime.responseCacheStats().size());
    assertEquals(1, runtime.responseCacheStats().hits(), "counters never go backwards");

    runtime.deploy(Models.digits("1.1.0").cachePolicy(CachePolicy.ofDefaults()).build());
    Prediction<float[]> again = latest.predictDetailed(x, CallOptions.ofDefaults());
    assertEquals(v110, again.version());
    assertFalse(again.cacheHit());
  }

  @Test
  void aliasMovesWhileCallersRun_everyAnswerMatchesTheVersionReported() throws Exception {
    for (String v : List.of("1.0.0", "2.0.0")) {
      runtime.deploy(Models.digits(v).cachePolicy(CachePolicy.ofDefaults()).build());
    }
    float[][] xs = TestModels.digitsTestSet().features();
    int inputs = 4;
    Map<Version, float[][]> expected = new HashMap<>();
    for (String v : List.of("1.0.0", "2.0.0")) {
      ModelHandle<float[], float[]> pinned =
          runtime.handle("digits", v, float[].class, float[].class);
      float[][] out = new float[inputs][];
      for (int i = 0; i < inputs; i++) {
        out[i] = pinned.predict(xs[i]);
      }
      expected.put(Version.parse(v), out);
    }
    runtime.invalidate("digits");
    events.clear();
    runtime.setAlias("digits", "stable", Version.parse("1.0.0"));
    ModelHandle<float[], float[]> stable =
        runtime.handle("digits", "stable", float[].class, float[].class);

    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> checked = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int offset = t;
        checked.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  int n = 0;
                  while (!stop.get() || n < 50) {
                    int i = (n + offset) % inputs;
                    Prediction<float[]> p = stable.predictDetailed(xs[i], CallOptions.ofDefaults());
                    assertArrayEquals(
                        expected.get(p.version())[i],
                        p.output(),
                        "answer of " + p.version() + (p.cacheHit() ? " (hit)" : ""));
                    n++;
                  }
                  return n;
                }));
      }
      start.await(30, TimeUnit.SECONDS);
      for (int move = 0; move < 40; move++) {
        runtime.setAlias("digits", "stable", Version.parse(move % 2 == 0 ? "2.0.0" : "1.0.0"));
        Thread.onSpinWait();
      }
      stop.set(true);
      int total = 0;
      for (Future<Integer> f : checked) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(total, events.size());
    } finally {
      pool.shutdownNow();
    }
    // Events agree with the answers too: each output is its reported version's.
    for (InferenceEvent e : events) {
      assertEquals(Outcome.SUCCESS, e.outcome());
      float[][] want = expected.get(e.version());
      boolean matches = false;
      for (int i = 0; i < inputs && !matches; i++) {
        matches =
            java.util.Arrays.equals(want[i], (float[]) e.output())
                && java.util.Arrays.equals(xs[i], (float[]) e.input());
      }
      assertTrue(matches, "event of " + e.version() + " carries another version's answer");
    }
    assertTrue(hits() > 0);
  }

  /** An input type no built-in fingerprinter knows. */
  static final class Pixels {
    final float[] values;

    Pixels(float... values) {
      this.values = values;
    }
  }

  private static Translator<Pixels, float[]> pixels() {
    FloatVectorTranslator inner = Codecs.floatVector(4);
    return new Translator<>() {
      @Override
      public NDList processInput(TranslatorContext ctx, Pixels input) throws Exception {
        return inner.processInput(ctx, input.values);
      }

      @Override
      public float[] processOutput(TranslatorContext ctx, NDList list) {
        return inner.processOutput(ctx, list);
      }
    };
  }

  @Test
  void uncacheableInputType_passesThroughUncached() {
    runtime.deploy(
        ModelSpec.builder("px", Pixels.class, float[].class)
            .version("1.0.0")
            .source(ModelSource.classpath(TestModels.resource("echo")))
            .translator(pixels())
            .devicePolicy(DevicePolicy.cpu())
            .cachePolicy(CachePolicy.ofDefaults())
            .build());
    ModelHandle<Pixels, float[]> h = runtime.handle("px", "1.0.0", Pixels.class, float[].class);
    Pixels p = new Pixels(1, 2, 3, 4);
    assertArrayEquals(new float[] {2, 4, 6, 8, 1}, h.predict(p));
    assertArrayEquals(new float[] {2, 4, 6, 8, 1}, h.predict(p));
    assertEquals(2, computed());
    assertEquals(0, hits());
  }

  @Test
  void customFingerprinter_makesAnInputTypeCacheable() {
    CachePolicy policy =
        CachePolicy.builder()
            .fingerprinter(
                in ->
                    in instanceof Pixels p
                        ? io.maasdk.spi.InputFingerprinter.builtIn().fingerprint(p.values)
                        : null)
            .build();
    runtime.deploy(
        ModelSpec.builder("px", Pixels.class, float[].class)
            .version("1.0.0")
            .source(ModelSource.classpath(TestModels.resource("echo")))
            .translator(pixels())
            .devicePolicy(DevicePolicy.cpu())
            .cachePolicy(policy)
            .build());
    ModelHandle<Pixels, float[]> h = runtime.handle("px", "1.0.0", Pixels.class, float[].class);
    h.predict(new Pixels(1, 2, 3, 4));
    assertTrue(h.predictDetailed(new Pixels(1, 2, 3, 4), CallOptions.ofDefaults()).cacheHit());
    assertFalse(h.predictDetailed(new Pixels(1, 2, 3, 5), CallOptions.ofDefaults()).cacheHit());
  }

  @Test
  void policy_conflictingBounds_failFast() {
    assertThrows(
        IllegalStateException.class,
        () -> CachePolicy.builder().maximumSize(10).maximumWeight(10).build());
    assertThrows(IllegalStateException.class, () -> CachePolicy.builder().weigher(o -> 1).build());
    assertThrows(IllegalArgumentException.class, () -> CachePolicy.builder().maximumSize(0));
    assertThrows(
        IllegalArgumentException.class,
        () -> CachePolicy.builder().expireAfterWrite(Duration.ZERO));
    assertFalse(CachePolicy.disabled().enabled());
    assertTrue(CachePolicy.ofDefaults().perTenant());
    ModelSpec.Builder<float[], float[]> b =
        Models.echo("echo", "1.0.0").cachePolicy(CachePolicy.ofDefaults());
    assertEquals(CachePolicy.ofDefaults(), b.build().toBuilder().build().cachePolicy());
    CachePolicy weighed =
        CachePolicy.builder()
            .maximumWeight(1 << 20)
            .expireAfterAccess(Duration.ofMinutes(1))
            .perTenant(false)
            .build();
    CachePolicy derived = weighed.toBuilder().build();
    assertEquals(weighed.toString(), derived.toString());
    assertEquals(weighed.weigher(), derived.weigher());
    assertFalse(CachePolicy.disabled().toBuilder().build().enabled());
    assertTrue(CachePolicy.disabled().toBuilder().enabled(true).build().enabled());
  }

  /**
   * Issue 10, failure 13: every failed computation with the cache on logged Caffeine's
   * asynchronous-load warning with the whole engine traceback through java.util.logging.
   */
  @Test
  void failedComputations_logNothingThroughCaffeine() {
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    List<java.util.logging.LogRecord> records = new CopyOnWriteArrayList<>();
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Handler[] previous = root.getHandlers();
    for (java.util.logging.Handler hd : previous) {
      root.removeHandler(hd); // keep the deliberate failures out of the build log
    }
    root.addHandler(capture);
    try {
      runtime.deploy(
          Models.fixture("faulty", "1.0.0")
              .warmup(new float[4])
              .cachePolicy(CachePolicy.ofDefaults())
              .build());
      ModelHandle<float[], float[]> h =
          runtime.handle("faulty", "1.0.0", float[].class, float[].class);
      for (int i = 0; i < 5; i++) {
        assertThrows(
            InvalidInputException.class, () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
      }
    } finally {
      root.removeHandler(capture);
      for (java.util.logging.Handler hd : previous) {
        root.addHandler(hd);
      }
    }
    assertEquals(
        List.of(), records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
  }
}
