package io.maasdk.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.translator.TextEmbeddingTranslator;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.spring.boot.autoconfigure.MaasdkAutoConfiguration;
import io.maasdk.spring.boot.autoconfigure.MaasdkSpringAiAutoConfiguration;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The starter's Spring AI {@code EmbeddingModel} over the real all-MiniLM-L6-v2, on the Spring AI
 * line of each Boot line: 1.1 with Boot 3.5 here, 2.0 with Boot 4.0 in maasdk-spring-boot4-tests
 * (the adapter is compiled once, against 1.1). It returns the handle's own vectors, and 32
 * concurrent callers each get their own texts' vectors.
 */
class SpringAiEmbeddingTest {

  static final List<String> SENTENCES =
      List.of(
          "The cat sits on the mat.",
          "A feline is resting on a rug.",
          "Stock markets fell sharply today.",
          "How do I bake sourdough bread?",
          "Kittens love to nap in the sun.",
          "Quarterly revenue exceeded expectations.");

  @Configuration(proxyBeanMethods = false)
  static class MiniLm {
    @Bean
    ModelSpec<String, float[]> minilm() {
      HuggingFaceTokenizer tok;
      try (InputStream in =
          MiniLm.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
        tok = HuggingFaceTokenizer.newInstance(in, Map.of("maxLength", "256"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return ModelSpec.builder("minilm", String.class, float[].class)
          .version("1.0.0")
          .engine("OnnxRuntime")
          .source(ModelSource.classpath("all-minilm-l6-v2.onnx"))
          .translator(
              TextEmbeddingTranslator.builder(tok)
                  .optPoolingMode("mean")
                  .optNormalize(true)
                  .optIncludeTokenTypes(true)
                  .build())
          .devicePolicy(DevicePolicy.cpu())
          .batching(BatchingPolicy.disabled()) // no padding: equal to single calls exactly
          .replicas(2)
          .warmup("warm up")
          .build();
    }
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MaasdkAutoConfiguration.class, MaasdkSpringAiAutoConfiguration.class))
          .withUserConfiguration(MiniLm.class)
          .withPropertyValues("maasdk.drain-timeout=2s", "maasdk.spring-ai.embedding.model=minilm");

  @Test
  void runsOnTheSpringAiLineOfThisBootLine() {
    String jar =
        EmbeddingModel.class.getProtectionDomain().getCodeSource().getLocation().toString();
    assertThat(jar)
        .contains("spring-ai-model-" + System.getProperty("maasdk.expectedSpringAiLine", "1.1."));
  }

  @Test
  void adapter_returnsTheHandlesVectors_andThirtyTwoConcurrentCallersGetTheirOwn() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasNotFailed();
          EmbeddingModel model = ctx.getBean(EmbeddingModel.class);
          ModelHandle<String, float[]> handle =
              ctx.getBean(ModelRuntime.class)
                  .handle("minilm", "1.0.0", String.class, float[].class);
          List<float[]> expected = new ArrayList<>();
          for (String s : SENTENCES) {
            expected.add(handle.predict(s));
          }
          assertEquals(384, model.dimensions());
          assertArrayEquals(expected.get(0), model.embed(SENTENCES.get(0)));
          assertArrayEquals(expected.get(1), model.embed(new Document(SENTENCES.get(1))));
          EmbeddingResponse r = model.call(new EmbeddingRequest(SENTENCES, null));
          for (int i = 0; i < SENTENCES.size(); i++) {
            assertEquals(i, r.getResults().get(i).getIndex());
            assertArrayEquals(expected.get(i), r.getResults().get(i).getOutput());
          }

          int callers = 32;
          CyclicBarrier start = new CyclicBarrier(callers);
          ExecutorService pool = Executors.newFixedThreadPool(callers);
          try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
              int caller = c;
              done.add(
                  pool.submit(
                      () -> {
                        start.await(30, TimeUnit.SECONDS);
                        for (int k = 0; k < 3; k++) {
                          int i = (caller + k) % SENTENCES.size();
                          int j = (i + 1) % SENTENCES.size();
                          assertArrayEquals(
                              expected.get(i),
                              model.embed(SENTENCES.get(i)),
                              "caller " + caller + ", sentence " + i);
                          List<float[]> pair =
                              model.embed(List.of(SENTENCES.get(i), SENTENCES.get(j)));
                          assertArrayEquals(expected.get(i), pair.get(0), "caller " + caller);
                          assertArrayEquals(expected.get(j), pair.get(1), "caller " + caller);
                        }
                        return null;
                      }));
            }
            for (Future<?> f : done) {
              f.get(90, TimeUnit.SECONDS);
            }
          } finally {
            pool.shutdownNow();
          }
        });
  }
}
