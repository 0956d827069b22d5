package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.maasdk.AccessDeniedException;
import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Prediction;
import io.maasdk.codec.TextEmbeddingCodec;
import io.maasdk.metrics.CallMeter;
import io.maasdk.metrics.InMemoryUsageSink;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.metrics.UsageRecord;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible embeddings API against the real all-MiniLM-L6-v2 model (ONNX Runtime), with
 * LangChain4j's OpenAI client as the third-party caller, and {@link OpenAiEmbeddingBackend} calling
 * it from a second runtime with token usage reaching metering.
 */
class OpenAiEmbeddingsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  static final List<String> SENTENCES =
      List.of(
          "The cat sits on the mat.",
          "A feline is resting on a rug.",
          "Stock markets fell sharply today.",
          "How do I bake sourdough bread?",
          "Kittens love to nap in the sun.");

  private static HuggingFaceTokenizer tokenizer;
  private static ModelRuntime runtime;
  private static OipServer server;
  private static final List<InferenceEvent> served = new CopyOnWriteArrayList<>();

  /** Hosts MiniLM as maasdk-examples' Embeddings does, from the Maven registry's ONNX file. */
  static ModelSpec<String, float[]> minilm(HuggingFaceTokenizer tokenizer) {
    return minilm("minilm", tokenizer).build();
  }

  static ModelSpec.Builder<String, float[]> minilm(String name, HuggingFaceTokenizer tokenizer) {
    TextEmbeddingCodec codec = TextEmbeddingCodec.of(tokenizer);
    return ModelSpec.builder(name, String.class, float[].class)
        .version("1.0.0")
        .engine("OnnxRuntime")
        .source(ModelSource.classpath("all-minilm-l6-v2.onnx"))
        .translator(codec)
        .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
        .batchByLength(codec::tokenCount)
        .devicePolicy(DevicePolicy.cpu())
        .warmup("warm up");
  }

  static HuggingFaceTokenizer tokenizer() {
    try (InputStream in =
        OpenAiEmbeddingsTest.class
            .getClassLoader()
            .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
      return HuggingFaceTokenizer.newInstance(in, Map.of("maxLength", "256"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int tokens(String text) {
    return tokenizer.encode(text).getIds().length;
  }

  @BeforeAll
  static void serve() throws IOException {
    tokenizer = tokenizer();
    CallInterceptor keys =
        new CallInterceptor() {
          @Override
          public void beforeCall(io.maasdk.spi.CallContext ctx) {
            String key = ctx.options().credentials();
            if (!"key-a".equals(key) && !"key-b".equals(key)) {
              throw new AccessDeniedException(
                  ctx.modelName(), null, "a valid API key is needed for " + ctx.modelName());
            }
          }
        };
    runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(keys)
            .listener(served::add)
            .build();
    runtime.deploy(minilm(tokenizer));
    runtime.deploy(minilm("tight", tokenizer).queueCapacity(1).build()); // overloads at once
    server =
        OipServer.builder(runtime)
            .mount(
                "/v1",
                OpenAiEndpoint.builder()
                    .embeddings("minilm", OpenAiEmbeddingsTest::tokens)
                    .embeddings("tight")
                    .build())
            .tenant(
                key ->
                    switch (key) {
                      case "key-a" -> "team-a";
                      case "key-b" -> "team-b";
                      default -> null;
                    })
            .start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  private static String base() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  private static OpenAiEmbeddingModel client(String key, String model) {
    return OpenAiEmbeddingModel.builder()
        .baseUrl(base())
        .apiKey(key)
        .modelName(model)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private static ModelHandle<String, float[]> local() {
    return runtime.handle("minilm", "1.0.0", String.class, float[].class);
  }

  private static HttpResponse<String> post(String key, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base() + "/embeddings"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void langChain4jGetsTheVectorsOfLocalCalls_usageCountsTokens_tenantFromTheKey() {
    OpenAiEmbeddingModel model = client("key-a", "minilm");
    CallOptions a = CallOptions.builder().credentials("key-a").build();
    long teamA = teamASuccesses();

    Response<Embedding> one = model.embed(SENTENCES.get(0));
    assertArrayEquals(local().predict(SENTENCES.get(0), a), one.content().vector(), 1e-6f);
    assertEquals(384, one.content().dimension());
    assertEquals(tokens(SENTENCES.get(0)), one.tokenUsage().inputTokenCount());

    Response<List<Embedding>> all =
        client("key-a", "minilm:1.0.0")
            .embedAll(SENTENCES.stream().map(TextSegment::from).toList());
    assertEquals(SENTENCES.size(), all.content().size());
    int sum = 0;
    for (int i = 0; i < SENTENCES.size(); i++) {
      assertArrayEquals(
          local().predict(SENTENCES.get(i), a),
          all.content().get(i).vector(),
          1e-6f,
          "sentence " + i);
      sum += tokens(SENTENCES.get(i));
    }
    assertEquals(sum, all.tokenUsage().inputTokenCount());
    assertEquals(
        teamA + 1 + SENTENCES.size(),
        teamASuccesses(),
        "metering sees each call over the wire with the tenant of its API key");
  }

  private static long teamASuccesses() {
    return served.stream()
        .filter(e -> e.tenant().equals("team-a") && e.outcome().isSuccess())
        .count();
  }

  @Test
  void thirtyTwoConcurrentCallers_eachGetsItsOwnVector() throws Exception {
    CallOptions b = CallOptions.builder().credentials("key-b").build();
    List<String> texts = new ArrayList<>();
    List<float[]> want = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      String t =
          "Caller "
              + i
              + " asks about "
              + SENTENCES.get(i % SENTENCES.size())
              + (i % 3 == 0 ? " And then some more words to make it longer." : "");
      texts.add(t);
      want.add(local().predict(t, b));
    }
    OpenAiEmbeddingModel model = client("key-b", "minilm");
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<float[]>> got = new ArrayList<>();
      for (String t : texts) {
        got.add(
            pool.submit(
                () -> {
                  go.await(10, TimeUnit.SECONDS);
                  return model.embed(t).content().vector();
                }));
      }
      go.countDown();
      for (int i = 0; i < 32; i++) {
        assertArrayEquals(want.get(i), got.get(i).get(60, TimeUnit.SECONDS), 1e-5f, "caller " + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void badInputGetsOpenAisStatusAndBody_nothingMeteredAsSuccess_serverKeepsServing()
      throws Exception {
    int before = served.size();
    HttpResponse<String> empty = post("key-a", "{\"model\":\"minilm\",\"input\":\"\"}");
    assertEquals(400, empty.statusCode(), empty.body());
    assertTrue(
        empty.body().startsWith("{\"error\":{\"message\":\"'input' is an empty string")
            && empty.body().contains("\"type\":\"invalid_request_error\""),
        empty.body());
    HttpResponse<String> none = post("key-a", "{\"model\":\"minilm\",\"input\":[]}");
    assertEquals(400, none.statusCode(), none.body());
    HttpResponse<String> tokensIn = post("key-a", "{\"model\":\"minilm\",\"input\":[[1,2,3]]}");
    assertEquals(400, tokensIn.statusCode(), tokensIn.body());
    assertTrue(tokensIn.body().contains("token array"), tokensIn.body());
    HttpResponse<String> malformed = post("key-a", "{\"model\":\"minilm\",\"input\":");
    assertEquals(400, malformed.statusCode(), malformed.body());
    assertTrue(malformed.body().contains("malformed JSON"), malformed.body());

    HttpResponse<String> unknown = post("key-a", "{\"model\":\"gpt-4\",\"input\":\"hi\"}");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertTrue(
        unknown.body().contains("\"code\":\"model_not_found\"") && unknown.body().contains("gpt-4"),
        unknown.body());
    HttpResponse<String> noVersion =
        post("key-a", "{\"model\":\"minilm:9.0.0\"," + "\"input\":\"hi\"}");
    assertEquals(404, noVersion.statusCode(), noVersion.body());
    assertTrue(noVersion.body().contains("\"code\":\"model_not_found\""), noVersion.body());

    StringBuilder many = new StringBuilder("{\"model\":\"tight\",\"input\":[");
    for (int i = 0; i < 64; i++) {
      many.append(i == 0 ? "" : ",").append("\"text number ").append(i).append('"');
    }
    HttpResponse<String> busy = post("key-a", many.append("]}").toString());
    assertEquals(429, busy.statusCode(), busy.body());
    assertTrue(
        busy.body().contains("\"type\":\"rate_limit_error\"")
            && busy.body().contains("\"code\":\"rate_limit_exceeded\""),
        busy.body());
    assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));

    HttpResponse<String> wrongKey = post("sk-wrong", "{\"model\":\"minilm\",\"input\":\"hi\"}");
    assertEquals(401, wrongKey.statusCode(), wrongKey.body());
    assertTrue(
        wrongKey.body().contains("\"type\":\"authentication_error\"")
            && wrongKey.body().contains("\"code\":\"invalid_api_key\"")
            && !wrongKey.body().contains("sk-wrong"),
        wrongKey.body());
    HttpResponse<String> noKey = post(null, "{\"model\":\"minilm\",\"input\":\"hi\"}");
    assertEquals(401, noKey.statusCode(), noKey.body());
    assertThrows(AuthenticationException.class, () -> client("sk-wrong", "minilm").embed("hi"));

    List<InferenceEvent> since = List.copyOf(served.subList(before, served.size()));
    assertTrue(
        since.stream().noneMatch(e -> e.outcome().isSuccess() && !e.modelName().equals("tight")),
        since.toString());
    assertTrue(since.stream().anyMatch(e -> e.outcome() == Outcome.OVERLOADED), since.toString());
    assertTrue(since.stream().anyMatch(e -> e.outcome() == Outcome.REFUSED), since.toString());

    HttpResponse<String> ok =
        post(
            "key-a",
            "{\"model\":\"minilm\",\"input\":[\"still here\"],"
                + "\"encoding_format\":\"base64\"}");
    assertEquals(200, ok.statusCode(), ok.body());
    float[] decoded = OpenAiEmbeddingBackend.parseResponse(ok.body().getBytes()).vectors().get(0);
    assertArrayEquals(
        local().predict("still here", CallOptions.builder().credentials("key-a").build()),
        decoded,
        0f,
        "base64 carries the exact floats");
  }

  @Test
  void modelsListsServedModelsAndVersions() throws Exception {
    HttpResponse<String> list =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base() + "/models")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, list.statusCode(), list.body());
    assertTrue(
        list.body()
            .startsWith(
                "{\"object\":\"list\",\"data\":[{\"id\":\"minilm\"," + "\"object\":\"model\""),
        list.body());
    assertTrue(list.body().contains("\"id\":\"minilm:1.0.0\""), list.body());
    HttpResponse<String> one =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base() + "/models/minilm")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, one.statusCode(), one.body());
    HttpResponse<String> missing =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base() + "/models/nope")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode(), missing.body());
    assertTrue(missing.body().contains("model_not_found"), missing.body());
  }

  @Test
  void backendCallsTheEndpoint_sameVectors_tokenUsageReachesMetering() throws Exception {
    InMemoryUsageSink sink = new InMemoryUsageSink();
    UsageMeters meters =
        UsageMeters.builder().meter("embed", "prompt_tokens", CallMeter.promptTokens()).build();
    try (Metering metering = Metering.builder().meters(meters).sink(sink).build();
        ModelRuntime client =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .listener(metering)
                .build()) {
      io.maasdk.ModelLoadException unlisted =
          assertThrows(
              io.maasdk.ModelLoadException.class,
              () ->
                  client.deploy(
                      ModelSpec.builder("embed", String.class, float[].class)
                          .version("0.9.0")
                          .backend(
                              OpenAiEmbeddingBackend.builder(URI.create(base()))
                                  .model("gpt-4")
                                  .build())
                          .build()));
      assertTrue(
          unlisted.getMessage().contains("embed@0.9.0")
              && unlisted.getMessage().contains("does not list model 'gpt-4'"),
          unlisted.getMessage());
      OpenAiEmbeddingBackend backend =
          OpenAiEmbeddingBackend.builder(URI.create(base())).model("minilm").build();
      client.deploy(
          ModelSpec.builder("embed", String.class, float[].class)
              .version("1.0.0")
              .backend(backend)
              .batching(BatchingPolicy.of(16, Duration.ofMillis(20)))
              .build());
      ModelHandle<String, float[]> embed =
          client.handle("embed", "1.0.0", String.class, float[].class);
      CallOptions b = CallOptions.builder().credentials("key-b").tenant("app").build();

      Prediction<float[]> p = embed.predictDetailed(SENTENCES.get(1), b);
      assertEquals("remote:127.0.0.1:" + server.port(), p.device());
      assertArrayEquals(local().predict(SENTENCES.get(1), b), p.output(), 1e-6f);

      List<CompletableFuture<float[]>> batch = new ArrayList<>();
      for (String s : SENTENCES) {
        batch.add(embed.predictAsync(s, b));
      }
      for (int i = 0; i < SENTENCES.size(); i++) {
        assertArrayEquals(
            local().predict(SENTENCES.get(i), b),
            batch.get(i).get(60, TimeUnit.SECONDS),
            1e-6f,
            "sentence " + i);
      }

      AccessDeniedException denied =
          assertThrows(
              AccessDeniedException.class,
              () -> embed.predict("hi", CallOptions.builder().credentials("sk-wrong").build()));
      assertTrue(
          denied.getMessage().contains("401") && !denied.getMessage().contains("sk-wrong"),
          denied.getMessage());
      assertThrows(InvalidInputException.class, () -> embed.predict("", b));

      metering.flush(Duration.ofSeconds(10));
      List<UsageRecord> records =
          sink.records().stream().filter(r -> r.model().equals("embed") && r.billable()).toList();
      assertEquals(1 + SENTENCES.size(), records.size(), records.toString());
      assertEquals(
          tokens(SENTENCES.get(1)),
          records.get(0).units("prompt_tokens"),
          "a lone call is metered with the server's own count");
      long sum = 0;
      long want = 0;
      for (int i = 1; i < records.size(); i++) {
        assertTrue(records.get(i).units("prompt_tokens") > 0, records.get(i).toString());
        sum += records.get(i).units("prompt_tokens");
        want += tokens(SENTENCES.get(i - 1));
      }
      assertEquals(want, sum, "a batch's calls add up to what the server counted");
      assertFalse(
          sink.records().stream()
              .anyMatch(
                  r -> r.model().equals("embed") && !r.billable() && r.units("prompt_tokens") > 0),
          "failures carry no tokens");
    }
  }
}
