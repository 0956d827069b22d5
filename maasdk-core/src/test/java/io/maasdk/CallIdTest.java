package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 4: every call has an id (a JVM-wide counter), on its prediction and on its event,
 * so that a true label known later can be reported for it.
 */
class CallIdTest {
  private final List<InferenceEvent> events = new CopyOnWriteArrayList<>();
  private final ModelRuntime runtime =
      ModelRuntime.builder()
          .deviceInventory(DeviceInventory.cpuOnly())
          .listener(events::add)
          .build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private static float[] input(int i) {
    return new float[] {i, i + 1, i + 2, i + 3};
  }

  @Test
  void concurrentCalls_getUniqueIds_increasingPerThread_andTheEventCarriesThePredictionsId()
      throws Exception {
    runtime.deploy(
        Models.echo("echo", "1.0.0")
            .batching(BatchingPolicy.of(8, java.time.Duration.ofMillis(1)))
            .build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    int threads = 8;
    int calls = 200;
    Map<Long, float[]> outputById = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    CyclicBarrier go = new CyclicBarrier(threads);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await(30, TimeUnit.SECONDS);
                  long last = 0;
                  for (int i = 0; i < calls; i++) {
                    Prediction<float[]> p =
                        i % 2 == 0
                            ? h.predictDetailed(input(id * 1000 + i), CallOptions.ofDefaults())
                            : h.predictDetailedAsync(input(id * 1000 + i), CallOptions.ofDefaults())
                                .get(30, TimeUnit.SECONDS);
                    assertTrue(
                        p.callId() > last,
                        "ids increase on one thread: " + last + " then " + p.callId());
                    last = p.callId();
                    assertEquals(null, outputById.put(p.callId(), p.output()), "id given twice");
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join(60_000);
      assertFalse(th.isAlive());
    }
    assertEquals(List.of(), failures);
    assertEquals(threads * calls, outputById.size());
    assertEquals(threads * calls, events.size());
    Set<Long> eventIds = new HashSet<>();
    for (InferenceEvent e : events) {
      assertTrue(eventIds.add(e.callId()), "one event per id");
      float[] out = outputById.get(e.callId());
      assertTrue(out != null, "the event's id is its prediction's: " + e.callId());
      assertEquals(out, e.output(), "the same call: the event carries that prediction's output");
    }
  }

  @Test
  void cacheHits_andRefusedCalls_getIdsToo() {
    runtime.deploy(Models.echo("echo", "1.0.0").cachePolicy(CachePolicy.ofDefaults()).build());
    ModelHandle<float[], float[]> h = runtime.handle("echo", "1.0.0", float[].class, float[].class);
    Prediction<float[]> miss = h.predictDetailed(input(1), CallOptions.ofDefaults());
    Prediction<float[]> hit = h.predictDetailed(input(1), CallOptions.ofDefaults());
    assertFalse(miss.cacheHit());
    assertTrue(hit.cacheHit());
    assertTrue(miss.callId() > 0);
    assertTrue(hit.callId() > miss.callId(), miss.callId() + " then " + hit.callId());
    assertEquals(miss.callId(), events.get(0).callId());
    assertEquals(hit.callId(), events.get(1).callId());
    assertTrue(events.get(1).cacheHit());

    assertThrows(MaasdkException.class, () -> h.predict(new float[3]));
    InferenceEvent refused = events.get(2);
    assertFalse(refused.outcome().isSuccess(), refused.toString());
    assertTrue(refused.callId() > hit.callId(), "a refused call has an id as well");
  }

  @Test
  void ids_areJvmWide_neverRepeatedAcrossRuntimes() {
    runtime.deploy(Models.echo("echo", "1.0.0").build());
    try (ModelRuntime other =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      other.deploy(Models.echo("echo", "1.0.0").build());
      long a =
          runtime
              .handle("echo", "1.0.0", float[].class, float[].class)
              .predictDetailed(input(0), CallOptions.ofDefaults())
              .callId();
      long b =
          other
              .handle("echo", "1.0.0", float[].class, float[].class)
              .predictDetailed(input(0), CallOptions.ofDefaults())
              .callId();
      long c =
          runtime
              .handle("echo", "1.0.0", float[].class, float[].class)
              .predictDetailed(input(0), CallOptions.ofDefaults())
              .callId();
      assertTrue(a < b && b < c, a + ", " + b + ", " + c);
    }
  }
}
