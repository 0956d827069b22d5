package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.testkit.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Engine-side refusals over the wire, with the serving runtime's listener (what metering sees): an
 * input the engine cannot compute, an overloaded queue; nothing of it is a success.
 */
class EndpointErrorsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static ModelSpec<float[], float[]> fixture(String model, int queue) {
    return ModelSpec.builder(model, float[].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath(TestModels.resource(model)))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .queueCapacity(queue)
        .warmup(new float[4])
        .build();
  }

  private static HttpResponse<String> post(URI uri, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String rows(int n, float value) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n * 4; i++) {
      b.append(i == 0 ? "" : ",").append(value);
    }
    return "{\"inputs\":[{\"name\":\"input\",\"shape\":["
        + n
        + ",4],\"datatype\":\"FP32\","
        + "\"data\":["
        + b
        + "]}]}";
  }

  @Test
  void poisonInputIs400_overloadIs429WithRetryAfter_noneMeteredAsSuccess_serverKeepsServing()
      throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      rt.deploy(fixture("faulty", 100));
      rt.deploy(fixture("slow", 1));
      try (OipServer server =
          OipServer.builder(rt)
              .serve("faulty", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .serve("slow", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .start()) {
        URI faulty = URI.create("http://127.0.0.1:" + server.port() + "/v2/models/faulty/infer");
        URI slow = URI.create("http://127.0.0.1:" + server.port() + "/v2/models/slow/infer");

        HttpResponse<String> poison = post(faulty, rows(1, TestModels.POISON));
        assertEquals(400, poison.statusCode(), poison.body());
        assertTrue(
            poison.body().contains("faulty@1.0.0")
                && poison.body().contains("input is at" + " fault"),
            poison.body());

        HttpResponse<String> busy = post(slow, rows(16, 1f)); // 16 calls, a queue of 1
        assertEquals(429, busy.statusCode(), busy.body());
        assertTrue(busy.body().contains("overloaded"), busy.body());
        assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));

        long successes =
            events.stream()
                .filter(e -> e.outcome() == Outcome.SUCCESS && e.modelName().equals("faulty"))
                .count();
        assertEquals(0, successes, "the poison call was not metered as a success");
        assertTrue(events.stream().anyMatch(e -> e.outcome() == Outcome.INVALID_INPUT));
        assertTrue(events.stream().anyMatch(e -> e.outcome() == Outcome.OVERLOADED));

        HttpResponse<String> ok = post(faulty, rows(2, 1f));
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().contains("\"data\":[2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0]"), ok.body());
        assertEquals(
            "CLOSED",
            rt.describe("faulty", io.maasdk.Version.parse("1.0.0")).orElseThrow().breakerState());
      }
    }
  }
}
