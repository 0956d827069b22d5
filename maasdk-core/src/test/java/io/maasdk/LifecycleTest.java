package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.InferenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Undeploy drains; close frees everything and stops every thread maasdk started. */
class LifecycleTest {

  private static List<String> maasdkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("maasdk-"))
        .toList();
  }

  @Test
  void close_drainsQueuedCalls_andLeavesNoThread() {
    List<CompletableFuture<float[]>> pending = new ArrayList<>();
    ModelRuntime rt = Models.runtime();
    rt.deploy(Models.fixture("slow", "1.0.0").replicas(2).build());
    rt.deploy(Models.echo("echo", "1.0.0").build());
    assertFalse(maasdkThreads().isEmpty());
    ModelHandle<float[], float[]> slow = rt.handle("slow", "latest", float[].class, float[].class);
    for (int i = 0; i < 40; i++) {
      pending.add(slow.predictAsync(new float[] {i, 0, 0, 0}));
    }
    rt.close();
    for (int i = 0; i < pending.size(); i++) { // queued work finished within the drain timeout
      assertEquals(i + 1f, pending.get(i).join()[0]);
    }
    assertEquals(List.of(), maasdkThreads());
    assertThrows(ModelUnavailableException.class, () -> slow.predict(new float[4]));
    assertThrows(MaasdkException.class, () -> rt.deploy(Models.echo("e2", "1.0.0").build()));
  }

  @Test
  void close_pastDrainTimeout_failsLeftoversClearly() {
    ModelRuntime rt = ModelRuntime.builder().deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
        .drainTimeout(Duration.ZERO).build();
    rt.deploy(Models.fixture("slow", "1.0.0").build());
    ModelHandle<float[], float[]> slow = rt.handle("slow", "latest", float[].class, float[].class);
    List<CompletableFuture<float[]>> pending = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      pending.add(slow.predictAsync(new float[4]));
    }
    rt.close();
    int failed = 0;
    for (CompletableFuture<float[]> f : pending) {
      try {
        f.get();
      } catch (ExecutionException | InterruptedException e) {
        assertTrue(e.getCause() instanceof ModelUnavailableException, String.valueOf(e.getCause()));
        assertTrue(e.getCause().getMessage().contains("closed before this queued call ran"));
        failed++;
      }
    }
    assertTrue(failed > 0, "with no drain time some queued calls must fail");
    assertEquals(List.of(), maasdkThreads());
  }

  @Test
  void undeploy_letsInFlightCallsFinish_thenFreesTheVersion() {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt = ModelRuntime.builder()
        .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly()).listener(events::add).build()) {
      rt.deploy(Models.fixture("slow", "1.0.0").build());
      rt.deploy(Models.fixture("slow", "2.0.0").build());
      rt.setAlias("slow", "prod", Version.parse("1.0.0"));
      ModelHandle<float[], float[]> prod = rt.handle("slow", "prod", float[].class, float[].class);
      List<CompletableFuture<float[]>> pending = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        pending.add(prod.predictAsync(new float[] {i, 0, 0, 0}));
      }
      rt.setAlias("slow", "prod", Version.parse("2.0.0"));
      rt.undeploy("slow", "1.0.0"); // blocks until the 20 queued calls are done
      for (int i = 0; i < 20; i++) {
        assertTrue(pending.get(i).isDone());
        assertEquals(i + 1f, pending.get(i).join()[0]);
      }
      assertTrue(rt.describe("slow", Version.parse("1.0.0")).isEmpty());
      assertFalse(maasdkThreads().stream().anyMatch(n -> n.startsWith("maasdk-slow@1.0.0")));
      assertEquals(1f, prod.predict(new float[4])[0]);
      assertEquals(21, events.stream().filter(e -> e.outcome().isSuccess()).count());
    }
  }

  @Test
  void deployUndeploy_repeated_leavesNoThreadsBehind() {
    try (ModelRuntime rt = Models.runtime()) {
      for (int i = 0; i < 20; i++) {
        rt.deploy(Models.echo("echo", "1.0.0").replicas(2).build());
        assertEquals(2f, rt.handle("echo", "1.0.0", float[].class, float[].class)
            .predict(new float[] {1, 0, 0, 0})[0]);
        System.gc(); // drop the handle so its pin does not block the undeploy
        undeployEventually(rt);
      }
      assertTrue(maasdkThreads().stream().noneMatch(n -> n.startsWith("maasdk-echo")));
    }
  }

  private static void undeployEventually(ModelRuntime rt) {
    for (int attempt = 0; ; attempt++) {
      try {
        rt.undeploy("echo", "1.0.0");
        return;
      } catch (DeploymentConflictException e) {
        if (attempt > 50) {
          throw e;
        }
        System.gc();
      }
    }
  }
}
