package io.maasdk.benchmarks;

import io.maasdk.Version;
import io.maasdk.benchmarks.BenchmarkSuite.Figure;
import io.maasdk.ops.QualityMonitor;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** What maasdk-ops' monitoring adds to a call. */
final class OpsBenchmarks {
  private OpsBenchmarks() {}

  /**
   * {@link QualityMonitor} with every monitor on (class counts, confidence histogram, drift on two
   * features, 1000-call windows, each call's predicted class kept under its call id for live
   * accuracy) on real digits events, timed per call on one thread.
   */
  static Figure monitoringOverhead() {
    TestModels.DigitsTestSet digits = TestModels.digitsTestSet();
    List<float[]> baseline = new ArrayList<>();
    for (int i = 0; i < digits.size(); i += 2) {
      baseline.add(digits.features()[i]);
    }
    ToDoubleFunction<float[]> ink =
        x -> {
          double s = 0;
          for (float v : x) {
            s += v;
          }
          return s / x.length;
        };
    ToDoubleFunction<float[]> pixel = x -> x[36];
    QualityMonitor quality =
        QualityMonitor.builder(new SimpleMeterRegistry())
            .outputs("digits", float[].class, logits -> logits)
            .drift("digits", baseline, Map.of("ink", ink, "pixel36", pixel), 0.2)
            .build();
    float[][] logits = TestModels.expectedLogits("mlp", "2.0.0");
    InferenceEvent[] events = new InferenceEvent[logits.length];
    for (int i = 0; i < events.length; i++) {
      events[i] =
          new InferenceEvent(
              Instant.now(),
              "acme",
              "digits",
              Version.parse("2.0.0"),
              "cpu()",
              digits.features()[i],
              logits[i],
              20_000,
              200_000,
              1,
              false,
              InferenceEvent.Outcome.SUCCESS,
              null,
              null,
              null,
              i + 1,
              -1); // ids: the live-accuracy ring
    }
    int n = 200_000;
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 8; round++) { // early rounds warm the JIT; keep the best
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        quality.onEvent(events[i % events.length]);
      }
      best = Math.min(best, System.nanoTime() - t0);
    }
    double us = best / 1000.0 / n;
    return new Figure(
        "monitoring.overhead.us",
        us,
        "us",
        null,
        null,
        "<= 2",
        String.format(
            Locale.ROOT,
            "QualityMonitor: predicted-class counters, confidence"
                + " histogram, PSI drift on 2 features (1000-call windows), live-accuracy ring,"
                + " digits events, per call, best of 8 x %d calls",
            n));
  }
}
