package io.maasdk.langchain4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.CosineSimilarity;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.codec.TextEmbeddingCodec;
import io.maasdk.spi.InferenceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The LangChain4j adapter over the real all-MiniLM-L6-v2 (ONNX Runtime, from the Maven registry's
 * langchain4j model jar), tokenized by {@link TextEmbeddingCodec} and batched by maasdk.
 */
class MaasdkEmbeddingModelTest {
  /** Batched answers may differ from single ones by padding's rounding only. */
  private static final float EPS = 1e-6f;

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

  private static final ConcurrentLinkedQueue<InferenceEvent> EVENTS = new ConcurrentLinkedQueue<>();
  private static HuggingFaceTokenizer tokenizer;
  private static ModelRuntime runtime;
  private static ModelHandle<String, float[]> handle;
  private static List<float[]> expected;

  static HuggingFaceTokenizer tokenizer() {
    try (InputStream in =
        MaasdkEmbeddingModelTest.class
            .getClassLoader()
            .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      return HuggingFaceTokenizer.newInstance(in, Map.of("maxLength", "256"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** MiniLM as the examples deploy it: batches of up to 32, split by token count. */
  static ModelSpec<String, float[]> minilm(String version) {
    TextEmbeddingCodec codec = TextEmbeddingCodec.of(tokenizer);
    return ModelSpec.builder("minilm", String.class, float[].class)
        .version(version)
        .engine("OnnxRuntime")
        .source(ModelSource.classpath("all-minilm-l6-v2.onnx"))
        .translator(codec)
        .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
        .batchByLength(codec::tokenCount)
        .devicePolicy(DevicePolicy.cpu())
        .replicas(1)
        .warmup("warm up")
        .build();
  }

  @BeforeAll
  static void deploy() {
    tokenizer = tokenizer();
    runtime =
        ModelRuntime.builder().drainTimeout(Duration.ofSeconds(2)).listener(EVENTS::add).build();
    runtime.deploy(minilm("1.0.0"));
    handle = runtime.handle("minilm", "^1.0", String.class, float[].class);
    expected = new ArrayList<>();
    for (String s : SENTENCES) {
      expected.add(handle.predict(s));
    }
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
    if (tokenizer != null) {
      tokenizer.close();
    }
  }

  @Test
  void readme_plainJava() {
    // spotless:off
    // README "LangChain4j": from here
    ModelHandle<String, float[]> minilm =
        runtime.handle("minilm", "^1.0", String.class, float[].class);
    EmbeddingModel embeddings = MaasdkEmbeddingModel.builder(minilm)
        .tenant("acme")      // quotas, metering and cache isolation see this tenant
        .dimension(384)      // known up front: dimension() needs no call
        .build();
    List<TextSegment> segments = List.of(
        TextSegment.from("The cat sits on the mat."),
        TextSegment.from("Stock markets fell sharply today."));
    List<Embedding> vectors = embeddings.embedAll(segments).content(); // batched together
    Embedding query = embeddings.embed("Where is the cat sleeping?").content();
    double cat = CosineSimilarity.between(query, vectors.get(0));
    double stocks = CosineSimilarity.between(query, vectors.get(1));
    // to here
    // spotless:on
    assertEquals(384, embeddings.dimension());
    assertTrue(cat > stocks + 0.2, "cat " + cat + ", stocks " + stocks);
  }

  /** The README's "LangChain4j" code is {@link #readme_plainJava}'s, line for line. */
  @Test
  void readmeSection_isTheTestsCode() throws IOException {
    Path module = Path.of("").toAbsolutePath();
    String source =
        Files.readString(
            module.resolve("src/test/java/io/maasdk/langchain4j/MaasdkEmbeddingModelTest.java"));
    String readme = Files.readString(module.resolveSibling("README.md"));
    String from = "// README \"LangChain4j\": from here\n";
    int start = source.indexOf(from) + from.length();
    String code =
        source
            .substring(start, source.indexOf("    // to here", start))
            .lines()
            .map(l -> l.substring(4))
            .collect(Collectors.joining("\n", "", "\n"));
    assertTrue(
        readme.contains("```java\n" + code + "```"),
        "README.md's LangChain4j section is not the test's code:\n" + code);
  }

  @Test
  void adapter_givesTheHandlesVectors_forTextsSegmentsAndEmbedAll() {
    MaasdkEmbeddingModel model = MaasdkEmbeddingModel.of(handle);
    assertEquals("minilm", model.modelName());
    assertEquals(384, model.dimension());
    Response<Embedding> one = model.embed(SENTENCES.get(0));
    assertArrayEquals(expected.get(0), one.content().vector(), EPS);
    assertNull(one.tokenUsage(), "the handle reports no tokens and no counter was set");
    assertArrayEquals(
        expected.get(1), model.embed(TextSegment.from(SENTENCES.get(1))).content().vector(), EPS);

    Response<List<Embedding>> all =
        model.embedAll(SENTENCES.stream().map(TextSegment::from).toList());
    assertNull(all.tokenUsage());
    assertEquals(SENTENCES.size(), all.content().size());
    for (int i = 0; i < SENTENCES.size(); i++) {
      assertArrayEquals(expected.get(i), all.content().get(i).vector(), EPS, "sentence " + i);
    }
    assertTrue(model.embedAll(List.of()).content().isEmpty());
  }

  @Test
  void embedAll_queuesItsSegmentsTogether_soTheBatcherBatchesThem() {
    EmbeddingModel model = MaasdkEmbeddingModel.builder(handle).tenant("batch-probe").build();
    List<TextSegment> segments = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      SENTENCES.forEach(s -> segments.add(TextSegment.from(s)));
    }
    List<Embedding> out = model.embedAll(segments).content();
    for (int i = 0; i < segments.size(); i++) {
      assertArrayEquals(expected.get(i % SENTENCES.size()), out.get(i).vector(), EPS);
    }
    List<InferenceEvent> mine =
        EVENTS.stream().filter(e -> e.tenant().equals("batch-probe")).toList();
    assertEquals(segments.size(), mine.size(), "one call per segment, as the tenant set");
    int largest = mine.stream().mapToInt(InferenceEvent::batchSize).max().orElse(0);
    assertTrue(
        largest > 1, "embedAll's segments were computed one by one: largest batch " + largest);
  }

  @Test
  void thirtyTwoConcurrentCallers_eachGetTheirOwnTextsVectors() throws Exception {
    EmbeddingModel model = MaasdkEmbeddingModel.builder(handle).dimension(384).build();
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
                    int j = (i + 1 + caller % 3) % SENTENCES.size();
                    assertArrayEquals(
                        expected.get(i),
                        model.embed(SENTENCES.get(i)).content().vector(),
                        EPS,
                        "caller " + caller + ", sentence " + i);
                    List<Embedding> pair =
                        model
                            .embedAll(
                                List.of(
                                    TextSegment.from(SENTENCES.get(i)),
                                    TextSegment.from(SENTENCES.get(j))))
                            .content();
                    assertArrayEquals(
                        expected.get(i), pair.get(0).vector(), EPS, "caller " + caller);
                    assertArrayEquals(
                        expected.get(j), pair.get(1).vector(), EPS, "caller " + caller);
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void tokenCounter_givesTheInputTokenUsage() {
    EmbeddingModel model =
        MaasdkEmbeddingModel.builder(handle)
            .tokenCounter(s -> tokenizer.encode(s).getIds().length)
            .build();
    Response<List<Embedding>> r =
        model.embedAll(
            List.of(TextSegment.from(SENTENCES.get(0)), TextSegment.from(SENTENCES.get(2))));
    int tokens =
        tokenizer.encode(SENTENCES.get(0)).getIds().length
            + tokenizer.encode(SENTENCES.get(2)).getIds().length;
    assertEquals(tokens, r.tokenUsage().inputTokenCount());
    assertEquals(0, r.tokenUsage().outputTokenCount());
  }

  @Test
  void aDeclaredDimension_thatTheModelDoesNotGive_isAClearError() {
    EmbeddingModel model = MaasdkEmbeddingModel.builder(handle).dimension(768).build();
    assertEquals(768, model.dimension());
    LangChain4jException e =
        assertThrows(LangChain4jException.class, () -> model.embed(SENTENCES.get(0)));
    assertTrue(
        e.getMessage().contains("minilm@1.0.0")
            && e.getMessage().contains("declared dimension 768, got 384"),
        e.getMessage());
  }

  @Test
  void undeployedVersion_andClosedRuntime_areClearErrors_namingModelAndVersion() {
    ModelRuntime own = ModelRuntime.builder().drainTimeout(Duration.ofSeconds(2)).build();
    try {
      own.deploy(minilm("1.0.0"));
      own.deploy(minilm("2.0.0"));
      EmbeddingModel v1 =
          MaasdkEmbeddingModel.of(own.handle("minilm", "1.0.0", String.class, float[].class));
      EmbeddingModel v2 =
          MaasdkEmbeddingModel.of(own.handle("minilm", "2.0.0", String.class, float[].class));
      assertArrayEquals(expected.get(0), v2.embed(SENTENCES.get(0)).content().vector(), EPS);

      own.undeploy("minilm", "2.0.0");
      dev.langchain4j.exception.ModelNotFoundException gone =
          assertThrows(
              dev.langchain4j.exception.ModelNotFoundException.class,
              () ->
                  v2.embedAll(
                      List.of(
                          TextSegment.from(SENTENCES.get(0)), TextSegment.from(SENTENCES.get(1)))));
      assertTrue(
          gone.getMessage().startsWith("maasdk embedding model minilm@2.0.0 (segment 0 of 2)"),
          gone.getMessage());
      assertInstanceOf(io.maasdk.ModelNotFoundException.class, gone.getCause());

      own.close();
      LangChain4jException closed =
          assertThrows(LangChain4jException.class, () -> v1.embed(SENTENCES.get(0)));
      assertTrue(
          closed.getMessage().startsWith("maasdk embedding model minilm@1.0.0"),
          closed.getMessage());
      assertInstanceOf(ModelUnavailableException.class, closed.getCause(), closed.getMessage());
    } finally {
      own.close(); // closing twice is harmless
    }
  }
}
