package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.codec.Codecs;
import io.maasdk.codec.FloatVectorTranslator;
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
  private final ModelRuntime runtime = ModelRuntime.builder()
      .deviceInventory(DeviceInventory.cpuOnly()).listener(e -> {
        eventThreads.add(Thread.currentThread());
        events.add(e);
      }).build();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    runtime.close();
  }

  /** Codecs.floatVector(4), but an input starting with GATE blocks its worker until released. */
  private Translator<float[], float[]> gated() {
    FloatVectorTranslator inner = Codecs.floatVector(4);
    return new Translator<>() {
      @Override
      public NDList processInput(TranslatorContext ctx, float[] input) throws Exception {
        if (input[0] == GATE) {
          entered.countDown();
          release.await();
        }
        return inner.processInput(ctx, input);
      }

      @Override
      public float[] processOutput(TranslatorContext ctx, NDList list) {
        return inner.processOutput(ctx, list);
      }

      @Override
      public Batchifier getBatchifier() {
        return Batchifier.STACK;
      }
    };
  }

  private ModelHandle<float[], float[]> deploy(String model, BatchingPolicy batching, int queue) {
    runtime.deploy(Models.fixture(model, "1.0.0").translator(gated()).batching(batching)
        .queueCapacity(queue).failurePolicy(FailurePolicy.ofDefaults()
            .withBreaker(3, Duration.ofMillis(300)).withRestartBackoff(Duration.ZERO, Duration.ZERO))
        .build());
    return runtime.handle(model, "1.0.0", float[].class, float[].class);
  }

  /** Occupies the single worker; returns the blocked call. */
  private CompletableFuture<float[]> holdWorker(ModelHandle<float[], float[]> h) throws Exception {
    CompletableFuture<float[]> f = h.predictAsync(new float[] {GATE, 0, 0, 0});
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    return f;
  }

  private static Throwable failure(CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return e.getCause();
  }

  @Test
  void batches_formUpToMaxBatchSize_whileTheReplicaIsBusy() throws Exception {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
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
    assertEquals(List.of(8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f, 8f,
        4f, 4f, 4f, 4f), sizes);
  }

  @Test
  void loneRequest_withIdleReplica_runsAtOnce_notAfterMaxDelay() {
    runtime.deploy(Models.echo("echo", "1.0.0").batching(BatchingPolicy.of(32, Duration.ofSeconds(5)))
        .build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    long t0 = System.nanoTime();
    float[] out = h.predict(new float[] {1, 2, 3, 4});
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "waited for maxDelay");
    assertEquals(1f, out[4]);
  }

  @Test
  void syncCall_withNothingQueuedAndAReplicaIdle_runsOnTheCallersThread() {
    ModelHandle<float[], float[]> h = deploy("echo", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
    assertEquals(Thread.currentThread(), eventThreads.get(0));
    assertEquals(4f, h.predictAsync(new float[] {2, 0, 0, 0}).join()[0]);
    assertTrue(eventThreads.get(1).getName().startsWith("maasdk-echo@1.0.0-r"),
        eventThreads.get(1).getName());
    // With a deadline the call is queued: a caller computing on its own thread could not give up.
    h.predict(new float[] {3, 0, 0, 0}, CallOptions.builder().timeout(Duration.ofSeconds(5)).build());
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
  void inlineEngineFailure_replacesThePredictor_beforeTheCallerHearsOfIt() {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.of(8, Duration.ofMillis(1)), 100);
    assertThrows(InferenceException.class, () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    assertEquals(Thread.currentThread(), eventThreads.get(0));
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(1, info.replicaRestarts());
    assertEquals(1, info.replicasUp());
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
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
    CompletableFuture<float[]> late = h.predictAsync(new float[] {7, 0, 0, 0},
        CallOptions.builder().timeout(Duration.ofMillis(50)).build());
    DeadlineExceededException e = assertInstanceOf(DeadlineExceededException.class, failure(late));
    assertTrue(e.getMessage().contains("echo@1.0.0"), e.getMessage());
    CompletableFuture<float[]> next = h.predictAsync(new float[] {1, 0, 0, 0});
    release.countDown();
    assertEquals(1f, next.join()[4], "the expired call did not join the batch");
    InferenceEvent expired = events.stream().filter(ev -> ev.outcome() == Outcome.DEADLINE_EXCEEDED)
        .findFirst().orElseThrow();
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
  void aFloodOfPoisonInputsInBatches_neverOpensTheBreaker_norRestartsTheReplica()
      throws Exception {
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
      assertInstanceOf(InferenceException.class, failure(f));
    }
    for (CompletableFuture<float[]> f : good) {
      f.join();
    }
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(0, info.replicaRestarts());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void aBatchInWhichEveryMemberFails_restartsTheReplicaOnce() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.of(8, Duration.ZERO), 100);
    holdWorker(h);
    List<CompletableFuture<float[]>> poison = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      poison.add(h.predictAsync(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    release.countDown();
    for (CompletableFuture<float[]> f : poison) {
      assertInstanceOf(InferenceException.class, failure(f));
    }
    assertEquals(1, runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow()
        .replicaRestarts());
    assertEquals(2f, h.predict(new float[] {1, 0, 0, 0})[0]);
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
    List<Float> order = events.stream().filter(e -> e.outcome() == Outcome.SUCCESS)
        .map(e -> ((float[]) e.input())[0]).filter(x -> x != GATE).toList();
    assertEquals(List.of(0f, 50f, 1f, 2f, 3f, 4f, 5f, 100f), order);
  }

  @Test
  void failingReplica_isReplaced_whileOthersKeepServing() throws Exception {
    runtime.deploy(Models.fixture("faulty", "1.0.0").replicas(2).build());
    ModelHandle<float[], float[]> h = runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    int threads = 4;
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<Integer>> ok = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ok.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 200; i++) {
          assertEquals(i + 1f, h.predict(new float[] {i, 0, 0, 0})[0]);
        }
        return 200;
      }));
    }
    start.await();
    for (int i = 0; i < 3; i++) {
      assertThrows(InferenceException.class,
          () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    int served = 0;
    for (Future<Integer> f : ok) {
      served += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(threads * 200, served);
    DeploymentInfo info = runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow();
    assertEquals(3, info.replicaRestarts());
    assertEquals(2, info.replicasUp());
    assertEquals("CLOSED", info.breakerState());
  }

  @Test
  void breaker_opensAfterRepeatedFailures_failsFast_thenAProbeClosesIt() throws Exception {
    ModelHandle<float[], float[]> h = deploy("faulty", BatchingPolicy.disabled(), 100);
    release.countDown();
    for (int i = 0; i < 3; i++) {
      assertThrows(InferenceException.class,
          () -> h.predict(new float[] {TestModels.POISON, 0, 0, 0}));
    }
    Version v = Version.parse("1.0.0");
    assertEquals("OPEN", runtime.describe("faulty", v).orElseThrow().breakerState());
    ModelUnavailableException open = assertThrows(ModelUnavailableException.class,
        () -> h.predict(new float[] {1, 0, 0, 0}));
    assertTrue(open.getMessage().contains("circuit breaker"), open.getMessage());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!runtime.describe("faulty", v).orElseThrow().breakerState().equals("HALF_OPEN")) {
      assertTrue(System.nanoTime() < deadline, "breaker never half-opened");
      Thread.onSpinWait(); // the breaker's own 300 ms timer, not a happens-before stand-in
    }
    assertArrayEquals(new float[] {2, 1, 1, 1}, h.predict(new float[] {1, 0, 0, 0}));
    assertEquals("CLOSED", runtime.describe("faulty", v).orElseThrow().breakerState());
  }
}
