package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelRuntime;
import io.maasdk.metrics.MaasdkMetrics;
import io.maasdk.spi.DeviceInventory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Binds maasdk's meters ({@link MaasdkMetrics} from maasdk-metrics) to the application's Micrometer
 * {@code MeterRegistry}, when maasdk-metrics and Micrometer are on the classpath.
 *
 * <p>{@link MaasdkMetrics} is a bean that is both an {@code InferenceListener} (so the runtime is
 * built with it) and a {@code MeterBinder} (so Spring Boot's metrics auto-configuration binds it to
 * its registry, applying the application's common tags, meter filters and histogram properties,
 * e.g. {@code management.metrics.tags.region=eu}). Once every singleton exists, it is given the
 * runtime to watch (queue-depth, replica and response-cache gauges). Without a {@code
 * MeterRegistry} bean the meters stay unbound and cost a map lookup per call.
 *
 * <p>Off with {@code maasdk.metrics.enabled=false}; the application's own {@link MaasdkMetrics}
 * bean replaces this one.
 */
@AutoConfiguration(
    after = MaasdkAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration"
    })
@ConditionalOnClass(
    name = {"io.maasdk.metrics.MaasdkMetrics", "io.micrometer.core.instrument.MeterRegistry"})
@ConditionalOnProperty(
    prefix = "maasdk",
    name = {"enabled", "metrics.enabled"},
    matchIfMissing = true)
public class MaasdkMetricsAutoConfiguration {

  /**
   * The meters, tagged by tenant when {@code maasdk.metrics.tenant-tag} is above 0.
   *
   * @param properties the {@code maasdk.*} configuration properties
   * @param inventory the device inventory bean, if any, for device gauges
   * @return the metrics binder
   */
  @Bean
  @ConditionalOnMissingBean
  public MaasdkMetrics maasdkMetrics(
      MaasdkProperties properties, ObjectProvider<DeviceInventory> inventory) {
    MaasdkMetrics.Builder b = MaasdkMetrics.builder();
    if (properties.getMetrics().getTenantTag() > 0) {
      b.tenantTag(properties.getMetrics().getTenantTag());
    }
    DeviceInventory devices = inventory.getIfUnique();
    if (devices != null) {
      b.gpuMemory(devices);
    }
    return b.build();
  }

  /** Hands the runtime to the meters once every singleton, the runtime included, exists. */
  @Bean
  static SmartInitializingSingleton maasdkMetricsMonitor(
      ObjectProvider<MaasdkMetrics> metrics, ObjectProvider<ModelRuntime> runtime) {
    return () -> {
      MaasdkMetrics m = metrics.getIfUnique();
      ModelRuntime r = runtime.getIfUnique();
      if (m != null && r != null) {
        m.monitor(r);
      }
    };
  }
}
