package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelRuntime;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code maasdk} health contributor on Spring Boot 4, whose health API lives in {@code
 * org.springframework.boot.health.contributor} (module {@code spring-boot-health}). Same status and
 * details as {@link MaasdkBoot3HealthAutoConfiguration}. Compiled against Boot 4's
 * spring-boot-health only; loaded only when that class is present.
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(ModelRuntime.class)
@ConditionalOnProperty(prefix = "management.health.maasdk", name = "enabled", matchIfMissing = true)
public class MaasdkBoot4HealthAutoConfiguration {

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
