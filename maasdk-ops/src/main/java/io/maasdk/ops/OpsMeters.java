package io.maasdk.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters of maasdk-ops, all no-ops without a registry:
 *
 * <ul>
 *   <li>{@code maasdk.repository.events} (counter; model, kind);
 *   <li>{@code maasdk.rollout.rollbacks} (counter; model, alias, gate) and {@code
 *       maasdk.rollout.percent} (gauge; model, alias: the candidate's share now);
 *   <li>{@code maasdk.evaluation.accuracy}, {@code .topk_accuracy}, {@code .macro_precision},
 *       {@code .macro_recall}, {@code .macro_f1} (gauges; model, version: the latest evaluation).
 * </ul>
 *
 * Thread-safe.
 */
final class OpsMeters {
  private final @Nullable MeterRegistry registry;
  private final Map<String, AtomicReference<ClassificationReport>> evaluations =
      new ConcurrentHashMap<>();

  OpsMeters(@Nullable MeterRegistry registry) {
    this.registry = registry;
  }

  void repositoryEvent(String model, RepositoryEvent.Kind kind) {
    if (registry != null) {
      Counter.builder("maasdk.repository.events")
          .tags("model", model, "kind", kind.name())
          .description("what repository watchers did or refused")
          .register(registry)
          .increment();
    }
  }

  void rollback(String model, String alias, String gate) {
    if (registry != null) {
      Counter.builder("maasdk.rollout.rollbacks")
          .tags("model", model, "alias", alias, "gate", gate)
          .description("rollouts rolled back automatically, by the gate that failed")
          .register(registry)
          .increment();
    }
  }

  <T> void rolloutPercent(String model, String alias, T source, ToDoubleFunction<T> percent) {
    if (registry != null) {
      Gauge.builder("maasdk.rollout.percent", source, percent)
          .tags("model", model, "alias", alias)
          .description("the candidate's share of the alias's traffic, in percent")
          .register(registry);
    }
  }

  void evaluation(String model, String version, ClassificationReport report) {
    if (registry == null) {
      return;
    }
    AtomicReference<ClassificationReport> ref =
        evaluations.computeIfAbsent(
            model + "@" + version,
            k -> {
              AtomicReference<ClassificationReport> r = new AtomicReference<>(report);
              Tags tags = Tags.of("model", model, "version", version);
              gauge("maasdk.evaluation.accuracy", r, tags, ClassificationReport::accuracy);
              gauge("maasdk.evaluation.topk_accuracy", r, tags, ClassificationReport::topKAccuracy);
              gauge(
                  "maasdk.evaluation.macro_precision",
                  r,
                  tags,
                  ClassificationReport::macroPrecision);
              gauge("maasdk.evaluation.macro_recall", r, tags, ClassificationReport::macroRecall);
              gauge("maasdk.evaluation.macro_f1", r, tags, ClassificationReport::macroF1);
              return r;
            });
    ref.set(report);
  }

  private void gauge(
      String name,
      AtomicReference<ClassificationReport> r,
      Tags tags,
      ToDoubleFunction<ClassificationReport> f) {
    Gauge.builder(name, r, x -> f.applyAsDouble(x.get()))
        .tags(tags)
        .description("the latest evaluation of this version on its labelled data set")
        .register(registry);
  }
}
