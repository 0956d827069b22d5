package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    return QualityMonitor.builder(meters)
        .window(200)
        .outputs(MODEL, float[].class, logits -> logits)
        .drift(MODEL, baseline, features, 0.2)
        .build();
  }

  @Test
  void drift_shiftedInputsCrossTheThreshold_unshiftedOnesDoNot_andOutputsAreCounted() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality = monitor(meters);
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(quality)
            .build()) {
      runtime.deploy(
          ModelSpec.builder(MODEL, float[].class, float[].class)
              .version(V2)
              .source(ModelSource.classpath(TestModels.digitsResource("mlp", "2.0.0")))
              .translator(Codecs.floatVector(64))
              .devicePolicy(DevicePolicy.cpu())
              .build());
      ModelHandle<float[], float[]> h =
          runtime.handle(MODEL, "2.0.0", float[].class, float[].class);

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
      assertEquals(
          inkShifted,
          meters.get("maasdk.quality.drift.psi").tag("feature", "ink").gauge().value(),
          1e-12);
      assertEquals(
          1.0, meters.get("maasdk.quality.drift.alerts").tag("feature", "ink").counter().count());
    }
    double predicted =
        meters.find("maasdk.quality.predicted").counters().stream()
            .mapToDouble(Counter::count)
            .sum();
    assertEquals(400, predicted);
    assertEquals(400, meters.get("maasdk.quality.confidence").summary().count());
    assertTrue(
        meters.find("maasdk.quality.predicted").counters().size() >= 9,
        "classes seen: " + meters.find("maasdk.quality.predicted").counters().size());
  }

  @Test
  void overhead_perCall_withEveryMonitorOn_isMeasured() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality = monitor(meters);
    InferenceEvent[] events = new InferenceEvent[16];
    float[][] logits = TestModels.expectedLogits("mlp", "2.0.0");
    for (int i = 0; i < events.length; i++) {
      events[i] =
          new InferenceEvent(
              Instant.EPOCH,
              "default",
              MODEL,
              V2,
              "cpu()",
              TEST_SET.features()[i],
              logits[i],
              0,
              0,
              1,
              false,
              InferenceEvent.Outcome.SUCCESS,
              null,
              null,
              null,
              i + 1,
              -1); // with a call id: its predicted class goes into the ring
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

  private static ModelSpec<float[], float[]> digits(String version) {
    return ModelSpec.builder(MODEL, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", version)))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .cachePolicy(io.maasdk.CachePolicy.ofDefaults())
        .build();
  }

  /**
   * Plain handle calls keep their call id; labels reported later, in any order, give each version
   * its live accuracy, which equals its evaluated accuracy on the same data.
   */
  @Test
  void liveAccuracy_fromTruthReportedLaterForPlainCalls_matchesTheEvaluation_perVersion() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality =
        QualityMonitor.builder(meters)
            .outputs(MODEL, float[].class, logits -> logits)
            .trackedCalls(2000)
            .build();
    ModelOps ops = ModelOps.builder().build();
    Version v1 = Version.parse("1.0.0");
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(quality)
            .extension(ops)
            .build()) {
      runtime.deploy(digits("1.0.0"));
      runtime.deploy(digits("2.0.0"));
      ModelHandle<float[], float[]> h1 =
          runtime.handle(MODEL, "1.0.0", float[].class, float[].class);
      ModelHandle<float[], float[]> h2 =
          runtime.handle(MODEL, "2.0.0", float[].class, float[].class);
      int n = TEST_SET.size();
      long[] ids1 = new long[n];
      long[] ids2 = new long[n];
      for (int i = 0; i < n; i++) { // the two versions' calls interleaved
        ids1[i] =
            h1.predictDetailed(TEST_SET.features()[i], io.maasdk.CallOptions.ofDefaults()).callId();
        ids2[i] =
            h2.predictDetailed(TEST_SET.features()[i], io.maasdk.CallOptions.ofDefaults()).callId();
      }
      io.maasdk.Prediction<float[]> hit =
          h2.predictDetailed(TEST_SET.features()[0], io.maasdk.CallOptions.ofDefaults());
      assertTrue(hit.cacheHit());
      for (int i = n - 1; i >= 0; i--) { // the truth arrives later, in any order
        assertTrue(quality.reportTruth(ids2[i], TEST_SET.labels()[i]), "call " + i);
        assertTrue(quality.reportTruth(ids1[i], TEST_SET.labels()[i]), "call " + i);
      }
      assertTrue(quality.reportTruth(hit.callId(), TEST_SET.labels()[0]), "a cache hit counts");

      double acc1 = ops.evaluate(MODEL, v1, Fixtures.testData(), 1).accuracy();
      double acc2 = ops.evaluate(MODEL, V2, Fixtures.testData(), 1).accuracy();
      assertTrue(acc2 > acc1 + 0.1, acc1 + " vs " + acc2);
      assertEquals(acc1, quality.liveAccuracy(MODEL, v1), 1e-9);
      boolean hitRight = argmax(hit.output()) == TEST_SET.labels()[0];
      assertEquals(
          (acc2 * n + (hitRight ? 1 : 0)) / (n + 1), quality.liveAccuracy(MODEL, V2), 1e-9);
      assertEquals(
          quality.liveAccuracy(MODEL, V2),
          meters.get("maasdk.quality.live_accuracy").tag("version", "2.0.0").gauge().value(),
          1e-12);
      assertEquals(
          acc1,
          meters.get("maasdk.quality.live_accuracy").tag("version", "1.0.0").gauge().value(),
          1e-12);
      assertEquals(
          n + 1, meters.get("maasdk.quality.labelled").tag("version", "2.0.0").counter().count());
      assertFalse(quality.reportTruth(ids1[0], 3), "reported already");
      assertFalse(quality.reportTruth(-1, 3), "never issued");
      assertFalse(quality.reportTruth(Long.MAX_VALUE, 3), "never issued");
    }
  }

  /** The ring is fixed: an old call's slot is taken by later calls, and its truth is refused. */
  @Test
  void trackedCalls_areABoundedRing_oldCallsAreForgotten() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality =
        QualityMonitor.builder(meters)
            .outputs(MODEL, float[].class, logits -> logits)
            .trackedCalls(64)
            .build();
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(quality)
            .build()) {
      runtime.deploy(digits("2.0.0"));
      ModelHandle<float[], float[]> h =
          runtime.handle(MODEL, "2.0.0", float[].class, float[].class);
      long[] ids = new long[300];
      for (int i = 0; i < ids.length; i++) {
        ids[i] =
            h.predictDetailed(TEST_SET.features()[i], io.maasdk.CallOptions.ofDefaults()).callId();
      }
      assertFalse(quality.reportTruth(ids[0], TEST_SET.labels()[0]), "forgotten");
      int known = 0;
      for (int i = ids.length - 32; i < ids.length; i++) {
        known += quality.reportTruth(ids[i], TEST_SET.labels()[i]) ? 1 : 0;
      }
      assertEquals(32, known, "the latest calls are still known");
    }
    assertThrows(
        IllegalArgumentException.class, () -> QualityMonitor.builder(meters).trackedCalls(0));
  }

  /** {@link QualityMonitor#predict} also works without the monitor listening to the runtime. */
  @Test
  void predict_tracksTheCall_evenWhenTheMonitorIsNotAListener() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    QualityMonitor quality =
        QualityMonitor.builder(meters).outputs(MODEL, float[].class, logits -> logits).build();
    try (ModelRuntime runtime =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      runtime.deploy(digits("2.0.0"));
      ModelHandle<float[], float[]> h =
          runtime.handle(MODEL, "2.0.0", float[].class, float[].class);
      QualityMonitor.Tracked<float[]> t =
          quality.predict(h, TEST_SET.features()[5], io.maasdk.CallOptions.ofDefaults());
      assertEquals(argmax(t.output()), t.predicted());
      assertTrue(quality.reportTruth(t.callId(), t.predicted()));
      assertEquals(1.0, quality.liveAccuracy(MODEL, V2));
    }
  }

  private static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }
}
