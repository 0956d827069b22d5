package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear error naming model, version and expected input; workers keep serving. */
class BadInputTest {
  private final List<InferenceEvent> events = new CopyOnWriteArrayList<>();
  private final ModelRuntime runtime =
      ModelRuntime.builder()
          .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
          .listener(events::add)
          .build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private ModelHandle<float[], float[]> digits() {
    runtime.deploy(Models.digits("1.0.0").build());
    return runtime.handle("digits", "1.0.0", float[].class, float[].class);
  }

  private static void assertNamesModelVersionAndExpected(InvalidInputException e) {
    assertEquals("digits", e.modelName());
    assertEquals(Version.parse("1.0.0"), e.version());
    assertTrue(e.getMessage().contains("digits@1.0.0"), e.getMessage());
    assertTrue(e.getMessage().contains("expected float[64]"), e.getMessage());
  }

  @Test
  void wrongShape_empty_huge_nonFinite_areRefusedBeforeQueueing() {
    ModelHandle<float[], float[]> h = digits();
    for (float[] bad :
        new float[][] {new float[63], new float[0], new float[10_000_000], withNaN()}) {
      assertNamesModelVersionAndExpected(
          assertThrows(InvalidInputException.class, () -> h.predict(bad)));
    }
    assertTrue(
        events.stream()
            .allMatch(
                e -> e.outcome() == InferenceEvent.Outcome.INVALID_INPUT && e.batchSize() == 0),
        "none was computed");
    float[] x = TestModels.digitsTestSet().features()[0];
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], h.predict(x), 1e-4f);
  }

  private static float[] withNaN() {
    float[] x = new float[64];
    x[5] = Float.NaN;
    return x;
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void wrongType_throughRawHandle_isRefusedWithExpectedType() {
    digits();
    ModelHandle raw = runtime.handle("digits", "1.0.0", float[].class, float[].class);
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> raw.predict("not pixels"));
    assertTrue(
        e.getMessage().contains("takes float[]") && e.getMessage().contains("String"),
        e.getMessage());
    assertThrows(InvalidInputException.class, () -> raw.predict(null));
  }

  @Test
  void engineRejectsInput_withoutValidator_failsThatCallOnly_andWorkerKeepsServing() {
    // A translator with no validator: the engine itself sees the wrong shape.
    Translator<float[], float[]> unchecked =
        new Translator<>() {
          @Override
          public NDList processInput(TranslatorContext ctx, float[] input) {
            return new NDList(ctx.getNDManager().create(input));
          }

          @Override
          public float[] processOutput(TranslatorContext ctx, NDList list) {
            return list.singletonOrThrow().toFloatArray();
          }
        };
    runtime.deploy(Models.digits("1.0.0").translator(unchecked).build());
    ModelHandle<float[], float[]> h =
        runtime.handle("digits", "1.0.0", float[].class, float[].class);
    MaasdkException e = assertThrows(MaasdkException.class, () -> h.predict(new float[3]));
    assertTrue(e instanceof InferenceException || e instanceof InvalidInputException, e.toString());
    assertTrue(
        e.getMessage().contains("digits@1.0.0") && e.getMessage().contains("float[3]"),
        e.getMessage());
    float[] x = TestModels.digitsTestSet().features()[1];
    for (int i = 0; i < 5; i++) { // the same single worker serves the next callers
      assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[1], h.predict(x), 1e-4f);
    }
  }

  @Test
  void engineRejectedInput_isInvalidInput_failsOnlyItsCaller_andReplicaKeepsServing() {
    runtime.deploy(Models.fixture("faulty", "1.0.0").warmup(new float[4]).build());
    ModelHandle<float[], float[]> h =
        runtime.handle("faulty", "1.0.0", float[].class, float[].class);
    InvalidInputException e =
        assertThrows(
            InvalidInputException.class, () -> h.predict(new float[] {1, TestModels.POISON, 3, 4}));
    assertTrue(
        e.getMessage().contains("faulty@1.0.0") && e.getMessage().contains("poison input"),
        e.getMessage());
    assertArrayEquals(new float[] {2, 3, 4, 5}, h.predict(new float[] {1, 2, 3, 4}));
    assertEquals(
        0,
        runtime.describe("faulty", Version.parse("1.0.0")).orElseThrow().replicaRestarts(),
        "the warm-up input proved the replica healthy: no restart");
  }

  @Test
  void spec_invalidSettings_failFastWithTheRule() {
    assertThrows(
        IllegalArgumentException.class,
        () -> ModelSpec.builder("bad name", float[].class, float[].class));
    assertThrows(IllegalArgumentException.class, () -> Models.digits("1.0.0").replicas(0));
    assertThrows(IllegalArgumentException.class, () -> Models.digits("1.0.0").queueCapacity(0));
    NullPointerException npe =
        assertThrows(
            NullPointerException.class,
            () -> ModelSpec.builder("m", float[].class, float[].class).version("1.0.0").build());
    assertTrue(npe.getMessage().contains("source not set"), npe.getMessage());
  }

  /**
   * Issue 10, failure 8: a model whose answer depends on its batch (here the echo model, whose last
   * column is the batch size; a translator that adds its own batch dimension does the same) gave
   * silently wrong answers with batching on. The deploy now checks.
   */
  @Test
  void batchingOn_answersThatDifferInABatch_refuseTheDeploy_andSayHowToFix() {
    ModelLoadException e =
        assertThrows(
            ModelLoadException.class,
            () ->
                runtime.deploy(
                    Models.echo("echo", "1.0.0")
                        .batching(BatchingPolicy.of(8, java.time.Duration.ZERO))
                        .warmup(new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8})
                        .build()));
    assertTrue(
        e.getMessage().contains("echo@1.0.0")
            && e.getMessage().contains("differently")
            && e.getMessage().contains("BatchingPolicy.disabled()"),
        e.getMessage());
    assertTrue(runtime.deployments().isEmpty());
    // Checked and consistent: a real batching translator on the digits model.
    runtime.deploy(
        Models.digits("1.0.0")
            .batching(BatchingPolicy.ofDefaults())
            .warmup(
                TestModels.digitsTestSet().features()[0], TestModels.digitsTestSet().features()[1])
            .build());
    // Opting out for a model that depends on its batch by design.
    runtime.deploy(
        Models.echo("echo", "1.0.0")
            .batching(
                BatchingPolicy.builder()
                    .maxBatchSize(8)
                    .maxDelay(java.time.Duration.ZERO)
                    .deployCheck(false)
                    .build())
            .warmup(new float[4])
            .build());
  }
}
