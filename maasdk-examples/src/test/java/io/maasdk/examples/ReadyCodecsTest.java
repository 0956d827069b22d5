package io.maasdk.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.codec.Tensor;
import io.maasdk.spi.DeviceInventory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ready codecs for token ids and named tensors on a real model: all-MiniLM-L6-v2 (the float
 * ONNX model; the quantized one quantizes activations per call, so its answers depend on the
 * batch-mates and the deploy-time batch check refuses it, rightly) takes {@code input_ids}, {@code
 * attention_mask} and {@code token_type_ids} ({@code int64 [B, L]}) and returns token states {@code
 * [B, L, 384]}. Each codec is deployed with batching on, so the deploy-time batch check runs
 * warm-up inputs of different lengths alone and as one batch; answers are cross-checked against
 * {@code TextEmbeddingCodec}, an independent path to the same embedding.
 */
class ReadyCodecsTest {
  private static final String MODEL = "all-minilm-l6-v2.onnx";
  private static final HuggingFaceTokenizer TOKENIZER =
      Embeddings.tokenizer("all-minilm-l6-v2-tokenizer.json");
  private static final List<String> SENTENCES =
      List.of(
          "Hi.",
          "The cat sits on the mat.",
          "Kittens love to nap in the warm afternoon sun by the window.");
  private static final int H = 384;
  private static ModelRuntime runtime;

  @SuppressWarnings("unchecked")
  private static final Class<Map<String, Tensor>> TENSORS =
      (Class<Map<String, Tensor>>) (Class<?>) Map.class;

  static long[] ids(String text) {
    return TOKENIZER.encode(text).getIds();
  }

  // README "Ready codecs": begin (copied into the README; keep the two the same)
  static ModelSpec<long[], float[]> tokenIdsSpec() {
    return ModelSpec.builder("minilm-ids", long[].class, float[].class)
        .version("1.0.0")
        .engine("OnnxRuntime")
        .source(ModelSource.classpath("all-minilm-l6-v2.onnx"))
        // input_ids and attention_mask (1 on real tokens) padded with 0 to the longest in the
        // batch, token_type_ids all 0; states [B, L, 384] come back cut to each input's tokens
        .translator(Codecs.tokenIds(256).toBuilder().padId(0).tokenTypes(true).build())
        .batching(BatchingPolicy.of(8, Duration.ofMillis(20)))
        .warmup(new long[] {101, 7592, 102}, new long[] {101, 1996, 4937, 7719, 2006, 102})
        .devicePolicy(DevicePolicy.cpu())
        .build();
  }

  static ModelSpec<Map<String, Tensor>, Map<String, Tensor>> namedTensorsSpec() {
    long[] ids = {101, 7592, 102, 0, 0, 0, 0, 0};
    long[] mask = {1, 1, 1, 0, 0, 0, 0, 0};
    Map<String, Tensor> example =
        Map.of(
            "input_ids", Tensor.of(ids, 8),
            "attention_mask", Tensor.of(mask, 8),
            "token_type_ids", Tensor.of(new long[8], 8));
    return ModelSpec.builder("minilm-tensors", TENSORS, TENSORS)
        .version("1.0.0")
        .engine("OnnxRuntime")
        .source(ModelSource.classpath("all-minilm-l6-v2.onnx"))
        .translator(
            Codecs.namedTensors()
                .input("input_ids", "int64", 8)
                .input("attention_mask", "int64", 8)
                .input("token_type_ids", "int64", 8))
        .batching(BatchingPolicy.of(8, Duration.ofMillis(20)))
        .warmup(example)
        .devicePolicy(DevicePolicy.cpu())
        .build();
  }

  // README "Ready codecs": end

  @BeforeAll
  static void deploy() {
    runtime = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
    runtime.deploy(tokenIdsSpec()); // the deploy-time batch check passes: lengths 3 and 6
    runtime.deploy(Embeddings.spec("1.0.0", MODEL, "all-minilm-l6-v2-tokenizer.json"));
    runtime.deploy(
        ModelSpec.builder("minilm-int-ids", int[].class, float[].class)
            .version("1.0.0")
            .engine("OnnxRuntime")
            .source(ModelSource.classpath(MODEL))
            .translator(Codecs.intTokenIds(256).toBuilder().tokenTypes(true).build())
            .batching(BatchingPolicy.of(8, Duration.ofMillis(20)))
            .warmup(new int[] {101, 7592, 102}, new int[] {101, 1996, 4937, 7719, 2006, 102})
            .devicePolicy(DevicePolicy.cpu())
            .build());
    runtime.deploy(namedTensorsSpec());
  }

  @AfterAll
  static void close() {
    runtime.close();
  }

  /** Mean over the tokens, L2-normalized: what TextEmbeddingCodec computes. */
  static float[] pooled(float[] states) {
    int n = states.length / H;
    float[] v = new float[H];
    for (int t = 0; t < n; t++) {
      for (int k = 0; k < H; k++) {
        v[k] += states[t * H + k] / n;
      }
    }
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    for (int k = 0; k < H; k++) {
      v[k] = (float) (v[k] / Math.sqrt(norm));
    }
    return v;
  }

  private static void assertClose(float[] expected, float[] got, String what) {
    assertEquals(expected.length, got.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], got[i], 2e-4, what + " at " + i);
    }
  }

  @Test
  void tokenIds_alone_andBatchedWithLongerInputs_giveTheEmbeddingOfTextEmbeddingCodec() {
    ModelHandle<long[], float[]> m =
        runtime.handle("minilm-ids", "1.0.0", long[].class, float[].class);
    ModelHandle<String, float[]> text =
        runtime.handle("minilm", "1.0.0", String.class, float[].class);
    List<CompletableFuture<float[]>> batched = new ArrayList<>();
    for (String s : SENTENCES) {
      batched.add(m.predictAsync(ids(s)));
    }
    for (int i = 0; i < SENTENCES.size(); i++) {
      String s = SENTENCES.get(i);
      float[] alone = m.predict(ids(s));
      assertEquals(ids(s).length * H, alone.length, "states of the input's own tokens only");
      assertClose(alone, batched.get(i).join(), s + ": batched vs alone");
      assertClose(text.predict(s), pooled(alone), s + ": vs TextEmbeddingCodec");
    }
  }

  @Test
  void intTokenIds_giveWhatLongTokenIdsGive() {
    ModelHandle<long[], float[]> longs =
        runtime.handle("minilm-ids", "1.0.0", long[].class, float[].class);
    ModelHandle<int[], float[]> ints =
        runtime.handle("minilm-int-ids", "1.0.0", int[].class, float[].class);
    for (String s : SENTENCES) {
      int[] asInts = Arrays.stream(ids(s)).mapToInt(Math::toIntExact).toArray();
      assertClose(longs.predict(ids(s)), ints.predict(asInts), s);
    }
  }

  @Test
  void tokenIds_tooLongOrNegative_refusedNamingTheModelAndTheExpectation() {
    ModelHandle<long[], float[]> m =
        runtime.handle("minilm-ids", "1.0.0", long[].class, float[].class);
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> m.predict(new long[257]));
    assertTrue(
        e.getMessage().contains("minilm-ids") && e.getMessage().contains("long[1..256]"),
        e.getMessage());
    assertThrows(InvalidInputException.class, () -> m.predict(new long[0]));
    assertThrows(InvalidInputException.class, () -> m.predict(new long[] {101, -1, 102}));
  }

  @Test
  void namedTensors_alone_andBatched_matchTheTokenIdsCodecOnTheRealTokens() {
    ModelHandle<Map<String, Tensor>, Map<String, Tensor>> m =
        runtime.handle("minilm-tensors", "1.0.0", TENSORS, TENSORS);
    ModelHandle<long[], float[]> tokens =
        runtime.handle("minilm-ids", "1.0.0", long[].class, float[].class);
    List<String> sentences = List.of("Hi.", "A cat sat."); // at most 8 tokens each
    List<Map<String, Tensor>> inputs = new ArrayList<>();
    for (String s : sentences) {
      long[] ids = Arrays.copyOf(ids(s), 8);
      long[] mask = new long[8];
      Arrays.fill(mask, 0, ids(s).length, 1L);
      inputs.add(
          Map.of(
              "input_ids",
              Tensor.of(ids, 8),
              "attention_mask",
              Tensor.of(mask, 8),
              "token_type_ids",
              Tensor.of(new long[8], 8)));
    }
    List<CompletableFuture<Map<String, Tensor>>> batched = new ArrayList<>();
    for (Map<String, Tensor> in : inputs) {
      batched.add(m.predictAsync(in));
    }
    for (int i = 0; i < inputs.size(); i++) {
      Map<String, Tensor> alone = m.predict(inputs.get(i));
      Tensor states = alone.values().iterator().next();
      assertArrayEquals(new long[] {8, H}, states.shape(), "outputs " + alone);
      int n = ids(sentences.get(i)).length;
      float[] real = Arrays.copyOf(states.floats(), n * H);
      assertClose(tokens.predict(ids(sentences.get(i))), real, "named vs token ids");
      Map<String, Tensor> b = batched.get(i).join();
      assertEquals(alone.keySet(), b.keySet());
      for (String k : alone.keySet()) {
        assertClose(alone.get(k).floats(), b.get(k).floats(), k + " batched vs alone");
      }
    }
  }

  @Test
  void namedTensors_wrongNamesShapesOrTypes_refused() {
    ModelHandle<Map<String, Tensor>, Map<String, Tensor>> m =
        runtime.handle("minilm-tensors", "1.0.0", TENSORS, TENSORS);
    Tensor ids = Tensor.of(new long[8], 8);
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> m.predict(Map.of("input_ids", ids)));
    assertTrue(e.getMessage().contains("attention_mask int64[8]"), e.getMessage());
    assertThrows(
        InvalidInputException.class,
        () ->
            m.predict(
                Map.of(
                    "input_ids",
                    ids,
                    "attention_mask",
                    Tensor.of(new long[4], 4),
                    "token_type_ids",
                    ids)));
    assertThrows(
        InvalidInputException.class,
        () ->
            m.predict(
                Map.of(
                    "input_ids",
                    ids,
                    "attention_mask",
                    Tensor.of(new float[8], 8),
                    "token_type_ids",
                    ids)));
  }
}
