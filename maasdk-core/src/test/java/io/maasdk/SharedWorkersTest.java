package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.InferenceEvent;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue #17 items 3 and 6: replica workers are a shared, bounded set of threads, and synchronous
 * callers run their batches themselves when no worker serves the version.
 */
class SharedWorkersTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();
  /** The pool's bound (WorkerPool.defaultSize). */
  private static final int POOL = Math.max(8, 4 * CORES);

  @Test
  void aBurstOfOneCallToEachOfManyIdleVersions_usesAtMostThePoolsThreads() throws Exception {
    int versions = POOL + 24;
    try (ModelRuntime rt = Models.runtime()) {
      for (int v = 1; v <= versions; v++) {
        rt.deploy(Models.echo("dense", v + ".0.0").build());
      }
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      for (int round = 0; round < 2; round++) {
        int before = mx.getThreadCount();
        mx.resetPeakThreadCount();
        List<CompletableFuture<float[]>> pending = new ArrayList<>();
        for (int v = 1; v <= versions; v++) {
          pending.add(rt.handle("dense", v + ".0.0", float[].class, float[].class)
              .predictAsync(new float[] {v, 0, 0, 0}));
        }
        for (int v = 1; v <= versions; v++) {
          assertEquals(2f * v, pending.get(v - 1).get(30, TimeUnit.SECONDS)[0], "version " + v);
        }
        int added = mx.getPeakThreadCount() - before;
        // the pool's threads, the completions thread and a little slack for the JVM's own
        assertTrue(added <= POOL + 4, "a burst to " + versions + " versions added " + added
            + " threads; the pool allows " + POOL);
      }
    }
  }

  @Test
  void syncCallers_withNoWorkerRunning_runTheirBatchesThemselves_eachGettingItsOwnAnswer()
      throws Exception {
    List<Thread> ranOn = new CopyOnWriteArrayList<>();
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt = ModelRuntime.builder()
        .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
        .listener((InferenceEvent e) -> {
          ranOn.add(Thread.currentThread());
          batchSizes.add(e.batchSize());
        }).build()) {
      rt.deploy(Models.echo("lead", "1.0.0").batching(BatchingPolicy.of(8, Duration.ofMillis(2)))
          .build());
      ModelHandle<float[], float[]> h = rt.handle("lead", "1.0.0", float[].class, float[].class);
      Set<Thread> callers = ConcurrentHashMap.newKeySet();
      List<Thread> threads = new ArrayList<>();
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      for (int t = 0; t < 6; t++) {
        int id = t;
        Thread c = new Thread(() -> {
          callers.add(Thread.currentThread());
          try {
            for (int i = 0; i < 200; i++) {
              float x = id * 1000 + i;
              float[] out = h.predict(new float[] {x, 0, 0, 0});
              if (out[0] != 2 * x) {
                throw new AssertionError("caller " + id + " call " + i + " got " + out[0]);
              }
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        });
        threads.add(c);
        c.start();
      }
      for (Thread c : threads) {
        c.join(60_000);
      }
      assertEquals(List.of(), failures);
      assertEquals(1200, ranOn.size());
      for (Thread t : ranOn) {
        assertTrue(callers.contains(t), "a batch ran on " + t.getName()
            + ", not on a caller's thread, though every call was synchronous");
      }
    }
  }
}
