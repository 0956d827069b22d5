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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
    ModelHandle<float[], float[]> slow = rt.handle("slow", "latest", float[].class, float[].class);
    for (int i = 0; i < 40; i++) {
      pending.add(slow.predictAsync(new float[] {i, 0, 0, 0}));
    }
    assertFalse(maasdkThreads().isEmpty()); // the queued calls started the workers
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
    ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
            .drainTimeout(Duration.ZERO)
            .build();
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
        String m = e.getCause().getMessage();
        assertTrue(
            m.contains("closed before this queued call ran")
                || m.contains("closed while this call was still running"),
            m);
        failed++;
      }
    }
    assertTrue(failed > 0, "with no drain time some queued calls must fail");
    assertEquals(List.of(), maasdkThreads());
  }

  @Test
  void undeploy_letsInFlightCallsFinish_thenFreesTheVersion() {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
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
        assertEquals(
            2f,
            rt.handle("echo", "1.0.0", float[].class, float[].class)
                .predict(new float[] {1, 0, 0, 0})[0]);
        rt.undeploy("echo", "1.0.0"); // the throw-away handle above pins nothing
      }
      assertTrue(maasdkThreads().stream().noneMatch(n -> n.startsWith("maasdk-echo")));
    }
  }

  // ------------------------------------------------------------ handle lifecycle (issue 10, #7)

  @Test
  void undeploy_rightAfterThrowAwayHandleCall_succeedsWithoutGarbageCollection() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("echo", "1.0.0").build());
      rt.deploy(Models.echo("echo", "2.0.0").build());
      ModelHandle<float[], float[]> kept = rt.handle("echo", "1.0.0", float[].class, float[].class);
      assertEquals(2f, kept.predict(new float[] {1, 0, 0, 0})[0]);
      rt.handle("echo", "1.0.0", float[].class, float[].class).predict(new float[4]);

      rt.undeploy("echo", "1.0.0"); // neither handle, live or dropped, holds it

      ModelNotFoundException e =
          assertThrows(ModelNotFoundException.class, () -> kept.predict(new float[4]));
      assertEquals(Version.parse("1.0.0"), e.version());
      assertTrue(
          e.getMessage().contains("echo@1.0.0 is not deployed (it was undeployed at "),
          e.getMessage());
      assertTrue(e.getMessage().contains("versions [2.0.0]"), e.getMessage());
      rt.deploy(Models.echo("echo", "1.0.0").build()); // the handle works again once redeployed
      assertEquals(2f, kept.predict(new float[] {1, 0, 0, 0})[0]);
    }
  }

  @Test
  void lease_blocksUndeployUntilClosed_andTheRefusalNamesEachLeaseAndWhereItWasTaken() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("echo", "1.0.0").build());
      ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
      ModelHandle.Lease first = h.pin();
      ModelHandle.Lease second = rt.handle("echo", "^1", float[].class, float[].class).pin();
      assertTrue(first.isOpen());

      DeploymentConflictException refused =
          assertThrows(DeploymentConflictException.class, () -> rt.undeploy("echo", "1.0.0"));
      String m = refused.getMessage();
      assertTrue(m.startsWith("cannot undeploy echo@1.0.0: still needed by lease #"), m);
      assertTrue(m.contains("on echo '1.0.0' taken at io.maasdk.LifecycleTest.lease_blocks"), m);
      assertTrue(m.contains("on echo '^1' taken at io.maasdk.LifecycleTest.lease_blocks"), m);
      assertTrue(m.contains("(thread " + Thread.currentThread().getName() + ")"), m);
      assertTrue(m.endsWith("Close the leases first."), m);

      first.close();
      first.close(); // idempotent
      assertFalse(first.isOpen());
      DeploymentConflictException byRange =
          assertThrows(DeploymentConflictException.class, () -> rt.undeploy("echo", "1.0.0"));
      assertFalse(byRange.getMessage().contains("'1.0.0'"), byRange.getMessage());
      assertTrue(byRange.getMessage().contains("'^1'"), byRange.getMessage());
      assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]); // still served meanwhile

      second.close();
      rt.undeploy("echo", "1.0.0");
      assertTrue(rt.deployments().isEmpty());
    }
  }

  @Test
  void lease_onRangeOrLatest_onlyBlocksTheLastVersionThatSatisfiesIt() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("echo", "1.0.0").build());
      rt.deploy(Models.echo("echo", "1.1.0").build());
      try (ModelHandle.Lease range = rt.handle("echo", "^1", float[].class, float[].class).pin();
          ModelHandle.Lease latest =
              rt.handle("echo", "latest", float[].class, float[].class).pin()) {
        rt.undeploy("echo", "1.1.0"); // 1.0.0 still satisfies both
        DeploymentConflictException e =
            assertThrows(DeploymentConflictException.class, () -> rt.undeploy("echo", "1.0.0"));
        assertTrue(
            e.getMessage().contains("'^1'") && e.getMessage().contains("'latest'"), e.getMessage());
      }
      rt.undeploy("echo", "1.0.0");
    }
  }

  @Test
  void pin_onSelectorNothingSatisfies_isRefused_andLeasesEndWithTheRuntime() {
    ModelRuntime rt = Models.runtime();
    rt.deploy(Models.echo("echo", "1.0.0").build());
    ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
    rt.undeploy("echo", "1.0.0");
    rt.deploy(Models.echo("echo", "2.0.0").build());
    ModelNotFoundException e = assertThrows(ModelNotFoundException.class, h::pin);
    assertTrue(e.getMessage().contains("echo@1.0.0 is not deployed"), e.getMessage());
    ModelHandle.Lease lease = rt.handle("echo", "2.0.0", float[].class, float[].class).pin();
    rt.close(); // an open lease does not hold the runtime open
    assertFalse(lease.isOpen());
    lease.close();
    assertEquals(List.of(), maasdkThreads());
  }

  @Test
  void pinAndUndeploy_racingFromManyThreads_neverUndeployUnderAnOpenLease() throws Exception {
    try (ModelRuntime rt = Models.runtime()) {
      int rounds = 20;
      for (int round = 0; round < rounds; round++) {
        rt.deploy(Models.echo("echo", "1.0.0").build());
        ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        CompletableFuture<ModelHandle.Lease> pin =
            CompletableFuture.supplyAsync(
                () -> {
                  await(start);
                  try {
                    return h.pin();
                  } catch (ModelNotFoundException gone) {
                    return null; // undeploy won the race
                  }
                });
        await(start);
        boolean undeployed;
        try {
          rt.undeploy("echo", "1.0.0");
          undeployed = true;
        } catch (DeploymentConflictException pinned) {
          undeployed = false;
        }
        ModelHandle.Lease lease = pin.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(undeployed != (lease != null), "exactly one of pin and undeploy wins");
        if (lease != null) {
          assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]); // the lease kept it served
          lease.close();
          rt.undeploy("echo", "1.0.0");
        }
      }
    }
  }

  /**
   * Issue 10, failure 4: with a translator stuck for 70 s and a 2 s drain timeout, close() took 62
   * s, left a future pending and closed the predictor under the running call.
   */
  @Test
  void close_withACallStuckInTheTranslator_returnsWithinTheDrainTimeout_andSettlesIt()
      throws Exception {
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch unstick = new CountDownLatch(1);
    ai.djl.translate.Translator<float[], float[]> hanging =
        Models.hooked(
            input -> {
              if (input[0] == 70f) {
                stuck.countDown();
                unstick.await(60, TimeUnit.SECONDS); // hung on something outside the runtime
              }
            });
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
            .drainTimeout(Duration.ofMillis(500))
            .listener(events::add)
            .build();
    try {
      rt.deploy(Models.fixture("faulty", "1.0.0").translator(hanging).build());
      ModelHandle<float[], float[]> h = rt.handle("faulty", "1.0.0", float[].class, float[].class);
      CompletableFuture<float[]> hung = h.predictAsync(new float[] {70, 0, 0, 0});
      assertTrue(stuck.await(10, TimeUnit.SECONDS));
      CompletableFuture<float[]> queued = h.predictAsync(new float[] {1, 0, 0, 0});
      long start = System.nanoTime();
      rt.close();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMs < 5_000, "close took " + tookMs + " ms with a 500 ms drain timeout");
      for (CompletableFuture<float[]> f : List.of(hung, queued)) {
        assertTrue(f.isDone(), "every future is settled when close returns");
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof ModelUnavailableException, e.getCause().toString());
      }
    } finally {
      unstick.countDown();
    }
    // Once the stuck call returns, it finishes on its still-open predictor, which is closed then.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!maasdkThreads().isEmpty()) {
      assertTrue(System.nanoTime() < until, "threads left: " + maasdkThreads());
      Thread.sleep(10); // waiting for another thread to end, bounded
    }
    assertTrue(
        events.stream()
            .anyMatch(
                e -> e.outcome() == InferenceEvent.Outcome.UNAVAILABLE && e.inferenceNanos() > 0),
        "the stuck call was computed to its end: " + events);
  }

  /** Issue 10, failure 6: predictAsync after close threw on the caller's thread. */
  @Test
  void predictAsync_afterClose_failsThroughTheFuture() {
    ModelRuntime rt = Models.runtime();
    rt.deploy(Models.echo("echo", "1.0.0").build());
    ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
    rt.close();
    CompletableFuture<float[]> f = h.predictAsync(new float[4]);
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    assertTrue(e.getCause() instanceof ModelUnavailableException, e.getCause().toString());
    assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
    CompletableFuture<Prediction<float[]>> d =
        h.predictDetailedAsync(new float[4], CallOptions.ofDefaults());
    assertTrue(d.isCompletedExceptionally());
  }

  private static void await(java.util.concurrent.CyclicBarrier b) {
    try {
      b.await(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Issue 11, item 14: what is registered with the runtime is closed with it, last first. */
  @Test
  void close_closesAutoCloseableListenersAndInterceptors_inReverseOrder_once() {
    List<String> closed = new CopyOnWriteArrayList<>();
    class Sink implements io.maasdk.spi.InferenceListener, AutoCloseable {
      private final String name;

      Sink(String name) {
        this.name = name;
      }

      @Override
      public void onEvent(InferenceEvent event) {}

      @Override
      public void close() {
        closed.add(name);
      }
    }
    class Gate implements io.maasdk.spi.CallInterceptor, AutoCloseable {
      @Override
      public void beforeCall(io.maasdk.spi.CallContext context) {}

      @Override
      public void close() {
        closed.add("gate");
      }
    }
    ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
            .listener(new Sink("first"))
            .interceptor(new Gate())
            .listener(new Sink("last"))
            .listener(e -> {})
            .build();
    rt.deploy(Models.echo("echo", "1.0.0").build());
    rt.close();
    rt.close();
    assertEquals(List.of("last", "gate", "first"), closed);
  }

  @Test
  void build_leavesDjlPropertiesAloneWhenTheApplicationSetThem_orWhenAskedTo() {
    String before = System.getProperty("ai.djl.offline");
    try {
      System.setProperty("ai.djl.offline", "false");
      ModelRuntime.builder()
          .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
          .build()
          .close();
      assertEquals("false", System.getProperty("ai.djl.offline"));
      System.clearProperty("ai.djl.offline");
      ModelRuntime.builder()
          .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
          .djlOffline(false)
          .build()
          .close();
      assertEquals(null, System.getProperty("ai.djl.offline"));
      ModelRuntime.builder()
          .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
          .build()
          .close();
      assertEquals("true", System.getProperty("ai.djl.offline"));
    } finally {
      if (before == null) {
        System.clearProperty("ai.djl.offline");
      } else {
        System.setProperty("ai.djl.offline", before);
      }
    }
  }
}
