package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelRuntime;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * The {@code maasdk} health contributor on Spring Boot 3 ({@code
 * org.springframework.boot.actuate.health}): {@code UP} while every deployed model has a version
 * accepting calls with a replica up and its breaker not open; details per version (replicas,
 * breaker, queue depth). Put it in the readiness group with {@code
 * management.endpoint.health.group.readiness.include=readinessState,maasdk}. Off with {@code
 * management.health.maasdk.enabled=false}.
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnBean(ModelRuntime.class)
@ConditionalOnProperty(prefix = "management.health.maasdk", name = "enabled", matchIfMissing = true)
public class MaasdkBoot3HealthAutoConfiguration {

  /**
   * The contributor, named {@code maasdk} after the bean.
   *
   * @param runtime the runtime whose deployments are reported
   * @return the health indicator
   */
  @Bean
  @ConditionalOnMissingBean(name = "maasdkHealthIndicator")
  public HealthIndicator maasdkHealthIndicator(ModelRuntime runtime) {
    return () -> {
      DeploymentHealth h = DeploymentHealth.of(runtime);
      return (h.up() ? Health.up() : Health.down()).withDetails(h.details()).build();
    };
  }
}
