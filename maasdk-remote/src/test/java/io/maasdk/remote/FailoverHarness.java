package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.spi.Backend;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The failover run shared by {@link EndpointFailoverTest} (REST) and {@link GrpcFailoverTest}:
 * digits-mlp 1.0.0 deployed on a remote backend over three child endpoints, eight callers
 * predicting the test set and checking every answer, endpoint 1 killed mid-run (no call may fail,
 * it leaves the rotation), then started again on the same port (it must be re-admitted).
 */
final class FailoverHarness {
  /** Starts the endpoint that replaces the killed {@code victim}, on the victim's port. */
  interface Restart {
    ChildEndpoint start(ChildEndpoint victim) throws Exception;
  }

  private FailoverHarness() {}

  /**
   * Runs the scenario against {@code remote}, whose endpoints are {@code children} in order; {@code
   * status} is the backend's {@code endpointStatus()}. The restarted endpoint replaces the victim
   * in {@code children}, so the caller's {@code finally} closes it.
   */
  static void killAndRestartMidRun(
      List<ChildEndpoint> children,
      Backend remote,
      Supplier<List<RemoteBackend.EndpointStatus>> status,
      Restart restart)
      throws Exception {
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      rt.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .backend(remote)
              .replicas(3)
              .batching(BatchingPolicy.of(8, Duration.ofMillis(1)))
              .build());
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      float[][] x = TestModels.digitsTestSet().features();
      float[][] want = TestModels.expectedLogits("mlp", "1.0.0");
      CallOptions opts = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();

      int callers = 8;
      AtomicInteger done = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      CountDownLatch warmedUp = new CountDownLatch(200);
      CyclicBarrier start = new CyclicBarrier(callers);
      ExecutorService pool = Executors.newFixedThreadPool(callers);
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < callers; t++) {
        int seed = t;
        fs.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  for (int i = seed; !stop.get(); i += callers) {
                    int k = i % want.length;
                    try {
                      assertArrayEquals(want[k], h.predict(x[k], opts), 1e-4f);
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                    done.incrementAndGet();
                    warmedUp.countDown();
                  }
                  return null;
                }));
      }
      try {
        assertTrue(warmedUp.await(120, TimeUnit.SECONDS), "calls are flowing");
        ChildEndpoint victim = children.get(1);
        int before = done.get();
        victim.kill(); // mid-run, with calls in flight on it
        waitFor(() -> done.get() > before + 600, 120, "calls go on after the kill");
        assertTrue(
            failures.isEmpty(),
            failures.size()
                + " calls failed while two endpoints"
                + " were healthy; the first: "
                + (failures.isEmpty() ? "" : failures.get(0)));
        assertFalse(
            status.get().get(1).inRotation(),
            "the killed endpoint is out of rotation: " + status.get());

        // it comes back on the same port and is re-admitted
        children.set(1, restart.start(victim));
        waitFor(
            () -> status.get().get(1).inRotation(),
            120,
            "the endpoint is re-admitted: " + status.get());
      } finally {
        stop.set(true);
        for (Future<?> f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdownNow();
      }
      assertTrue(
          failures.isEmpty(),
          failures.size()
              + " calls failed; the first: "
              + (failures.isEmpty() ? "" : failures.get(0)));
      assertTrue(done.get() > 800, "calls made: " + done.get());
    }
  }

  private interface Condition {
    boolean holds();
  }

  /** Polls {@code c} (the calls themselves make progress; this only observes them). */
  private static void waitFor(Condition c, int seconds, String what) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!c.holds()) {
      assertTrue(System.nanoTime() < end, "timed out waiting: " + what);
      Thread.sleep(20);
    }
  }
}
