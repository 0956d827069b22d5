package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Idle versions hold no worker threads: a thousand deployed versions must not mean a thousand
 * threads.
 */
class IdleWorkersTest {

  private static List<String> workers(String model) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("maasdk-" + model + "@"))
        .toList();
  }

  private static void awaitNoWorkers(String model) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!workers(model).isEmpty() && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertEquals(List.of(), workers(model), "workers still alive after the versions went idle");
  }

  @Test
  void idleVersions_holdNoWorkerThreads_andStartOneWhenCallsQueueAgain() throws Exception {
    try (ModelRuntime rt = Models.runtime()) {
      for (int v = 1; v <= 8; v++) {
        rt.deploy(Models.echo("idle", v + ".0.0").replicas(2).build());
      }
      assertEquals(List.of(), workers("idle"), "deploying started threads before any call");

      for (int round = 0; round < 2; round++) { // a worker that ended starts again on demand
        List<CompletableFuture<float[]>> pending = new ArrayList<>();
        for (int v = 1; v <= 8; v++) {
          ModelHandle<float[], float[]> h =
              rt.handle("idle", v + ".0.0", float[].class, float[].class);
          for (int i = 0; i < 20; i++) {
            pending.add(h.predictAsync(new float[] {i, 0, 0, 0}));
          }
        }
        for (int i = 0; i < pending.size(); i++) {
          float[] out = pending.get(i).get(30, TimeUnit.SECONDS);
          assertEquals(2f * (i % 20), out[0], "call " + i + " of round " + round);
        }
        assertTrue(workers("idle").size() <= 16, workers("idle").toString());
        awaitNoWorkers("idle");
      }

      ModelHandle<float[], float[]> h = rt.handle("idle", "8.0.0", float[].class, float[].class);
      assertArrayEquals(
          new float[] {2, 4, 6, 8},
          java.util.Arrays.copyOf(h.predict(new float[] {1, 2, 3, 4}), 4));
    }
  }

  @Test
  void aBurstOfConcurrentCalls_afterIdling_allComplete() throws Exception {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("burst", "1.0.0").build());
      ModelHandle<float[], float[]> h = rt.handle("burst", "1.0.0", float[].class, float[].class);
      for (int round = 0; round < 3; round++) {
        List<CompletableFuture<float[]>> pending = new ArrayList<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          Thread c =
              new Thread(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      CompletableFuture<float[]> f = h.predictAsync(new float[] {1, 0, 0, 0});
                      synchronized (pending) {
                        pending.add(f);
                      }
                    }
                  });
          callers.add(c);
          c.start();
        }
        for (Thread c : callers) {
          c.join(30_000);
        }
        for (CompletableFuture<float[]> f : pending) {
          assertEquals(2f, f.get(30, TimeUnit.SECONDS)[0]);
        }
        awaitNoWorkers("burst");
      }
    }
  }
}
