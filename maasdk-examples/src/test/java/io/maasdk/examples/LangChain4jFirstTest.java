package io.maasdk.examples;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.maasdk.ModelRuntime;
import org.junit.jupiter.api.Test;

/** Runs in a JVM of its own (see Coexistence): LangChain4j creates ONNX Runtime's environment. */
class LangChain4jFirstTest {

  @Test
  void deploy_afterLangChain4jCreatedOrtEnvironment_servesTheSameVectors() {
    EmbeddingModel lc4j = Coexistence.langChain4j();
    float[] theirs = Coexistence.embedWithLangChain4j(lc4j);
    try (ModelRuntime runtime = Coexistence.deployMiniLm()) {
      Coexistence.assertSameVector(Coexistence.embedWithMaasdk(runtime), theirs);
      // and LangChain4j still works beside it
      Coexistence.assertSameVector(
          Coexistence.embedWithMaasdk(runtime), Coexistence.embedWithLangChain4j(lc4j));
    }
  }
}
