package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.DeploymentInfo;
import io.maasdk.ModelHandle;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two processes: a child JVM hosts the digits models behind an {@link OipServer}; this JVM calls
 * them through remote versions and over raw HTTP.
 */
class TwoProcessTest {
  private static ChildEndpoint child;
  private static int port;
  private static URI endpoint;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void startChild() throws Exception {
    child = ChildEndpoint.start("", 0);
    port = child.port;
    endpoint = child.uri();
  }

  @AfterAll
  static void stopChild() throws Exception {
    if (child != null) {
      child.close();
    }
  }

  private static ModelRuntime runtime(List<InferenceEvent> events) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .listener(events::add)
        .build();
  }

  private static RemoteBackend.Builder remote() {
    return RemoteBackend.builder(endpoint)
        .model("digits-mlp")
        .input(TensorCodec.floats("input"))
        .output(TensorCodec.floats("output"));
  }

  /** {@code digits} at {@code version} here, computed by the child's {@code digits-mlp}. */
  private static ModelSpec.Builder<float[], float[]> remoteSpec(String version) {
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version(version)
        .backend(remote().build());
  }

  @Test
  void remoteVersion_answersExactlyAsTheLocalModel_forEveryHeldOutDigit_batchedOrNot()
      throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt = runtime(events)) {
      rt.deploy(DigitsEndpointMain.spec("1.0.0").build()); // local digits-mlp 1.0.0
      rt.deploy(
          remoteSpec("1.0.0")
              .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
              .warmup(new float[64])
              .build());
      DeploymentInfo info = rt.describe("digits", Version.parse("1.0.0")).orElseThrow();
      assertEquals("oip-rest", info.engine());
      assertEquals("remote:127.0.0.1:" + port, info.placements().get(0).device());

      ModelHandle<float[], float[]> local =
          rt.handle("digits-mlp", "1.0.0", float[].class, float[].class);
      ModelHandle<float[], float[]> remote =
          rt.handle("digits", "1.0.0", float[].class, float[].class);
      float[][] x = TestModels.digitsTestSet().features();
      float[][] expected = TestModels.expectedLogits("mlp", "1.0.0");

      // one by one: bit for bit what the local model answers (the JSON carries every float
      // exactly)
      for (int i = 0; i < 20; i++) {
        Prediction<float[]> p = remote.predictDetailed(x[i], CallOptions.ofDefaults());
        assertArrayEquals(local.predict(x[i]), p.output(), "sample " + i);
        assertEquals("remote:127.0.0.1:" + port, p.device());
      }
      // 16 callers at once: batches travel as one request each
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int first = t;
          fs.add(
              pool.submit(
                  () -> {
                    start.await(30, TimeUnit.SECONDS);
                    for (int i = first; i < x.length; i += 16) {
                      float[] got = remote.predict(x[i]);
                      // The remote server computes these in batches, whose float rounding may
                      // differ
                      // from a lone call's in the last bit (the engine's, not the wire's: see
                      // above).
                      assertArrayEquals(local.predict(x[i]), got, 1e-5f, "sample " + i);
                      if (i < expected.length) {
                        assertArrayEquals(expected[i], got, 1e-4f, "sample " + i + " vs recorded");
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertTrue(
          events.stream().anyMatch(e -> e.modelName().equals("digits") && e.batchSize() > 1),
          "some remote calls travelled in a batch");
    }
  }

  @Test
  void aliasSplitBetweenLocalAndRemote_keepsWeightsAndStickiness() throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt = runtime(events)) {
      Version local = Version.parse("1.0.0");
      Version far = Version.parse("2.0.0");
      ModelSpec<float[], float[]> localSpec =
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.0.0")
              .source(io.maasdk.ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
              .translator(io.maasdk.codec.Codecs.floatVector(64))
              .devicePolicy(io.maasdk.DevicePolicy.cpu())
              .build();
      rt.deploy(localSpec);
      rt.deploy(remoteSpec("2.0.0").build());
      rt.setAlias("digits", "canary", AliasTarget.split(Map.of(local, 70, far, 30)));
      ModelHandle<float[], float[]> h = rt.handle("digits", "canary", float[].class, float[].class);
      float[][] x = TestModels.digitsTestSet().features();
      float[][] want1 = TestModels.expectedLogits("mlp", "1.0.0");
      float[][] want2 = TestModels.expectedLogits("mlp", "2.0.0");

      Map<Version, Integer> counts = new HashMap<>();
      Map<String, Version> firstSeen = new HashMap<>();
      int n = 400;
      for (int i = 0; i < n; i++) {
        String key = "user-" + i;
        Prediction<float[]> p =
            h.predictDetailed(x[i % want1.length], CallOptions.builder().routingKey(key).build());
        counts.merge(p.version(), 1, Integer::sum);
        firstSeen.put(key, p.version());
        float[][] want = p.version().equals(far) ? want2 : want1;
        assertArrayEquals(want[i % want.length], p.output(), 1e-4f, "call " + i);
        assertEquals(p.version().equals(far) ? "remote:127.0.0.1:" + port : "cpu()", p.device());
      }
      double remoteShare = counts.getOrDefault(far, 0) / (double) n;
      assertTrue(remoteShare > 0.22 && remoteShare < 0.38, "30% weight, got " + counts);
      // stickiness: the same key goes to the same version, local or remote, every time
      for (int i = 0; i < 60; i++) {
        String key = "user-" + i;
        Version again =
            h.predictDetailed(x[0], CallOptions.builder().routingKey(key).build()).version();
        assertEquals(firstSeen.get(key), again, key);
      }
    }
  }

  @Test
  void remoteCallPastItsDeadline_failsWithDeadlineExceeded_andTheVersionKeepsServing()
      throws Exception {
    try (ModelRuntime rt = runtime(new CopyOnWriteArrayList<>())) {
      rt.deploy(remoteSpec("1.0.0").build());
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      float[] x = TestModels.digitsTestSet().features()[0];
      CallOptions tiny = CallOptions.builder().timeout(Duration.ofNanos(1)).build();
      for (int i = 0; i < 5; i++) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class, () -> h.predictAsync(x, tiny).get(30, TimeUnit.SECONDS));
        assertInstanceOf(DeadlineExceededException.class, e.getCause());
      }
      assertNotNull(h.predict(x, CallOptions.builder().timeout(Duration.ofSeconds(30)).build()));
      assertEquals(
          "CLOSED",
          rt.describe("digits", Version.parse("1.0.0")).orElseThrow().breakerState(),
          "deadlines are not the remote's failures");
    }
  }

  @Test
  void deployOfAMissingRemoteVersion_failsNamingIt() {
    try (ModelRuntime rt = runtime(new CopyOnWriteArrayList<>())) {
      ModelLoadException e =
          assertThrows(ModelLoadException.class, () -> rt.deploy(remoteSpec("7.0.0").build()));
      assertTrue(
          e.getMessage().contains("digits@7.0.0")
              && e.getMessage().contains("/v2/models/digits-mlp/versions/7"),
          e.getMessage());
      assertTrue(rt.deployments().isEmpty());
    }
  }

  // ---------------------------------------------------------------- the wire, raw

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(endpoint.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(endpoint.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String digitsRequest(String datatype, String shape, String data) {
    return "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\",\"shape\":"
        + shape
        + ",\"datatype\":\""
        + datatype
        + "\",\"data\":"
        + data
        + "}]}";
  }

  private static String zeros(int n) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "0.0" : ",0.0");
    }
    return b.append(']').toString();
  }

  private static void assertError(HttpResponse<String> r, int status, String mentions) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.body().startsWith("{\"error\":\""), r.body());
    assertTrue(r.body().contains(mentions), "expected '" + mentions + "' in " + r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void badInputOverTheWire_getsTheProtocolStatusAndBody_andTheServerKeepsServing()
      throws Exception {
    String infer = "/v2/models/digits-mlp/versions/1/infer";
    assertError(post(infer, "{\"inputs\": [ {\"name\": "), 400, "malformed JSON");
    assertError(post(infer, "[1,2]"), 400, "must be a JSON object");
    assertError(
        post(infer, digitsRequest("FP16", "[1,64]", zeros(64))),
        400,
        "datatype 'FP16' is not supported");
    assertError(
        post(infer, digitsRequest("INT64", "[1,64]", zeros(64))),
        400,
        "INT64 but its data holds a fractional number");
    assertError(
        post(infer, digitsRequest("FP32", "[1,64]", "[\"a\"]")),
        400,
        "FP32 but its data holds a string");
    assertError(
        post(infer, digitsRequest("FP32", "[1,64]", zeros(63))),
        400,
        "has shape [1, 64] (64 elements) but 63 data values");
    assertError(
        post(infer, digitsRequest("FP32", "[1,10]", zeros(10))),
        400,
        "digits-mlp@1.0.0"); // the model's own validation: 64 features expected
    assertError(
        post(
            infer,
            "{\"inputs\":[{\"name\":\"pixels\",\"shape\":[1,64],"
                + "\"datatype\":\"FP32\",\"data\":"
                + zeros(64)
                + "}]}"),
        400,
        "expected a tensor named 'input'");
    int big = (int) DigitsEndpointMain.MAX_REQUEST_BYTES / 4 + 100;
    assertError(
        post(infer, digitsRequest("FP32", "[" + big / 64 + ",64]", zeros(big))),
        413,
        "exceeds the limit");
    assertError(
        post("/v2/models/no-such-model/infer", digitsRequest("FP32", "[1,64]", zeros(64))),
        404,
        "unknown model 'no-such-model'");
    assertError(
        post("/v2/models/digits-mlp/versions/9/infer", digitsRequest("FP32", "[1,64]", zeros(64))),
        404,
        "digits-mlp");
    assertError(
        post(
            "/v2/models/digits-mlp/versions/no-such-alias/infer",
            digitsRequest("FP32", "[1,64]", zeros(64))),
        404,
        "no-such-alias");
    assertError(
        HTTP.send(
            HttpRequest.newBuilder(endpoint.resolve(infer))
                .header("x-padding", "p".repeat(20_000))
                .POST(
                    HttpRequest.BodyPublishers.ofString(digitsRequest("FP32", "[1,64]", zeros(64))))
                .build(),
            HttpResponse.BodyHandlers.ofString()),
        431,
        "request headers");
    assertError(get(infer), 405, "takes POST");
    assertError(get("/v3/anything"), 404, "no route");

    // after all that, the server still answers, with the protocol's response shape
    HttpResponse<String> ok = post(infer, digitsRequest("FP32", "[2,64]", zeros(128)));
    assertEquals(200, ok.statusCode(), ok.body());
    assertTrue(
        ok.body()
            .startsWith(
                "{\"model_name\":\"digits-mlp\",\"model_version\":\"1\","
                    + "\"id\":\"r1\",\"outputs\":[{\"name\":\"output\",\"shape\":[2,10],"
                    + "\"datatype\":\"FP32\",\"data\":["),
        ok.body());
  }

  @Test
  void versionSlots_takeIntegersAndMaasdkSelectors_healthAndMetadataAnswer() throws Exception {
    String body = digitsRequest("FP32", "[1,64]", zeros(64));
    assertTrue(
        post("/v2/models/digits-mlp/versions/stable/infer", body)
            .body()
            .contains("\"model_version\":\"1.1.0\""));
    assertTrue(
        post("/v2/models/digits-mlp/versions/%5E1/infer", body)
            .body()
            .contains("\"model_version\":\"1.1.0\""),
        "^1 is the highest 1.x");
    assertTrue(
        post("/v2/models/digits-mlp/versions/2/infer", body)
            .body()
            .contains("\"model_version\":\"2\""));
    assertTrue(
        post("/v2/models/digits-mlp/infer", body).body().contains("\"model_version\":\"2\""),
        "no version: the latest");
    assertEquals(200, get("/v2/health/live").statusCode());
    assertEquals(200, get("/v2/health/ready").statusCode());
    assertEquals(200, get("/v2/models/digits-mlp/versions/stable/ready").statusCode());
    assertEquals(404, get("/v2/models/digits-mlp/versions/5/ready").statusCode());
    String meta = get("/v2/models/digits-mlp").body();
    assertEquals(
        "{\"name\":\"digits-mlp\",\"versions\":[\"1\",\"1.1.0\",\"2\"],\"platform\":"
            + "\"maasdk\",\"inputs\":[{\"name\":\"input\"}],\"outputs\":[{\"name\":\"output\"}]}",
        meta);
    assertTrue(get("/v2").body().contains("\"name\":\"maasdk\""));
  }

  @Test
  void deadlineHeaderAlreadyPassed_isRefusedWith504_andNeverComputed() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(endpoint.resolve("/v2/models/digits-mlp/versions/1/infer"))
                .header(RemoteBackend.TIMEOUT_HEADER, "0")
                .POST(
                    HttpRequest.BodyPublishers.ofString(digitsRequest("FP32", "[1,64]", zeros(64))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertError(r, 504, "not computed");
    assertTrue(new File("target").isDirectory());
  }
}
