package io.maasdk.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * RFC 9457 problem details for maasdk's exceptions in Spring MVC and WebFlux controllers ({@link
 * MaasdkProblemDetails}), only with {@code maasdk.web.problem-details.enabled=true}.
 */
@AutoConfiguration
@ConditionalOnWebApplication
@ConditionalOnClass(name = "org.springframework.http.ProblemDetail")
@ConditionalOnProperty(
    prefix = "maasdk.web.problem-details",
    name = "enabled",
    havingValue = "true")
public class MaasdkWebAutoConfiguration {

  /**
   * The controller advice.
   *
   * @return the advice mapping maasdk's exceptions to problem details
   */
  @Bean
  @ConditionalOnMissingBean
  public MaasdkProblemDetails maasdkProblemDetails() {
    return new MaasdkProblemDetails();
  }
}
