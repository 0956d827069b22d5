package io.maasdk.examples;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.maasdk.ModelRuntime;
import org.junit.jupiter.api.Test;

/** Runs in a JVM of its own (see Coexistence): maasdk (DJL) creates ONNX Runtime's environment. */
class MaasdkFirstTest {

  @Test
  void langChain4jModel_afterMaasdkDeployedOnnx_servesTheSameVectors() {
    try (ModelRuntime runtime = Coexistence.deployMiniLm()) {
      float[] ours = Coexistence.embedWithMaasdk(runtime);
      EmbeddingModel lc4j = Coexistence.langChain4j();
      Coexistence.assertSameVector(ours, Coexistence.embedWithLangChain4j(lc4j));
    }
  }
}
