package io.maasdk.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spi.DeviceInventory;

/**
 * Shared by the two orders of {@code LangChain4jFirstTest} and {@code MaasdkFirstTest}. ONNX
 * Runtime's environment is JVM-wide, so each order runs in its own JVM (surefire forks one per test
 * class in this module).
 */
final class Coexistence {
  static final String SENTENCE = "The cat sits on the mat.";

  static ModelRuntime deployMiniLm() {
    ModelRuntime runtime =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
    runtime.deploy(
        Embeddings.spec("1.0.0", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"));
    return runtime;
  }

  static float[] embedWithMaasdk(ModelRuntime runtime) {
    ModelHandle<String, float[]> m = runtime.handle("minilm", "1.0.0", String.class, float[].class);
    return m.predict(SENTENCE);
  }

  static float[] embedWithLangChain4j(EmbeddingModel model) {
    return model.embed(SENTENCE).content().vector();
  }

  static EmbeddingModel langChain4j() {
    return new AllMiniLmL6V2EmbeddingModel();
  }

  /** Both libraries computed the same embedding of the same model. */
  static void assertSameVector(float[] maasdk, float[] langChain4j) {
    assertEquals(384, maasdk.length);
    assertEquals(384, langChain4j.length);
    double cos = Embeddings.cosine(maasdk, langChain4j);
    assertTrue(cos >= 0.999, "cosine " + cos);
  }

  private Coexistence() {}
}
