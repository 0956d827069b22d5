package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.Backend;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue #17 item 6: replica workers are a shared, bounded set of threads, not one per replica. */
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
          pending.add(
              rt.handle("dense", v + ".0.0", float[].class, float[].class)
                  .predictAsync(new float[] {v, 0, 0, 0}));
        }
        for (int v = 1; v <= versions; v++) {
          assertEquals(2f * v, pending.get(v - 1).get(30, TimeUnit.SECONDS)[0], "version " + v);
        }
        int added = mx.getPeakThreadCount() - before;
        // the pool's threads, the completions thread and a little slack for the JVM's own
        assertTrue(
            added <= POOL + 4,
            "a burst to "
                + versions
                + " versions added "
                + added
                + " threads; the pool allows "
                + POOL);
      }
    }
  }

  /**
   * A backend that is not DJL's (a remote server, a user's own) may block on I/O for as long as its
   * timeout: its replicas must not hold the shared threads, or a stalled endpoint would stop every
   * local model in the JVM. The stand-in blocks like a server that accepted the request and never
   * answers.
   */
  @Test
  void replicasOfABlockingBackend_neverTakeThePoolFromLocalModels() throws Exception {
    CountDownLatch stalled = new CountDownLatch(1);
    BackendSpiTest.StandInServer stand = new BackendSpiTest.StandInServer();
    Backend server =
        new Backend() {
          @Override
          public String engine() {
            return stand.engine();
          }

          @Override
          public List<Placement> place(ModelSpec<?, ?> spec) {
            return stand.place(spec);
          }

          @Override
          public <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement) {
            Loaded<I, O> inner = stand.load(spec, placement);
            return new Loaded<>() {
              @Override
              public Session<I, O> newSession() {
                Session<I, O> s = inner.newSession();
                return new Session<>() {
                  @Override
                  public java.util.List<O> predict(java.util.List<Call<I>> calls) throws Exception {
                    if (((float[]) calls.get(0).input())[0] == 99f) {
                      stalled.await(60, TimeUnit.SECONDS);
                    }
                    return s.predict(calls);
                  }

                  @Override
                  public void close() {
                    s.close();
                  }
                };
              }

              @Override
              public void close() {
                inner.close();
              }
            };
          }
        };
    int remotes = POOL + 2;
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("local", "1.0.0").build());
      List<CompletableFuture<float[]>> blocked = new ArrayList<>();
      for (int v = 1; v <= remotes; v++) {
        rt.deploy(
            ModelSpec.builder("remote", float[].class, float[].class)
                .version(v + ".0.0")
                .backend(server)
                .warmup(new float[] {1, 2, 3, 4})
                .build());
        blocked.add(
            rt.handle("remote", v + ".0.0", float[].class, float[].class)
                .predictAsync(new float[] {99, 0, 0, 0}));
      }
      try {
        float[] y =
            rt.handle("local", "1.0.0", float[].class, float[].class)
                .predictAsync(new float[] {3, 0, 0, 0})
                .get(20, TimeUnit.SECONDS);
        assertEquals(6f, y[0], "local model answered while " + remotes + " remote calls hang");
      } finally {
        stalled.countDown();
      }
      for (CompletableFuture<float[]> f : blocked) {
        assertEquals(198f, f.get(30, TimeUnit.SECONDS)[0]);
      }
    }
  }
}
