package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.translate.Translator;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An alias with a fallback version: failover while the primary fails, and the way back. */
class FailoverTest {
  private static final Version PRIMARY = Version.parse("2.0.0");
  private static final Version FALLBACK = Version.parse("1.0.0");

  /** While set, the primary's engine fails every input, as a lost device would. */
  private volatile boolean primaryBroken;

  private Translator<float[], float[]> breakable() {
    return Models.hooked(
        input -> {
          if (primaryBroken) {
            throw new ai.djl.engine.EngineException("device lost (simulated engine failure)");
          }
        });
  }

  @Test
  void primaryFails_callersThroughTheAliasSeeNoFailure_thenTrafficReturnsWhenItRecovers()
      throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      FailurePolicy breaker =
          FailurePolicy.builder()
              .breaker(3, Duration.ofMillis(300))
              .restartBackoff(Duration.ZERO, Duration.ZERO)
              .build();
      rt.deploy(Models.echo("echo", "1.0.0").warmup(new float[4]).failurePolicy(breaker).build());
      rt.deploy(
          Models.echo("echo", "2.0.0")
              .translator(breakable())
              .warmup(new float[4])
              .failurePolicy(breaker)
              .build());
      rt.setAlias("echo", "stable", AliasTarget.of(PRIMARY).withFallback(FALLBACK));
      ModelHandle<float[], float[]> stable =
          rt.handle("echo", "stable", float[].class, float[].class);
      assertEquals(
          PRIMARY, stable.predictDetailed(new float[4], CallOptions.ofDefaults()).version());

      primaryBroken = true;
      int threads = 4;
      int calls = 50;
      CyclicBarrier start = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      Map<Version, AtomicInteger> servedBy = new ConcurrentHashMap<>();
      AtomicInteger failures = new AtomicInteger();
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = 0; i < calls; i++) {
                    float[] x = {id, i, 0, 0};
                    try {
                      Prediction<float[]> p = stable.predictDetailed(x, CallOptions.ofDefaults());
                      assertArrayEquals(new float[] {2f * id, 2f * i, 0, 0, 1}, p.output());
                      servedBy
                          .computeIfAbsent(p.version(), v -> new AtomicInteger())
                          .incrementAndGet();
                    } catch (MaasdkException e) {
                      failures.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(0, failures.get(), "callers through the alias saw the primary fail");
      assertEquals(threads * calls, servedBy.get(FALLBACK).get());
      assertEquals("OPEN", rt.describe("echo", PRIMARY).orElseThrow().breakerState());
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e.failedOver()
                          && PRIMARY.equals(e.failoverFrom())
                          && FALLBACK.equals(e.version())));

      primaryBroken = false; // recovered: once its breaker lets a probe through, it serves again
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Version v;
      do {
        assertTrue(System.nanoTime() < until, "traffic never returned to the primary");
        v = stable.predictDetailed(new float[4], CallOptions.ofDefaults()).version();
      } while (!v.equals(PRIMARY));
      assertEquals("CLOSED", rt.describe("echo", PRIMARY).orElseThrow().breakerState());
    }
  }
}
