package io.maasdk.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.codec.TextEmbeddingCodec;
import io.maasdk.spi.DeviceInventory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's programs run for real, so the code it quotes cannot rot. */
class ExamplesTest {

  @Test
  void quickstart_printsAccuracyPerVersion_canaryAndRollback() {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      Quickstart.main(new String[0]);
    } finally {
      System.setOut(old);
    }
    String out = buf.toString(StandardCharsets.UTF_8);
    old.print(out);
    assertTrue(out.contains("pinned 1.0.0 = 0.8350, stable (2.0.0) = 0.9750"), out);
    assertTrue(out.contains("rolled back to 2.0.0, accuracy now 0.9750"), out);
    assertTrue(
        out.matches(
            "(?s).*canary split over 1000 users: \\{1\\.0\\.0=(8[7-9]\\d|9[0-3]\\d), 2\\.0\\.0=\\d+\\}.*"),
        out);
  }

  @Test
  void embeddings_rankParaphraseAboveUnrelated_onBothVersions() {
    try (ModelRuntime runtime =
        Embeddings.deployBoth(
            ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build())) {
      for (String v : new String[] {"1.0.0", "1.1.0"}) {
        ModelHandle<String, float[]> m = runtime.handle("minilm", v, String.class, float[].class);
        // maasdk's default for ONNX Runtime on the CPU: a replica per core, sharing one session
        assertEquals(
            Runtime.getRuntime().availableProcessors(),
            runtime
                .describe("minilm", io.maasdk.Version.parse(v))
                .orElseThrow()
                .placements()
                .size(),
            v);
        assertEquals(384, m.predict("hello").length);
        List<String> ranked = Embeddings.rank(m, "Where is the cat sleeping?");
        assertTrue(ranked.indexOf("Stock markets fell sharply today.") >= 3, v + ": " + ranked);
        assertTrue(ranked.indexOf("The cat sits on the mat.") <= 2, v + ": " + ranked);
      }
    }
  }

  @Test
  void embeddings_concurrentCalls_onTheSingleThreadedSession_matchLoneCalls() throws Exception {
    try (ModelRuntime runtime =
        Embeddings.deployBoth(
            ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build())) {
      ModelHandle<String, float[]> m =
          runtime.handle("minilm", "1.0.0", String.class, float[].class);
      List<String> sentences = Embeddings.SENTENCES;
      List<float[]> alone = new java.util.ArrayList<>();
      for (String s : sentences) {
        alone.add(m.predict(s)); // one at a time: the multi-threaded session
      }
      // Many at once: on a multi-core machine most of these run while another call computes,
      // on the version's single-threaded session, some batched with others.
      int callers = 8;
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(callers);
      try {
        List<java.util.concurrent.Future<float[]>> futures = new java.util.ArrayList<>();
        for (int round = 0; round < 4; round++) {
          for (String s : sentences) {
            futures.add(pool.submit(() -> m.predict(s)));
          }
        }
        for (int i = 0; i < futures.size(); i++) {
          float[] together = futures.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
          double cos = Embeddings.cosine(alone.get(i % sentences.size()), together);
          assertTrue(cos > 0.99999, "sentence " + i % sentences.size() + ": cosine " + cos);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void textEmbeddingCodec_validationOnTheCallersThread_keepsTheTokensForTheWorker() {
    TextEmbeddingCodec codec =
        TextEmbeddingCodec.of(Embeddings.tokenizer("all-minilm-l6-v2-tokenizer.json"));
    String sentence = new String("The cat sits on the mat."); // an identity of its own
    assertEquals(2 + sentence.length() / 4, codec.tokenCount(sentence), "estimated, not tokenized");
    assertNull(codec.problem(sentence));
    // [CLS] the cat sits on the mat . [SEP]: the tokens the caller's thread computed
    assertEquals(9, codec.tokenCount(sentence));
    assertEquals(
        2 + sentence.length() / 4,
        codec.tokenCount(new String(sentence)),
        "kept by identity: an equal string is not the caller's input");
    assertNotNull(codec.problem(null));
  }
}
