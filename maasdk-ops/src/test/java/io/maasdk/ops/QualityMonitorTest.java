package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Issue 16, item 4: output distribution and input drift, on the real digits model. */
class QualityMonitorTest {
  private static final Version V2 = Version.parse("2.0.0");

  private static double ink(float[] x) {
    double s = 0;
    for (float v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double centre(float[] x) {
    double s = 0;
    for (int r = 2; r < 6; r++) {
      for (int c = 2; c < 6; c++) {
        s += x[r * 8 + c];
      }
    }
    return s / 16;
  }

  private static QualityMonitor monitor(SimpleMeterRegistry meters) {
    List<float[]> baseline = new java.util.ArrayList<>(); // even samples; odd ones come live
    for (int i = 0; i < TEST_SET.size(); i += 2) {
      baseline.add(TEST_SET.features()[i]);
    }
    Map<String, ToDoubleFunction<float[]>> features =
        Map.of("ink", QualityMonitorTest::ink, "centre", QualityMonitorTest::centre);
    return QualityMonitor.builder(meters).window(200)
        .outputs(MODEL, float[].class, logits -> logits)
        .drift(MODEL, float[].class, baseline, features, 0.2)
        .build();
  }

  @Test
  void drift_shiftedInputsCrossTheThreshold_unshiftedOnesDoNot_andOutputsAreCounted() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality = monitor(meters);
    try (ModelRuntime runtime = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly())
        .listener(quality).build()) {
      runtime.deploy(ModelSpec.builder(MODEL, float[].class, float[].class).version(V2)
          .source(ModelSource.classpath(TestModels.digitsResource("mlp", "2.0.0")))
          .translator(Codecs.floatVector(64)).devicePolicy(DevicePolicy.cpu()).build());
      ModelHandle<float[], float[]> h = runtime.handle(MODEL, "2.0.0", float[].class,
          float[].class);

      for (int i = 1; i < 400; i += 2) { // held-out samples from the same distribution
        h.predict(TEST_SET.features()[i]);
      }
      double inkSame = quality.drift(MODEL, V2, "ink");
      double centreSame = quality.drift(MODEL, V2, "centre");
      assertTrue(inkSame < 0.2 && centreSame < 0.2, "unshifted: " + inkSame + ", " + centreSame);

      for (int i = 1; i < 400; i += 2) { // the same digits, washed out: a scanner change, say
        float[] x = TEST_SET.features()[i].clone();
        for (int j = 0; j < x.length; j++) {
          x[j] = Math.min(1f, x[j] * 0.6f + 0.25f);
        }
        h.predict(x);
      }
      double inkShifted = quality.drift(MODEL, V2, "ink");
      assertTrue(inkShifted >= 0.2, "shifted: " + inkShifted);
      assertEquals(inkShifted, meters.get("maasdk.quality.drift.psi").tag("feature", "ink")
          .gauge().value(), 1e-12);
      assertEquals(1.0, meters.get("maasdk.quality.drift.alerts").tag("feature", "ink")
          .counter().count());
    }
    double predicted = meters.find("maasdk.quality.predicted").counters().stream()
        .mapToDouble(Counter::count).sum();
    assertEquals(400, predicted);
    assertEquals(400, meters.get("maasdk.quality.confidence").summary().count());
    assertTrue(meters.find("maasdk.quality.predicted").counters().size() >= 9,
        "classes seen: " + meters.find("maasdk.quality.predicted").counters().size());
  }

  @Test
  void overhead_perCall_withEveryMonitorOn_isMeasured() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality = monitor(meters);
    InferenceEvent[] events = new InferenceEvent[16];
    float[][] logits = TestModels.expectedLogits("mlp", "2.0.0");
    for (int i = 0; i < events.length; i++) {
      events[i] = new InferenceEvent(Instant.EPOCH, "default", MODEL, V2, "cpu()",
          TEST_SET.features()[i], logits[i], 0, 0, 1, false, InferenceEvent.Outcome.SUCCESS,
          null);
    }
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 8; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < 200_000; i++) {
        quality.onEvent(events[i & 15]);
      }
      best = Math.min(best, (System.nanoTime() - t0) / 200_000.0 / 1000);
    }
    System.out.printf("monitoring.overhead.us=%.3f (best of 8 x 200000 calls)%n", best);
    assertTrue(best < 20, "a sanity bound, not the target: " + best + " us");
  }

  @Test
  void liveAccuracy_fromLabelsReportedLater_matchesTheEvaluation_andUnknownIdsAreRefused() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality = QualityMonitor.builder(meters)
        .outputs(MODEL, float[].class, logits -> logits).trackedCalls(1000).build();
    ModelOps ops = ModelOps.builder().build();
    try (ModelRuntime runtime = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly())
        .listener(quality).extension(ops).build()) {
      runtime.deploy(ModelSpec.builder(MODEL, float[].class, float[].class).version(V2)
          .source(ModelSource.classpath(TestModels.digitsResource("mlp", "2.0.0")))
          .translator(Codecs.floatVector(64)).devicePolicy(DevicePolicy.cpu()).build());
      ModelHandle<float[], float[]> h = runtime.handle(MODEL, "2.0.0", float[].class,
          float[].class);
      long[] ids = new long[TEST_SET.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = quality.predict(h, TEST_SET.features()[i], io.maasdk.CallOptions.DEFAULT)
            .callId();
      }
      for (int i = ids.length - 1; i >= 0; i--) { // labels arrive later, in any order
        assertTrue(quality.reportLabel(ids[i], TEST_SET.labels()[i]));
      }

      double evaluated = ops.evaluate(MODEL, V2, Fixtures.testData(), 1).accuracy();
      assertEquals(evaluated, quality.liveAccuracy(MODEL, V2), 1e-9);
      assertEquals(evaluated, meters.get("maasdk.quality.live_accuracy").gauge().value(), 1e-9);
      assertEquals(400, meters.get("maasdk.quality.labelled").counter().count());
      assertTrue(!quality.reportLabel(ids[0], 3), "reported already");
      assertTrue(!quality.reportLabel(-1, 3), "never issued");
    }
  }
}
