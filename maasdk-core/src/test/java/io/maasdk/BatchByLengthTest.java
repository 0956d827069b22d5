package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.translate.Translator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ModelSpec.Builder#batchByLength} on the real echo model ({@code [B,4] -> [B,5]}: x*2 and
 * the batch size it ran in). A gate in the translator holds the single worker busy while the queue
 * fills, so the worker then takes one full batch.
 */
class BatchByLengthTest {
  private static final float GATE = 4242f;
  private final ModelRuntime runtime = Models.runtime();
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    runtime.close();
  }

  private ModelHandle<float[], float[]> deploy(boolean byLength) {
    ModelSpec.Builder<float[], float[]> b =
        Models.echo("echo", "1.0.0")
            .translator(gated())
            .batching(BatchingPolicy.of(16, Duration.ofMillis(1)));
    if (byLength) {
      b.batchByLength(x -> (int) x[1]); // the second value plays the input's token count
    }
    runtime.deploy(b.build());
    return runtime.handle("echo", "1.0.0", float[].class, float[].class);
  }

  /** The batch size each of 16 calls ran in: 8 short (length 5) and 8 long (500), interleaved. */
  private List<Float> batchSizes(ModelHandle<float[], float[]> h) throws Exception {
    CompletableFuture<float[]> gate = h.predictAsync(new float[] {GATE, 0, 0, 0});
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    List<CompletableFuture<float[]>> queued = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      queued.add(h.predictAsync(new float[] {i, i % 2 == 0 ? 5 : 500, 0, 0}));
    }
    release.countDown();
    gate.get(10, TimeUnit.SECONDS);
    List<Float> sizes = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      float[] out = queued.get(i).get(10, TimeUnit.SECONDS);
      assertEquals(2f * i, out[0], "each caller gets its own answer back");
      assertEquals(i % 2 == 0 ? 10f : 1000f, out[1]);
      sizes.add(out[4]);
    }
    return sizes;
  }

  @Test
  void batchByLength_takenBatchOfShortAndLong_runsAsOneCallPerLength() throws Exception {
    List<Float> sizes = batchSizes(deploy(true));
    assertEquals(java.util.Collections.nCopies(16, 8f), sizes);
  }

  @Test
  void withoutBatchByLength_theTakenBatchRunsAsOneCall() throws Exception {
    List<Float> sizes = batchSizes(deploy(false));
    assertEquals(java.util.Collections.nCopies(16, 16f), sizes);
  }

  /** Codecs.floatVector(4), but an input starting with GATE blocks its worker until released. */
  private Translator<float[], float[]> gated() {
    return Models.hooked(
        input -> {
          if (input[0] == GATE) {
            entered.countDown();
            assertTrue(release.await(10, TimeUnit.SECONDS));
          }
        });
  }
}
