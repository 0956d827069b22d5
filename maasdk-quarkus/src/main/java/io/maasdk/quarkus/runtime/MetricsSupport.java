package io.maasdk.quarkus.runtime;

import io.maasdk.ModelRuntime;
import io.maasdk.metrics.MaasdkMetrics;
import io.maasdk.spi.InferenceListener;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * maasdk's meters as a bean: {@link MaasdkMetrics} is both an {@code InferenceListener} (so the
 * runtime is built with it) and a Micrometer {@code MeterBinder} (so quarkus-micrometer binds it to
 * its registry). Registered only when quarkus-micrometer and maasdk-metrics are present.
 */
@Singleton
public class MetricsSupport {

  /** The meters, tagged by tenant when {@code maasdk.metrics.tenant-tag} is above 0. */
  @Produces
  @Singleton
  public MaasdkMetrics maasdkMetrics(MaasdkConfig config) {
    MaasdkMetrics.Builder b = MaasdkMetrics.builder();
    if (config.metrics().tenantTag() > 0) {
      b.tenantTag(config.metrics().tenantTag());
    }
    return b.build();
  }

  /** Hands the runtime to the meters (queue-depth, replica and response-cache gauges). */
  static void monitor(List<InferenceListener> listeners, ModelRuntime runtime) {
    for (InferenceListener l : listeners) {
      if (l instanceof MaasdkMetrics m) {
        m.monitor(runtime);
      }
    }
  }
}
