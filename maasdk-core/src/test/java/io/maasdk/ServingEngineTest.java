package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.translate.Translator;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.testkit.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batching, admission, deadlines, isolation, cancellation, recovery and the breaker, on the real
 * echo/faulty models. A gate in the translator (user code that runs on the worker thread) holds the
 * single worker busy, deterministically, while a test lines up its queue.
 */
class ServingEngineTest {
  private static final float GATE = 4242f;
  private final List<InferenceEvent> events = new CopyOnWriteArrayList<>();

  /** The thread each event was reported on: the one that computed the call. */
  private final List<Thread> eventThreads = new CopyOnWriteArrayList<>();

  private final ModelRuntime runtime =
      ModelRuntime.builder()
          .deviceInventory(DeviceInventory.cpuOnly())
          .listener(
              e -> {
                eventThreads.add(Thread.currentThread());
                events.add(e);
              })
          .build();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  /**
   * While set, the translator fails every input the way a lost device does: the engine is broken.
   */
  private volatile boolean broken;

  @AfterEach
  void close() {
    release.countDown();
    runtime.close();
  }

  /** Codecs.floatVector(4), but an input starting with GATE blocks its worker until released. */
  private Translator<float[], float[]> gated() {
    return Models.hooked(
        input -> {
          if (input[0] == GATE) {
            entered.countDown();
            Models.await(release);
          }
          if (broken && input[0] != GATE) {
            throw new ai.djl.engine.EngineException("device lost (simulated engine failure)");
          }
        });
  }

  private ModelHandle<float[], float[]> deploy(String model, BatchingPolicy batching, int queue) {
    runtime.deploy(
        Models.fixture(model, "1.0.0")
            .translator(gated())
            .batching(batching)
            .queueCapacity(queue)
            .failurePolicy(
                FailurePolicy.builder()
                    .breaker(3, Duration.ofMillis(300))
                    .restartBackoff(Duration.ZERO, Duration.ZERO)
                    .build())
            .build());
    return runtime.handle(model, "1.0.0", float[].class, float[].class);
  }

  /** Occupies the single worker; returns the blocked call. */
  private CompletableFuture<float[]> holdWorker(ModelHandle<float[], float[]> h) throws Exception {
    CompletableFuture<float[]> f = h.predictAsync(new float[] {GATE, 0, 0, 0});
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    return f;
  }

  /**
   * Events of calls that ended off the caller's path (timer, cancel) are told on another thread.
   */
  private InferenceEvent awaitEvent(Outcome outcome) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      for (InferenceEvent e : events) {
        if (e.outcome() == outcome) {
          return e;
        }
      }
      assertTrue(System.nanoTime() < until, "no " + outcome + " event in " + events);
      Thread.sleep(5); // polling a list another thread appends to, with a bound
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return e.getCause();
  }

  @Test
  void batches_formUpToMaxBatchSize_whileTheReplicaIsBusy() throws Exception {
    ModelHandle<float[], float[]> h =
        deploy("echo", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
    CompletableFuture<float[]> gate = holdWorker(h);
    List<CompletableFuture<float[]>> queued = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      queued.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    release.countDown();
    assertEquals(1f, gate.join()[4]); // the gate ran alone: batch size 1
    List<Float> sizes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      float[] out = queued.get(i).join();
      assertEquals(2f * i, out[0]);
      sizes.add(out[4]); // the model reports the batch it ran in
    }
    assertEquals(
        List.of(8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 4f, 4f, 4f, 4f),
        sizes);
  }

  @Test
  void loneRequest_withIdleReplica_runsAtOnce_notAfterMaxDelay() {
    runtime.deploy(
        Models.echo("echo", "1.0.0")
            .batching(BatchingPolicy.of(32, Duration.ofSeconds(5)))
            .build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    long t0 = System.nanoTime();
    float[] out = h.predict(new float[] {1, 2, 3, 4});
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "waited for maxDelay");
    assertEquals(1f, out[4]);
  }

  @Test
  void syncCall_withNothingQueuedAndAReplicaIdle_runsOnTheCallersThread() {
    ModelHandle<float[], float[]> h =
        deploy("echo", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
    assertEquals(Thread.currentThread(), eventThreads.get(0));
    assertEquals(4f, h.predictAsync(new float[] {2, 0, 0, 0}).join()[0]);
    assertTrue(
        eventThreads.get(1).getName().startsWith("maasdk-echo@1.0.0-r"),
        eventThreads.get(1).getName());
    // With a deadline the call is queued: a caller computing on its own thread could not give up.
    h.predict(
        new float[] {3, 0, 0, 0}, CallOptions.builder().timeout(Duration.ofSeconds(5)).build());
    assertTrue(eventThreads.get(2).getName().startsWith("maasdk-"), eventThreads.get(2).getName());
  }

  @Test
  void syncCall_neverOvertakesQueuedCalls_norBorrowsABusyReplica() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(1, Duration.ZERO), 100);
    CompletableFuture<float[]> gate = holdWorker(h);
    List<CompletableFuture<float[]>> queued = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      queued.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<float[]> sync = caller.submit(() -> h.predict(new float[] {9, 0, 0, 0}));
      while (runtime.describe("echo", Version.parse("1.0.0")).orElseThrow().queueDepth() < 4) {
        Thread.onSpinWait(); // the sync call queued behind the three
      }
      release.countDown();
      gate.join();
      assertEquals(18f, sync.get(10, TimeUnit.SECONDS)[0]);
    } finally {
      caller.shutdown();
    }
    for (CompletableFuture<float[]> f : queued) {
      f.join();
    }
    assertEquals(5, events.size());
    for (Thread t : eventThreads) {
      assertTrue(t.getName().startsWith("maasdk-echo@1.0.0-r"), t.getName());
    }
  }

  @Test
  void poisonAlone_withNothingKnownGood_isRetriedOnAFreshPredictor_thenBlamedOnTheInput() {
    ModelHandle<float[], float[]> h =
        deploy("faulty", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
    release.countDown();
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    assertTrue(e.getMessage().contains("fresh predictor reproduced"), e.getMessage());
    assertEquals(Thread.currentThread(), eventThreads.get(0));
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(1, info.replicaRestarts(), "the fresh predictor it was retried on");
    assertEquals(1, info.replicasUp());
    assertEquals("CLOSED", info.breakerState());
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
    // Once something was computed, it is the known-good probe: no more restarts for bad inputs.
    for (int i = 0; i < 10; i++) {
      assertThrows(
          InvalidInputException.class, () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    assertEquals(
        1, runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow().replicaRestarts());
  }

  /** Issue 10, failure 2: one tenant's bad inputs used to open the breaker for every tenant. */
  @Test
  void oneTenantsPoisonInputs_alone_neverOpenTheBreakerForOthers() throws Exception {
    for (BatchingPolicy batching :
        List.of(BatchingPolicy.disabled(), BatchingPolicy.of(8, Duration.ofMillis(1)))) {
      String version = batching.enabled() ? "2.0.0" : "1.0.0";
      runtime.deploy(
          Models.fixture("faulty", version)
              .translator(gated())
              .batching(batching)
              .warmup(new float[4])
              .failurePolicy(FailurePolicy.builder().breaker(3, Duration.ofSeconds(30)).build())
              .build());
      release.countDown();
      ModelHandle<float[], float[]> h =
          runtime.handle("faulty", version, float[].class, float[].class);
      CallOptions bad = CallOptions.builder().tenant("mallory").build();
      CallOptions good = CallOptions.builder().tenant("alice").build();
      for (int i = 0; i < 20; i++) {
        assertThrows(
            InvalidInputException.class,
            () -> h.predict(new float[] {TestModels.POISON, 1, 2, 3}, bad));
        assertArrayEquals(new float[] {i + 1f, 1, 1, 1}, h.predict(new float[] {i, 0, 0, 0}, good));
      }
      DeploymentInfo info = runtime.describe("faulty", Version.parse(version)).orElseThrow();
      assertEquals("CLOSED", info.breakerState());
      assertEquals(0, info.replicaRestarts());
    }
  }

  @Test
  void fullQueue_rejectsAtOnce_withItsSize() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.disabled(), 2);
    holdWorker(h);
    CompletableFuture<float[]> a = h.predictAsync(new float[4]);
    CompletableFuture<float[]> b = h.predictAsync(new float[4]);
    CompletableFuture<float[]> c = h.predictAsync(new float[4]);
    assertTrue(c.isDone(), "refused without waiting");
    OverloadedException e = assertInstanceOf(OverloadedException.class, failure(c));
    assertEquals(2, e.queueCapacity());
    assertTrue(e.getMessage().contains("echo@1.0.0") && e.getMessage().contains("queue of 2"));
    release.countDown();
    a.join();
    b.join();
  }

  @Test
  void expiredRequest_failsWithDeadline_andIsNeverComputed() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h);
    CompletableFuture<float[]> late =
        h.predictAsync(
            new float[] {7, 0, 0, 0}, CallOptions.builder().timeout(Duration.ofMillis(50)).build());
    DeadlineExceededException e = assertInstanceOf(DeadlineExceededException.class, failure(late));
    assertTrue(e.getMessage().contains("echo@1.0.0"), e.getMessage());
    CompletableFuture<float[]> next = h.predictAsync(new float[] {1, 0, 0, 0});
    release.countDown();
    assertEquals(1f, next.join()[4], "the expired call did not join the batch");
    InferenceEvent expired = awaitEvent(Outcome.DEADLINE_EXCEEDED);
    assertEquals(0, expired.batchSize());
    assertEquals(0, expired.inferenceNanos());
  }

  @Test
  void badInputInABatch_failsOnlyItsOwnCaller() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h);
    List<CompletableFuture<float[]>> good = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      good.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    CompletableFuture<float[]> poison = h.predictAsync(new float[] {TestModels.POISON, 0, 0, 0});
    for (int i = 3; i < 6; i++) {
      good.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    release.countDown();
    for (int i = 0; i < good.size(); i++) {
      assertArrayEquals(new float[] {i + 1, 1, 1, 1}, good.get(i).join());
    }
    assertTrue(failure(poison).getMessage().contains("poison input"));
    // The others ran fine on the same predictor: the input caused it, the replica is healthy.
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(0, info.replicaRestarts());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void aFloodOfPoisonInputsInBatches_neverOpensTheBreaker_norRestartsTheReplica() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h);
    List<CompletableFuture<float[]>> poison = new ArrayList<>();
    List<CompletableFuture<float[]>> good = new ArrayList<>();
    // 24 queued calls, 3 batches of 8, each holding 6 poison inputs and 2 good ones. The breaker
    // would open after 3 consecutive engine failures.
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 3; j++) {
        poison.add(h.predictAsync(new float[] {TestModels.POISON, 0, 0, 0}));
      }
      good.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    release.countDown();
    for (CompletableFuture<float[]> f : poison) {
      assertInstanceOf(InvalidInputException.class, failure(f));
    }
    for (CompletableFuture<float[]> f : good) {
      f.join();
    }
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(0, info.replicaRestarts());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void aBatchInWhichEveryMemberFails_onAHealthyReplica_blamesTheInputs() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h); // the gate call succeeds: the replica has a known-good input
    List<CompletableFuture<float[]>> poison = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      poison.add(h.predictAsync(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    release.countDown();
    for (CompletableFuture<float[]> f : poison) {
      assertInstanceOf(InvalidInputException.class, failure(f));
    }
    assertEquals(
        0, runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow().replicaRestarts());
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
  }

  @Test
  void aBrokenEngine_failsEveryInput_restartsTheReplica_andCountsForTheBreaker() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(8, Duration.ZERO), 100);
    release.countDown();
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]); // a known-good input
    broken = true;
    InferenceException e =
        assertThrows(InferenceException.class, () -> h.predict(new float[] {2, 0, 0, 0}));
    assertTrue(e.getMessage().contains("known-good input too"), e.getMessage());
    DeploymentInfo info = runtime.describe("echo", Version.parse("1.0.0")).orElseThrow();
    assertEquals(1, info.replicaRestarts());
    broken = false;
    assertEquals(6f, h.predict(new float[] {3, 0, 0, 0})[0]);
    assertEquals(
        "CLOSED", runtime.describe("echo", Version.parse("1.0.0")).orElseThrow().breakerState());
  }

  @Test
  void aBrokenEngineUnderABatch_failsEveryMember_restartsOnce_andCountsOnceForTheBreaker()
      throws Exception {
    runtime.deploy(
        Models.fixture("echo", "1.0.0")
            .translator(gated())
            .warmup(new float[4])
            .batching(
                BatchingPolicy.builder()
                    .maxBatchSize(8)
                    .maxDelay(Duration.ZERO)
                    .deployCheck(false)
                    .build())
            .failurePolicy(FailurePolicy.builder().breaker(3, Duration.ofSeconds(30)).build())
            .build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    CompletableFuture<float[]> gate = holdWorker(h);
    List<CompletableFuture<float[]>> batch = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      batch.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    broken = true; // the engine breaks while the gate call runs (the gate itself is spared)
    release.countDown();
    gate.join();
    for (CompletableFuture<float[]> f : batch) {
      assertInstanceOf(InferenceException.class, failure(f));
    }
    DeploymentInfo info = runtime.describe("echo", Version.parse("1.0.0")).orElseThrow();
    assertEquals(1, info.replicaRestarts(), "one judgement for the batch, not one per member");
    assertEquals("CLOSED", info.breakerState(), "one engine failure counted, threshold 3");
  }

  /** Issue 10, failure 3: an Error in one input's translation failed its whole batch. */
  @Test
  void aTranslatorError_failsOnlyItsOwnCaller_withItsOwnMessage() throws Exception {
    Translator<float[], float[]> asserting =
        Models.hooked(
            input -> {
              if (input[0] == GATE) {
                entered.countDown();
                Models.await(release);
              }
              if (input[0] == -1f) {
                throw new AssertionError("secret of caller -1: " + input[1]);
              }
            });
    runtime.deploy(
        Models.fixture("faulty", "1.0.0")
            .translator(asserting)
            .batching(BatchingPolicy.of(8, Duration.ZERO))
            .build());
    ModelHandle<float[], float[]> h =
        runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    holdWorker(h);
    List<CompletableFuture<float[]>> good = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      good.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    CompletableFuture<float[]> bad = h.predictAsync(new float[] {-1f, 77f, 0, 0});
    for (int i = 3; i < 6; i++) {
      good.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    release.countDown();
    for (int i = 0; i < good.size(); i++) {
      assertArrayEquals(new float[] {i + 1, 1, 1, 1}, good.get(i).join());
    }
    Throwable own = failure(bad);
    assertInstanceOf(InvalidInputException.class, own);
    assertTrue(
        own.getMessage().contains("AssertionError") && own.getMessage().contains("77"),
        own.getMessage());
    for (InferenceEvent ev : events) {
      if (ev.error() != null && ev.input() != bad) {
        assertTrue(((float[]) ev.input())[0] == -1f, "only the bad caller failed: " + ev);
      }
    }
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(0, info.replicaRestarts());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void cancelWhileQueued_isNeverComputed_othersUnaffected() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h);
    CompletableFuture<float[]> a = h.predictAsync(new float[] {1, 0, 0, 0});
    CompletableFuture<float[]> b = h.predictAsync(new float[] {2, 0, 0, 0});
    CompletableFuture<float[]> c = h.predictAsync(new float[] {3, 0, 0, 0});
    assertTrue(b.cancel(true));
    release.countDown();
    assertEquals(2f, a.join()[4]); // a and c ran together; b was gone
    assertEquals(2f, c.join()[4]);
    awaitEvent(Outcome.CANCELLED); // told on the completions thread, not the canceller's
    assertEquals(1, events.stream().filter(e -> e.outcome() == Outcome.CANCELLED).count());
    assertEquals(3, events.stream().filter(e -> e.outcome() == Outcome.SUCCESS).count());
  }

  @Test
  void interactive_overtakesBulk_andTenantsAreServedRoundRobin() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.disabled(), 100);
    holdWorker(h);
    CallOptions bulk = CallOptions.builder().priority(CallOptions.Priority.BULK).build();
    CallOptions a = CallOptions.builder().tenant("a").build();
    CallOptions b = CallOptions.builder().tenant("b").build();
    List<CompletableFuture<float[]>> all = new ArrayList<>();
    all.add(h.predictAsync(new float[] {100, 0, 0, 0}, bulk));
    for (int i = 0; i < 6; i++) {
      all.add(h.predictAsync(new float[] {i, 0, 0, 0}, a));
    }
    all.add(h.predictAsync(new float[] {50, 0, 0, 0}, b));
    release.countDown();
    all.forEach(CompletableFuture::join);
    List<Float> order =
        events.stream()
            .filter(e -> e.outcome() == Outcome.SUCCESS)
            .map(e -> ((float[]) e.input())[0])
            .filter(x -> x != GATE)
            .toList();
    assertEquals(List.of(0f, 50f, 1f, 2f, 3f, 4f, 5f, 100f), order);
  }

  @Test
  void poisonCalls_amidConcurrentTraffic_failOnlyThemselves() throws Exception {
    runtime.deploy(Models.fixture("faulty", "1.0.0").replicas(2).warmup(new float[4]).build());
    ModelHandle<float[], float[]> h =
        runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> ok = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ok.add(
          pool.submit(
              () -> {
                start.await(10, TimeUnit.SECONDS);
                for (int i = 0; i < 200; i++) {
                  assertEquals(i + 1f, h.predict(new float[] {i, 0, 0, 0})[0]);
                }
                return 200;
              }));
    }
    start.await(10, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      assertThrows(
          InvalidInputException.class, () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    int served = 0;
    for (Future<Integer> f : ok) {
      served += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(threads * 200, served);
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(0, info.replicaRestarts());
    assertEquals(2, info.replicasUp());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void breaker_opensAfterRepeatedEngineFailures_failsFast_thenAProbeClosesIt() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.disabled(), 100);
    release.countDown();
    h.predict(new float[] {1, 0, 0, 0});
    broken = true;
    for (int i = 0; i < 3; i++) {
      assertThrows(InferenceException.class, () -> h.predict(new float[] {1, 0, 0, 0}));
    }
    Version v = Version.parse("1.0.0");
    assertEquals("OPEN", runtime.describe("faulty", v).orElseThrow().breakerState());
    broken = false;
    ModelUnavailableException open =
        assertThrows(ModelUnavailableException.class, () -> h.predict(new float[] {1, 0, 0, 0}));
    assertTrue(open.getMessage().contains("circuit breaker"), open.getMessage());
    awaitHalfOpen(v);
    assertArrayEquals(new float[] {2, 1, 1, 1}, h.predict(new float[] {1, 0, 0, 0}));
    assertEquals("CLOSED", runtime.describe("faulty", v).orElseThrow().breakerState());
  }

  private void awaitHalfOpen(Version v) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!runtime.describe("faulty", v).orElseThrow().breakerState().equals("HALF_OPEN")) {
      assertTrue(System.nanoTime() < deadline, "breaker never half-opened");
      Thread.onSpinWait(); // the breaker's own 300 ms timer, not a happens-before stand-in
    }
  }

  /** Issue 10, failure 1: a probe cancelled or expired while queued kept the breaker half-open. */
  @Test
  void aProbeCancelledOrExpiredWhileQueued_handsTheProbeSlotBack() throws Exception {
    AtomicLong now = new AtomicLong();
    CountDownLatch gate2 = new CountDownLatch(1);
    Translator<float[], float[]> t =
        Models.hooked(
            input -> {
              if (input[0] == GATE) {
                entered.countDown();
                Models.await(release);
              } else if (input[0] == GATE + 1) {
                Models.await(gate2);
              } else if (broken) {
                throw new ai.djl.engine.EngineException("device lost (simulated engine failure)");
              }
            });
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .ticker(now::get)
            .build()) {
      rt.deploy(
          Models.fixture("faulty", "1.0.0")
              .translator(t)
              .warmup(new float[4])
              .failurePolicy(
                  FailurePolicy.builder()
                      .breaker(1, Duration.ofSeconds(5))
                      .restartBackoff(Duration.ZERO, Duration.ZERO)
                      .build())
              .build());
      Version v = Version.parse("1.0.0");
      ModelHandle<float[], float[]> h = rt.handle("faulty", "1.0.0", float[].class, float[].class);
      // The single worker: a held call, then an engine failure that opens the breaker, then a
      // second held call, all admitted while the breaker was closed.
      CompletableFuture<float[]> first = h.predictAsync(new float[] {GATE, 0, 0, 0});
      assertTrue(entered.await(10, TimeUnit.SECONDS));
      CompletableFuture<float[]> failing = h.predictAsync(new float[] {1, 0, 0, 0});
      CompletableFuture<float[]> second = h.predictAsync(new float[] {GATE + 1, 0, 0, 0});
      broken = true;
      release.countDown();
      assertInstanceOf(InferenceException.class, failure(failing));
      broken = false;
      assertEquals("OPEN", rt.describe("faulty", v).orElseThrow().breakerState());
      now.addAndGet(Duration.ofSeconds(5).toNanos()); // half-open, without sleeping

      // The probe slot goes to a call that is cancelled while it waits behind the second one...
      CompletableFuture<float[]> probe = h.predictAsync(new float[] {2, 0, 0, 0});
      assertTrue(probe.cancel(true));
      // ... and then to one whose deadline fires while it waits.
      CompletableFuture<float[]> expiring =
          admitted(h, CallOptions.builder().timeout(Duration.ofMillis(20)).build());
      assertInstanceOf(DeadlineExceededException.class, failure(expiring));
      // Each handed the slot back, so the next call is admitted as the probe.
      CompletableFuture<float[]> next = admitted(h, CallOptions.ofDefaults());
      gate2.countDown();
      assertEquals(GATE + 2, second.join()[0]);
      assertArrayEquals(new float[] {4, 1, 1, 1}, next.join());
      assertEquals(GATE + 1, first.join()[0]);
      assertEquals("CLOSED", rt.describe("faulty", v).orElseThrow().breakerState());
    }
  }

  /** A call admitted as the half-open probe; the slot may take a moment to come back. */
  private static CompletableFuture<float[]> admitted(
      ModelHandle<float[], float[]> h, CallOptions options) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      CompletableFuture<float[]> f = h.predictAsync(new float[] {3, 0, 0, 0}, options);
      if (!f.isCompletedExceptionally()) {
        return f;
      }
      Throwable refused = failure(f);
      assertInstanceOf(ModelUnavailableException.class, refused);
      assertTrue(
          System.nanoTime() < until,
          "the probe slot was never handed back: " + refused.getMessage());
      Thread.onSpinWait(); // the cancelled call's completion runs on another thread
    }
  }

  /**
   * Issue 10, failure 5: with batching on, calls were computed after their deadline because it was
   * checked when their batch started, not against when it would end.
   */
  @Test
  void batched_aCallThatCannotFinishBeforeItsDeadline_isNeverComputed() throws Exception {
    List<Float> translated = new CopyOnWriteArrayList<>();
    Translator<float[], float[]> slow =
        Models.hooked(
            input -> {
              translated.add(input[0]);
              if (input[0] == GATE) {
                entered.countDown();
              }
              Thread.sleep(150); // a translator that takes 150 ms per batch member
            });
    runtime.deploy(
        Models.fixture("faulty", "1.0.0")
            .translator(slow)
            .batching(BatchingPolicy.of(4, Duration.ZERO))
            .build());
    ModelHandle<float[], float[]> h =
        runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    for (int i = 0; i < 2; i++) { // teaches the batcher what a batch costs
      h.predictAsync(new float[] {i, 0, 0, 0}).join();
    }
    CompletableFuture<float[]> running = h.predictAsync(new float[] {GATE, 0, 0, 0});
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    // Starts ~150 ms from now with ~100 ms left: it could only finish late.
    CompletableFuture<float[]> doomed =
        h.predictAsync(
            new float[] {9, 0, 0, 0},
            CallOptions.builder().timeout(Duration.ofMillis(250)).build());
    assertInstanceOf(DeadlineExceededException.class, failure(doomed));
    running.join();
    assertTrue(translated.stream().noneMatch(x -> x == 9f), "computed past its deadline");
    InferenceEvent ev = awaitEvent(Outcome.DEADLINE_EXCEEDED);
    assertEquals(0, ev.inferenceNanos());
  }

  /**
   * Issue 10, failure 5: deadlines reached callers late when the deadline thread also ran the
   * listeners of every expired call; a slow metering sink delayed every later deadline.
   */
  @Test
  void deadlines_fireOnTime_evenWhenAListenerIsSlow() throws Exception {
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(
                e -> {
                  if (e.outcome() == Outcome.DEADLINE_EXCEEDED) {
                    try {
                      Thread.sleep(300); // a listener writing to a slow disk
                    } catch (InterruptedException ie) {
                      Thread.currentThread().interrupt();
                    }
                  }
                })
            .build()) {
      rt.deploy(Models.fixture("echo", "1.0.0").translator(gated()).build());
      ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
      holdWorker(h);
      List<CompletableFuture<float[]>> calls = new ArrayList<>();
      List<Long> deadlines = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        deadlines.add(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
        calls.add(
            h.predictAsync(
                new float[] {i, 0, 0, 0},
                CallOptions.builder().timeout(Duration.ofMillis(100)).build()));
      }
      long worstLateMs = 0;
      for (int i = 0; i < calls.size(); i++) {
        assertInstanceOf(DeadlineExceededException.class, failure(calls.get(i)));
        worstLateMs =
            Math.max(
                worstLateMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deadlines.get(i)));
      }
      assertTrue(worstLateMs < 250, "a deadline reached its caller " + worstLateMs + " ms late");
      release.countDown();
    }
  }

  /**
   * maxDelay: a worker waits for more requests only at saturation (its last batch was full) and
   * while the arrivals during its last engine call predict more within the delay. Below that,
   * callers are answered before they send again, so nobody waits: a lone caller or a few.
   */
  @Test
  void maxDelay_waitsForArrivalsItExpectsAtSaturation_butNeverBelowIt() throws Exception {
    CountDownLatch inFullBatch = new CountDownLatch(1);
    CountDownLatch releaseFull = new CountDownLatch(1);
    runtime.deploy(
        Models.fixture("echo", "1.0.0")
            .translator(
                Models.hooked(
                    input -> {
                      if (input[0] == GATE) {
                        entered.countDown();
                        Models.await(release);
                      } else if (input[0] == GATE + 1) {
                        inFullBatch.countDown();
                        Models.await(releaseFull);
                      }
                    }))
            .batching(
                BatchingPolicy.builder()
                    .maxBatchSize(4)
                    .maxDelay(Duration.ofSeconds(1))
                    .deployCheck(false)
                    .build())
            .build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    long start = System.nanoTime();
    for (int i = 0; i < 20; i++) { // queued calls (async), one at a time: never a full batch
      assertEquals(1f, h.predictAsync(new float[] {i, 0, 0, 0}).get(10, TimeUnit.SECONDS)[4]);
    }
    long loneMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(loneMs < 5_000, "20 lone calls took " + loneMs + " ms with a 1 s maxDelay");

    CompletableFuture<float[]> gate = holdWorker(h);
    List<CompletableFuture<float[]>> full = new ArrayList<>();
    full.add(h.predictAsync(new float[] {GATE + 1, 0, 0, 0})); // a full batch of 4 whose engine
    for (int i = 1; i < 4; i++) { //                              call lasts until released ...
      full.add(h.predictAsync(new float[] {i, 0, 0, 0}));
    }
    release.countDown();
    gate.join();
    assertTrue(inFullBatch.await(10, TimeUnit.SECONDS));
    List<CompletableFuture<float[]>> during = new ArrayList<>();
    for (int i = 0; i < 2; i++) { // ... during which 2 requests arrive
      during.add(h.predictAsync(new float[] {10 + i, 0, 0, 0}));
    }
    Thread.sleep(100); // the full batch's engine call lasts a while: 2 arrivals per 100+ ms
    releaseFull.countDown();
    for (CompletableFuture<float[]> f : full) {
      assertEquals(4f, f.get(10, TimeUnit.SECONDS)[4]);
    }
    Thread.sleep(30); // well inside the expected gap, after the worker took the 2
    CompletableFuture<float[]> late = h.predictAsync(new float[] {9, 0, 0, 0});
    assertEquals(3f, late.get(10, TimeUnit.SECONDS)[4], "the late arrival joined the batch");
    for (CompletableFuture<float[]> f : during) {
      assertEquals(3f, f.join()[4]);
    }
  }
}
