package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 2: a shadow step before any traffic moves. */
class ShadowRolloutTest {
  private static final Version V2 = Version.parse("2.0.0");
  private static final Version V3 = Version.parse("3.0.0");
  @TempDir Path root;

  /** tenant → calls an interceptor (where quotas live) saw. */
  private final Map<String, LongAdder> intercepted = new ConcurrentHashMap<>();

  /** tenant → version → calls that ended (what metering reads). */
  private final Map<String, Map<Version, LongAdder>> ended = new ConcurrentHashMap<>();

  private ModelRuntime runtime;
  private ModelOps ops;

  @AfterEach
  void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private void start(int maxShadowInFlight, String candidateModelFile) {
    ops =
        ModelOps.builder()
            .checkInterval(Duration.ofMillis(20))
            .maxShadowInFlight(maxShadowInFlight)
            .build();
    runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(
                new CallInterceptor() {
                  @Override
                  public void beforeCall(CallContext call) {
                    intercepted
                        .computeIfAbsent(call.options().tenant(), t -> new LongAdder())
                        .increment();
                  }
                })
            .listener(
                (InferenceEvent e) -> {
                  if (e.version() != null) {
                    ended
                        .computeIfAbsent(e.tenant(), t -> new ConcurrentHashMap<>())
                        .computeIfAbsent(e.version(), v -> new LongAdder())
                        .increment();
                  }
                })
            .extension(ops)
            .build();
    Fixtures.version(root, "2.0.0", "2.0.0");
    Fixtures.version(root, "3.0.0", candidateModelFile);
    runtime.deployAll(ModelRepository.at(root), Fixtures.template());
    runtime.setAlias(MODEL, "stable", V2);
  }

  private static RolloutPolicy shadowFirst() {
    return RolloutPolicy.builder()
        .steps(10, 100)
        .minCallsPerStep(20)
        .maxP99Ratio(0, Duration.ZERO)
        .shadowFirst(ShadowComparison.top1(), 200, 0.95)
        .build();
  }

  /** {@code n} threads calling {@code stable} as tenant acme until stopped. */
  private final class Callers implements AutoCloseable {
    final AtomicLong calls = new AtomicLong();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final Set<Version> versions = ConcurrentHashMap.newKeySet();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();

    Callers(int n) throws Exception {
      ModelHandle<float[], float[]> stable =
          runtime.handle(MODEL, "stable", float[].class, float[].class);
      CyclicBarrier go = new CyclicBarrier(n + 1);
      for (int t = 0; t < n; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  try {
                    go.await(30, TimeUnit.SECONDS);
                    for (int i = 0; !stop.get(); i++) {
                      float[] x = TEST_SET.features()[(id * 37 + i) % TEST_SET.size()];
                      try {
                        CallOptions acme =
                            CallOptions.builder()
                                .tenant("acme") // splits stick per user
                                .routingKey("user-" + (id * 1000 + i % 1000))
                                .build();
                        versions.add(stable.predictDetailed(x, acme).version());
                        calls.incrementAndGet();
                      } catch (RuntimeException e) {
                        failures.add(e);
                      }
                    }
                  } catch (Exception e) {
                    failures.add(e);
                  }
                },
                "caller-" + t);
        threads.add(th);
        th.start();
      }
      go.await(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread th : threads) {
        th.join(30_000);
        assertFalse(th.isAlive(), th.getName() + " did not stop");
      }
    }
  }

  private Rollout stable() {
    return ops.rollouts().get(MODEL, "stable").orElseThrow();
  }

  private long count(String tenant, Version v) {
    LongAdder a = ended.getOrDefault(tenant, Map.of()).get(v);
    return a == null ? 0 : a.sum();
  }

  @Test
  void shadowStep_callersNeverSeeTheCandidate_shadowCallsAreTheOperators_andDisagreementRollsBack()
      throws Exception {
    start(16, "1.0.0"); // the candidate is the worse model: top-1 agreement well below 0.95
    Rollout done;
    try (Callers callers = new Callers(16)) {
      Rollout r = ops.rollouts().start(MODEL, "stable", V3, shadowFirst());
      assertTrue(r.shadowing(), r.toString());
      assertEquals(AliasTarget.of(V2), runtime.aliases(MODEL).get("stable"), "no traffic moved");
      assertTrue(Fixtures.await(() -> stable().state().ended(), 100), stable().toString());
      done = stable();
      callers.close();
      assertEquals(List.of(), callers.failures);
      assertEquals(Set.of(V2), callers.versions, "no caller ever got a shadow answer");
      assertEquals(callers.calls.get(), intercepted.get("acme").sum(), "acme's quota: its calls");
      assertEquals(callers.calls.get(), count("acme", V2), "acme metered for its calls only");
      assertEquals(0, count("acme", V3));
    }
    assertEquals(Rollout.State.ROLLED_BACK, done.state(), done.toString());
    assertTrue(done.reason().contains("shadow step: 3.0.0 agreed with 2.0.0 on 0."), done.reason());
    assertEquals(AliasTarget.of(V2), runtime.aliases(MODEL).get("stable"));
    long shadowCalls = count("maasdk-shadow", V3);
    assertTrue(shadowCalls >= 200, "the candidate computed the copies: " + shadowCalls);
    assertEquals(shadowCalls, intercepted.get("maasdk-shadow").sum(), "the operator's quota");
    assertEquals(0, count("maasdk-shadow", V2));
  }

  @Test
  void shadowStep_agreeingCandidate_goesOnToTraffic_andCopiesAreDroppedFirstUnderLoad()
      throws Exception {
    start(1, "2.0.0"); // the same model under a new version: agrees on every input
    long dropped = 0;
    try (Callers callers = new Callers(16)) {
      ops.rollouts().start(MODEL, "stable", V3, shadowFirst());
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
      while (!stable().state().ended() && System.nanoTime() < end) {
        Rollout r = stable();
        if (r.shadowing()) {
          dropped = Math.max(dropped, r.shadowDropped());
        }
        Thread.sleep(5);
      }
      callers.close();
      assertEquals(List.of(), callers.failures, "callers never pay for the shadow");
      assertTrue(callers.versions.contains(V3), "traffic moved after the shadow step: " + stable());
    }
    assertEquals(Rollout.State.PROMOTED, stable().state(), stable().toString());
    assertTrue(dropped > 0, "with one copy in flight at most, 16 callers' copies are dropped");
    assertEquals(AliasTarget.of(V3), runtime.aliases(MODEL).get("stable"));
  }
}
