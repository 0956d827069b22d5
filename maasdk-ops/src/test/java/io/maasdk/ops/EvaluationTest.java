package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 16, item 3: evaluation on the digits test split, against a hand computation. */
class EvaluationTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ModelOps ops = ModelOps.builder().meterRegistry(meters).build();
  private final AtomicInteger maxBatch = new AtomicInteger();
  private final ModelRuntime runtime =
      ModelRuntime.builder()
          .deviceInventory(DeviceInventory.cpuOnly())
          .listener((InferenceEvent e) -> maxBatch.accumulateAndGet(e.batchSize(), Math::max))
          .extension(ops)
          .build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private void deploy(String version) {
    runtime.deploy(
        ModelSpec.builder(MODEL, float[].class, float[].class)
            .version(version)
            .source(ModelSource.classpath(TestModels.digitsResource("mlp", version)))
            .translator(Codecs.floatVector(64))
            .devicePolicy(DevicePolicy.cpu())
            .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
            .warmup(TEST_SET.features()[0])
            .build());
  }

  /** Accuracy and macro-F1 computed the long way, one unbatched call per sample. */
  private double[] byHand(String version) {
    ModelHandle<float[], float[]> h = runtime.handle(MODEL, version, float[].class, float[].class);
    int[] tp = new int[10];
    int[] fp = new int[10];
    int[] fn = new int[10];
    int correct = 0;
    for (int i = 0; i < TEST_SET.size(); i++) {
      int pred = TestModels.argmax(h.predict(TEST_SET.features()[i]));
      int y = TEST_SET.labels()[i];
      if (pred == y) {
        correct++;
        tp[y]++;
      } else {
        fp[pred]++;
        fn[y]++;
      }
    }
    double f1Sum = 0;
    for (int c = 0; c < 10; c++) {
      double p = tp[c] + fp[c] == 0 ? 0 : tp[c] / (double) (tp[c] + fp[c]);
      double r = tp[c] + fn[c] == 0 ? 0 : tp[c] / (double) (tp[c] + fn[c]);
      f1Sum += p + r == 0 ? 0 : 2 * p * r / (p + r);
    }
    return new double[] {correct / (double) TEST_SET.size(), f1Sum / 10};
  }

  @Test
  void digitsTestSplit_accuracyAndMacroF1_matchAHandComputation_onBothVersions() {
    for (String v : List.of("1.0.0", "2.0.0")) {
      deploy(v);
      double[] hand = byHand(v);

      ClassificationReport r = ops.evaluate(MODEL, Version.parse(v), Fixtures.testData(), 3);

      assertEquals(400, r.n());
      assertEquals(hand[0], r.accuracy(), 1e-9, v);
      assertEquals(hand[1], r.macroF1(), 1e-9, v);
      assertEquals(
          TestModels.recordedAccuracy("mlp", v),
          r.accuracy(),
          0.0026,
          v + ": within one sample of what PyTorch measured");
      long total = 0;
      for (long[] row : r.confusion()) {
        for (long x : row) {
          total += x;
        }
      }
      assertEquals(400, total);
      assertTrue(r.topKAccuracy() >= r.accuracy() && r.topKAccuracy() <= 1, r.toString());
      assertEquals(
          r.macroF1(),
          meters.get("maasdk.evaluation.macro_f1").tag("version", v).gauge().value(),
          1e-12);
    }
    assertTrue(maxBatch.get() > 1, "went through the runtime's batching: " + maxBatch.get());
  }

  @Test
  void report_ofAHandMadeCase_perClassFiguresConfusionAndTopK() {
    // labels 0,0,1,2 ; predictions 0,1,1,1 ; class 2 never predicted
    float[][] scores = {{.9f, .1f, 0}, {.2f, .7f, .1f}, {.1f, .8f, .1f}, {0, .6f, .4f}};
    ClassificationReport r = ClassificationReport.of(new int[] {0, 0, 1, 2}, scores, 3, 2);

    assertEquals(0.5, r.accuracy(), 1e-12);
    assertArrayEquals(new double[] {1, 1 / 3.0, 0}, r.precision(), 1e-12);
    assertArrayEquals(new double[] {0.5, 1, 0}, r.recall(), 1e-12);
    assertArrayEquals(new double[] {2 / 3.0, 0.5, 0}, r.f1(), 1e-12);
    assertEquals((2 / 3.0 + 0.5) / 3, r.macroF1(), 1e-12);
    assertArrayEquals(new long[][] {{1, 1, 0}, {0, 1, 0}, {0, 1, 0}}, r.confusion());
    assertEquals(1.0, r.topKAccuracy(), 1e-12, "each label is in its sample's top 2");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassificationReport.of(new int[] {0}, new float[][] {{1, 2}}, 3, 1));
    assertTrue(e.getMessage().contains("sample 0 has 2 scores, expected 3"), e.getMessage());
  }

  @Test
  void regression_maeAndRmse_onTheEchoModel() {
    runtime.deploy(
        ModelSpec.builder("echo", float[].class, float[].class)
            .version("1.0.0")
            .source(ModelSource.classpath(TestModels.resource("echo")))
            .translator(Codecs.floatVector(4))
            .devicePolicy(DevicePolicy.cpu())
            .build());
    List<float[]> inputs = new ArrayList<>();
    double[] targets = new double[50];
    for (int i = 0; i < 50; i++) {
      inputs.add(new float[] {i, 0, 0, 0});
      targets[i] = 2 * i + (i % 2 == 0 ? 0.5 : -1.5); // echo answers 2x: errors 0.5 and 1.5
    }

    RegressionReport r =
        Evaluator.regression(
            runtime.handle("echo", "1.0.0", float[].class, float[].class),
            inputs,
            targets,
            out -> out[0]);

    assertEquals(50, r.n());
    assertEquals(1.0, r.mae(), 1e-9);
    assertEquals(Math.sqrt((0.25 + 2.25) / 2), r.rmse(), 1e-9);
  }
}
