package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
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
import org.junit.jupiter.api.Test;

/**
 * One remote version over gRPC on three endpoints (three child JVMs, {@link GrpcServer}): one is
 * slow, one is killed mid-run and comes back.
 */
class GrpcFailoverTest {

  @Test
  void threeGrpcEndpoints_oneSlow_oneKilledMidRun_noCallFails_ejectedAndReadmitted()
      throws Exception {
    List<ChildEndpoint> children = new ArrayList<>();
    try {
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 0));
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 0));
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 30)); // slow: 30 ms more per call
      GrpcBackend.Builder b = GrpcBackend.builder(children.get(0).grpcUri()).model("digits-mlp")
          .input(TensorCodec.floats("input")).output(TensorCodec.floats("output"))
          .ejection(Duration.ofMillis(200), Duration.ofMillis(400));
      b.endpoint(children.get(1).grpcUri()).endpoint(children.get(2).grpcUri());
      GrpcBackend remote = b.build();
      try (ModelRuntime rt = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly())
          .build()) {
        rt.deploy(ModelSpec.builder("digits", float[].class, float[].class).version("1.0.0")
            .backend(remote).replicas(3).batching(BatchingPolicy.of(8, Duration.ofMillis(1)))
            .build());
        ModelHandle<float[], float[]> h =
            rt.handle("digits", "1.0.0", float[].class, float[].class);
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
          fs.add(pool.submit(() -> {
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
          assertTrue(failures.isEmpty(), failures.size() + " calls failed while two endpoints"
              + " were healthy; the first: " + (failures.isEmpty() ? "" : failures.get(0)));
          assertFalse(remote.endpointStatus().get(1).inRotation(),
              "the killed endpoint is out of rotation: " + remote.endpointStatus());

          // it comes back on the same port: its ModelReady check re-admits it
          children.set(1, ChildEndpoint.startWithGrpc("1.0.0", victim.grpcPort, 0));
          waitFor(() -> remote.endpointStatus().get(1).inRotation(), 120,
              "the endpoint is re-admitted: " + remote.endpointStatus());
        } finally {
          stop.set(true);
          for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
          }
          pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " calls failed; the first: "
            + (failures.isEmpty() ? "" : failures.get(0)));
        assertTrue(done.get() > 800, "calls made: " + done.get());
      }
    } finally {
      for (ChildEndpoint c : children) {
        c.close();
      }
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
