package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.metrics.CallMeter;
import io.maasdk.metrics.InMemoryUsageSink;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The code of the README's "Call a remote model" and "Serve your models", compiled and run against
 * real servers on loopback; {@link #readme_quotesTheSnippetsVerbatim} checks the README quotes
 * exactly the lines between each pair of markers.
 */
class ReadmeRemoteTest {
  private static final String START = "// README-SNIPPET-START ";
  private static final String END = "// README-SNIPPET-END ";
  private static final List<String> SNIPPETS =
      List.of("remote-oip", "remote-openai", "serve", "serve-client");

  private static HuggingFaceTokenizer tokenizer;
  private static ModelRuntime far;
  private static OipServer farServer;
  private static OipServer farServer2;

  @BeforeAll
  static void hostTheRemoteModels() throws Exception {
    tokenizer = OpenAiEmbeddingsTest.tokenizer();
    far = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
    far.deploy(DigitsEndpointMain.spec("2.0.0").build());
    far.deploy(OpenAiEmbeddingsTest.minilm(tokenizer));
    farServer =
        OipServer.builder(far)
            .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
            .mount("/v1", OpenAiEndpoint.builder().embeddings("minilm").build())
            .start();
    farServer2 =
        OipServer.builder(far)
            .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
            .start();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {farServer, farServer2, far}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @Test
  void callARemoteModel_overTheOpenInferenceProtocol() {
    URI tritonUrl = URI.create("http://127.0.0.1:" + farServer.port());
    URI secondTritonUrl = URI.create("http://127.0.0.1:" + farServer2.port());
    float[] pixels = TestModels.digitsTestSet().features()[0];
    try (ModelRuntime runtime =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      runtime.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
              .translator(Codecs.floatVector(64))
              .devicePolicy(DevicePolicy.cpu())
              .build());

      // spotless:off
      // README-SNIPPET-START remote-oip
      RemoteBackend triton = RemoteBackend.builder(tritonUrl)  // e.g. http://10.0.0.7:8000
          .endpoint(secondTritonUrl)                      // optional: more servers of the model
          .model("digits-mlp")                            // the server's name; default: the spec's
          .input(TensorCodec.floats("input"))             // float[] <-> FP32 [batch, 64]
          .output(TensorCodec.floats("output"))
          .build();
      runtime.deploy(ModelSpec.builder("digits", float[].class, float[].class)
          .version("2.0.0")                               // calls versions/2 on the server
          .backend(triton)
          .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))   // one HTTP request per batch
          .build());
      runtime.setAlias("digits", "canary", AliasTarget.split(Map.of(
          Version.parse("1.0.0"), 90,                     // local
          Version.parse("2.0.0"), 10)));                  // remote
      ModelHandle<float[], float[]> digits =
          runtime.handle("digits", "canary", float[].class, float[].class);
      float[] logits = digits.predict(pixels, CallOptions.builder().routingKey("user-42").build());
      // README-SNIPPET-END remote-oip
      // spotless:on

      Version served = digits.resolve(CallOptions.builder().routingKey("user-42").build());
      assertArrayEquals(TestModels.expectedLogits("mlp", served.toString())[0], logits, 1e-4f);
      assertArrayEquals(
          TestModels.expectedLogits("mlp", "2.0.0")[0],
          runtime.handle("digits", "2.0.0", float[].class, float[].class).predict(pixels),
          1e-4f,
          "the remote version");
      assertEquals(
          "remote:127.0.0.1:" + farServer.port() + ",127.0.0.1:" + farServer2.port(),
          triton.device());
    }
  }

  @Test
  void callARemoteEmbeddingModel_overTheOpenAiApi_tokensMetered() throws Exception {
    URI embeddingsUrl = URI.create("http://127.0.0.1:" + farServer.port() + "/v1");
    String apiKey = "sk-test";
    InMemoryUsageSink ledger = new InMemoryUsageSink();

    // spotless:off
    // README-SNIPPET-START remote-openai
    UsageMeters meters = UsageMeters.builder()
        .meter("embed", "prompt_tokens", CallMeter.promptTokens())  // the server's usage count
        .build();
    Metering metering = Metering.builder().meters(meters).sink(ledger).build();
    ModelRuntime runtime = ModelRuntime.builder().listener(metering).build();
    runtime.deploy(ModelSpec.builder("embed", String.class, float[].class)
        .version("1.0.0")
        .backend(OpenAiEmbeddingBackend.builder(embeddingsUrl)  // e.g. http://vllm:8000/v1
            .model("minilm")                                    // the server's model name
            .build())
        .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))  // one request per batch
        .build());
    float[] vector = runtime.handle("embed", "1.0.0", String.class, float[].class)
        .predict("The cat sits on the mat.", CallOptions.builder().credentials(apiKey).build());
    // README-SNIPPET-END remote-openai
    // spotless:on

    try (metering;
        runtime) {
      assertArrayEquals(
          far.handle("minilm", "1.0.0", String.class, float[].class)
              .predict("The cat sits on the mat."),
          vector,
          1e-6f);
      metering.flush(Duration.ofSeconds(10));
      long tokens = ledger.records().get(0).units("prompt_tokens");
      assertEquals(
          Math.max(1, ("The cat sits on the mat.".length() + 3) / 4),
          tokens,
          "the endpoint's estimate, as the server counted it");
    }
  }

  @Test
  void serveYourModels_overBothProtocols() throws Exception {
    ModelRuntime runtime = far;
    String apiKey = "sk-test";

    // spotless:off
    // README-SNIPPET-START serve
    OipServer server = OipServer.builder(runtime)
        .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
        .mount("/v1", OpenAiEndpoint.builder()           // OpenAI-compatible embeddings
            .embeddings("minilm", text -> tokenizer.encode(text).getIds().length)
            .build())
        .bind(new InetSocketAddress("127.0.0.1", 0))     // 0: any free port, server.port()
        .start();
    // README-SNIPPET-END serve
    // spotless:on

    try (server) {
      // spotless:off
      // README-SNIPPET-START serve-client
      EmbeddingModel minilm = OpenAiEmbeddingModel.builder()  // LangChain4j's OpenAI client
          .baseUrl("http://127.0.0.1:" + server.port() + "/v1")
          .apiKey(apiKey)
          .modelName("minilm")                                // or "minilm:1.0.0", "minilm:stable"
          .build();
      Embedding embedding = minilm.embed("The cat sits on the mat.").content();
      // README-SNIPPET-END serve-client
      // spotless:on
      assertArrayEquals(
          runtime
              .handle("minilm", "1.0.0", String.class, float[].class)
              .predict("The cat sits on the mat."),
          embedding.vector(),
          1e-6f);
      RemoteBackend back =
          RemoteBackend.builder(URI.create("http://127.0.0.1:" + server.port()))
              .model("digits-mlp")
              .input(TensorCodec.floats("input"))
              .output(TensorCodec.floats("output"))
              .build();
      try (ModelRuntime caller =
          ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
        caller.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("2.0.0")
                .backend(back)
                .build());
        assertArrayEquals(
            TestModels.expectedLogits("mlp", "2.0.0")[1],
            caller
                .handle("digits", "2.0.0", float[].class, float[].class)
                .predict(TestModels.digitsTestSet().features()[1]),
            1e-4f);
      }
    }
  }

  @Test
  void readme_quotesTheSnippetsVerbatim() throws Exception {
    List<String> src =
        Files.readAllLines(Path.of("src/test/java/io/maasdk/remote/ReadmeRemoteTest.java"));
    String readme = Files.readString(Path.of("../README.md"));
    List<String> missing = new ArrayList<>();
    for (String name : SNIPPETS) {
      int from = indexOf(src, START + name) + 1;
      int to = indexOf(src, END + name);
      String snippet = String.join("\n", dedent(src.subList(from, to)));
      if (!readme.contains("```java\n" + snippet + "\n```")) {
        missing.add(name + ":\n" + snippet);
      }
    }
    assertTrue(
        missing.isEmpty(), "README and ReadmeRemoteTest differ; keep them in step: " + missing);
  }

  private static int indexOf(List<String> lines, String marker) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).strip().equals(marker.strip())) {
        return i;
      }
    }
    throw new AssertionError("no line '" + marker + "'");
  }

  private static List<String> dedent(List<String> lines) {
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return lines.stream()
        .map(l -> l.isBlank() ? "" : l.substring(indent))
        .collect(Collectors.toList());
  }
}
