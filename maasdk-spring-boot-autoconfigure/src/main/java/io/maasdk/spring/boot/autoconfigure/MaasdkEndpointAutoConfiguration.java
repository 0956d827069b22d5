package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelRuntime;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@link MaasdkEndpoint} when Spring Boot's actuator is on the classpath and the endpoint is
 * available (exposed and not turned off). The annotations and condition used here have the same
 * package on Spring Boot 3.5 and 4.0.
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(
    name = {
      "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
      "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"
    })
@ConditionalOnBean(ModelRuntime.class)
public class MaasdkEndpointAutoConfiguration {

  /**
   * The endpoint over the runtime bean.
   *
   * @param runtime the runtime the endpoint manages
   * @param properties the {@code maasdk.*} configuration properties
   * @return the actuator endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnAvailableEndpoint(endpoint = MaasdkEndpoint.class)
  public MaasdkEndpoint maasdkEndpoint(ModelRuntime runtime, MaasdkProperties properties) {
    return new MaasdkEndpoint(
        runtime,
        properties.getEndpoint().getHistoryLimit(),
        MaasdkAutoConfiguration.admin(runtime, properties));
  }
}
