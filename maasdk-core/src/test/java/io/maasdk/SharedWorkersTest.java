package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue #17 item 6: replica workers are a shared, bounded set of threads, not one per replica.
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
}
