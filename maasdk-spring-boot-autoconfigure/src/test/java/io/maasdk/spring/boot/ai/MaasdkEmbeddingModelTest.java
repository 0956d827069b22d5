package io.maasdk.spring.boot.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.time.Duration;
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
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Spring AI adapter over the real all-MiniLM-L6-v2 (ONNX Runtime), batched by maasdk. */
class MaasdkEmbeddingModelTest {

  static final List<String> SENTENCES =
      List.of(
          "The cat sits on the mat.",
          "A feline is resting on a rug.",
          "Stock markets fell sharply today.",
          "How do I bake sourdough bread?",
          "Kittens love to nap in the sun.",
          "The weather is lovely this afternoon.",
          "Quarterly revenue exceeded expectations.",
          "My bicycle has a flat tyre.");

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
          // one sentence at a time: batched answers then equal single ones exactly (no padding)
          .batching(BatchingPolicy.disabled())
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
          .withPropertyValues(
              "maasdk.drain-timeout=2s",
              "maasdk.spring-ai.embedding.model=minilm",
              "maasdk.spring-ai.embedding.version=^1.0");

  @Test
  void embeddingModel_givesTheHandlesVectors_forTextsDocumentsAndRequests() {
    runner.run(
        ctx -> {
          assertThat(ctx).hasNotFailed();
          EmbeddingModel model = ctx.getBean(EmbeddingModel.class);
          ModelHandle<String, float[]> handle =
              ctx.getBean(ModelRuntime.class)
                  .handle("minilm", "1.0.0", String.class, float[].class);
          float[] direct = handle.predict(SENTENCES.get(0));
          assertEquals(384, direct.length);
          assertEquals(384, model.dimensions());
          assertArrayEquals(direct, model.embed(SENTENCES.get(0)));
          assertArrayEquals(direct, model.embed(new Document(SENTENCES.get(0))));
          EmbeddingResponse r = model.call(new EmbeddingRequest(SENTENCES, null));
          assertEquals(SENTENCES.size(), r.getResults().size());
          for (int i = 0; i < SENTENCES.size(); i++) {
            assertEquals(i, r.getResults().get(i).getIndex());
            assertArrayEquals(handle.predict(SENTENCES.get(i)), r.getResults().get(i).getOutput());
          }
          // and they mean something: the two cat sentences are nearer than cat and stocks
          assertTrue(
              dot(r.getResults().get(0).getOutput(), r.getResults().get(1).getOutput())
                  > dot(r.getResults().get(0).getOutput(), r.getResults().get(2).getOutput()));
        });
  }

  @Test
  void thirtyTwoConcurrentCallers_eachGetTheirOwnTextsVectors() {
    runner.run(
        ctx -> {
          EmbeddingModel model = ctx.getBean(EmbeddingModel.class);
          ModelHandle<String, float[]> handle =
              ctx.getBean(ModelRuntime.class)
                  .handle("minilm", "1.0.0", String.class, float[].class);
          List<float[]> expected = new ArrayList<>();
          for (String s : SENTENCES) {
            expected.add(handle.predict(s));
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
                        for (int k = 0; k < 4; k++) {
                          int i = (caller + k) % SENTENCES.size();
                          assertArrayEquals(
                              expected.get(i),
                              model.embed(SENTENCES.get(i)),
                              "caller " + caller + ", sentence " + i);
                          List<float[]> pair =
                              model.embed(
                                  List.of(
                                      SENTENCES.get(i), SENTENCES.get((i + 1) % SENTENCES.size())));
                          assertArrayEquals(expected.get(i), pair.get(0));
                          assertArrayEquals(expected.get((i + 1) % SENTENCES.size()), pair.get(1));
                        }
                        return null;
                      }));
            }
            for (Future<?> f : done) {
              f.get(Duration.ofSeconds(120).toSeconds(), TimeUnit.SECONDS);
            }
          } finally {
            pool.shutdownNow();
          }
        });
  }

  @Test
  void withoutSpringAi_orWithoutTheProperty_noEmbeddingModel() {
    runner
        .withClassLoader(new FilteredClassLoader(EmbeddingModel.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean("maasdkEmbeddingModel"));
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MaasdkAutoConfiguration.class, MaasdkSpringAiAutoConfiguration.class))
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(EmbeddingModel.class));
  }

  private static double dot(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
    }
    return d;
  }
}
