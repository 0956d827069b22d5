package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasTarget;
import io.maasdk.CachePolicy;
import io.maasdk.CallOptions;
import io.maasdk.FailurePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The stages above the backend treat a remote version like a local one: its response cache, its
 * circuit breaker and an alias's fallback, with a real endpoint that goes away.
 */
class RemoteLikeLocalTest {

  @Test
  void remoteVersion_isCached_andWhenItsServerGoesAway_theAliasFallbackServesLocally()
      throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime host =
            ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .listener(events::add)
                .build()) {
      host.deploy(DigitsEndpointMain.spec("2.0.0").build());
      OipServer server =
          OipServer.builder(host)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .start();
      try {
        rt.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("2.0.0")
                .backend(
                    RemoteBackend.builder(URI.create("http://127.0.0.1:" + server.port()))
                        .model("digits-mlp")
                        .input(TensorCodec.floats("input"))
                        .output(TensorCodec.floats("output"))
                        .build())
                .cachePolicy(CachePolicy.ofDefaults())
                .warmup(new float[64])
                .failurePolicy(
                    FailurePolicy.builder()
                        .breaker(2, Duration.ofMinutes(1))
                        .restartBackoff(Duration.ZERO, Duration.ZERO)
                        .build())
                .build());
        rt.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("1.0.0")
                .source(io.maasdk.ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
                .translator(io.maasdk.codec.Codecs.floatVector(64))
                .devicePolicy(io.maasdk.DevicePolicy.cpu())
                .build());
        rt.setAlias(
            "digits",
            "prod",
            AliasTarget.of(Version.parse("2.0.0")).withFallback(Version.parse("1.0.0")));
        ModelHandle<float[], float[]> h = rt.handle("digits", "prod", float[].class, float[].class);
        float[] x = TestModels.digitsTestSet().features()[5];

        Prediction<float[]> first = h.predictDetailed(x, CallOptions.ofDefaults());
        Prediction<float[]> again = h.predictDetailed(x, CallOptions.ofDefaults());
        assertEquals("remote:127.0.0.1:" + server.port(), first.device());
        assertTrue(again.cacheHit(), "the second identical call is a cache hit");
        assertArrayEquals(first.output(), again.output());
        assertArrayEquals(TestModels.expectedLogits("mlp", "2.0.0")[5], first.output(), 1e-4f);
      } finally {
        server.close(); // the remote server goes away
      }

      ModelHandle<float[], float[]> h = rt.handle("digits", "prod", float[].class, float[].class);
      float[][] xs = TestModels.digitsTestSet().features();
      for (int i = 0; i < 6; i++) { // new inputs: no cache hit can hide the failure
        Prediction<float[]> p = h.predictDetailed(xs[10 + i], CallOptions.ofDefaults());
        assertEquals(Version.parse("1.0.0"), p.version(), "the local fallback answered");
        assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[10 + i], p.output(), 1e-4f);
      }
      assertEquals(
          "OPEN",
          rt.describe("digits", Version.parse("2.0.0")).orElseThrow().breakerState(),
          "the unreachable remote opened its breaker");
      assertTrue(events.stream().anyMatch(e -> Version.parse("2.0.0").equals(e.failoverFrom())));
      ModelHandle<float[], float[]> pinned =
          rt.handle("digits", "2.0.0", float[].class, float[].class);
      assertThrows(ModelUnavailableException.class, () -> pinned.predict(xs[20]));
    }
  }
}
