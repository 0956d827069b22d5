package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.CallOptions;
import io.maasdk.ModelRuntime;
import io.maasdk.spring.boot.ai.MaasdkEmbeddingModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Exposes a maasdk-hosted embedding model ({@code String -> float[]}) as Spring AI's {@link
 * EmbeddingModel} when Spring AI is on the classpath and {@code maasdk.spring-ai.embedding.model}
 * names it. The model itself is deployed like any other (a {@code ModelSpec} bean). Compiled and
 * tested against Spring AI 1.1 (Spring Boot 3.5); tested on Spring AI 2.0 with Spring Boot 4.0
 * (SpringAiEmbeddingTest in maasdk-spring-boot4-tests).
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.ai.embedding.EmbeddingModel")
@ConditionalOnBean(ModelRuntime.class)
@ConditionalOnProperty(prefix = "maasdk.spring-ai.embedding", name = "model")
public class MaasdkSpringAiAutoConfiguration {

  /**
   * The adapter over {@code maasdk.spring-ai.embedding.model} at {@code .version}.
   *
   * @throws io.maasdk.ModelNotFoundException if that model is not deployed (fails the startup)
   * @param runtime the runtime the model is deployed in
   * @param properties the {@code maasdk.*} configuration properties
   * @return the embedding model over the configured model's handle
   */
  @Bean
  @ConditionalOnMissingBean(EmbeddingModel.class)
  public MaasdkEmbeddingModel maasdkEmbeddingModel(
      ModelRuntime runtime, MaasdkProperties properties) {
    MaasdkProperties.SpringAi.Embedding e = properties.getSpringAi().getEmbedding();
    CallOptions.Builder options = CallOptions.builder();
    if (e.getTenant() != null) {
      options.tenant(e.getTenant());
    }
    return new MaasdkEmbeddingModel(
        runtime.handle(e.getModel(), e.getVersion(), String.class, float[].class), options.build());
  }
}
