package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.Backend;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The backend SPI: a version computed by something other than DJL goes through the same request
 * path (device reported, failure attribution, breaker, alias fallback, deadlines). The backend here
 * stands in for a remote server at the edge; the runtime around it is the thing under test.
 */
class BackendSpiTest {
  private static final String DEVICE = "remote:test.invalid:8000";

  /** Doubles each input (like the echo fixture's first four outputs); can be made to fail. */
  static final class StandInServer implements Backend {
    final AtomicInteger sessions = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final List<Duration> timeLefts = new CopyOnWriteArrayList<>();
    volatile boolean down;
    volatile boolean closed;

    /** Whether sessions report tokens (10 per input element) like an OpenAI-compatible server. */
    volatile boolean countTokens;

    @Override
    public String engine() {
      return "stand-in";
    }

    @Override
    public List<Placement> place(ModelSpec<?, ?> spec) {
      List<Placement> out = new ArrayList<>();
      for (int r = 0; r < spec.replicas(); r++) {
        out.add(new Placement(r, DEVICE, "remote endpoint"));
      }
      return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement) {
      return new Loaded<>() {
        @Override
        public Session<I, O> newSession() {
          sessions.incrementAndGet();
          return new Session<>() {
            private long[] tokens;

            @Override
            public long[] promptTokens() {
              return countTokens ? tokens : null;
            }

            @Override
            public List<O> predict(List<Call<I>> calls) throws IOException {
              tokens = null;
              requests.incrementAndGet();
              batchSizes.add(calls.size());
              List<O> out = new ArrayList<>();
              for (Call<I> c : calls) {
                timeLefts.add(c.timeLeft() == null ? Duration.ZERO : c.timeLeft());
                float[] x = (float[]) c.input();
                if (down) {
                  throw new IOException("connection refused (stand-in)");
                }
                if (x[0] == -1) {
                  throw new InvalidInputException(spec.name(), spec.version(), "server said 400");
                }
                if (x[0] == -2) {
                  throw new DeadlineExceededException(spec.name(), spec.version(), "too late");
                }
                float[] y = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                  y[i] = 2 * x[i];
                }
                out.add((O) y);
              }
              tokens = new long[calls.size()];
              for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 10L * ((float[]) calls.get(i).input()).length;
              }
              return out;
            }

            @Override
            public void close() {}
          };
        }

        @Override
        public void close() {
          closed = true;
        }
      };
    }
  }

  private static ModelSpec.Builder<float[], float[]> remote(StandInServer server, String version) {
    return ModelSpec.builder("m", float[].class, float[].class)
        .version(version)
        .backend(server)
        .warmup(new float[] {1, 2, 3, 4});
  }

  @Test
  void tokensTheBackendCounted_reachTheEventsOfItsCalls_notOfFailuresNorCacheHits()
      throws Exception {
    StandInServer server = new StandInServer();
    server.countTokens = true;
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      rt.deploy(
          remote(server, "1.0.0").batching(BatchingPolicy.of(8, Duration.ofMillis(50))).build());
      ModelHandle<float[], float[]> h = rt.handle("m", "1.0.0", float[].class, float[].class);
      h.predict(new float[] {1, 2, 3});
      assertEquals(30, events.get(events.size() - 1).promptTokens());

      // a batch with a bad member: the good ones keep their own counts, the bad one has none
      int before = events.size();
      var good = h.predictAsync(new float[] {1, 2});
      var bad = h.predictAsync(new float[] {-1, 2, 3, 4, 5});
      var good2 = h.predictAsync(new float[] {1, 2, 3, 4});
      good.get();
      good2.get();
      assertThrows(ExecutionException.class, bad::get);
      List<InferenceEvent> batch = events.subList(before, events.size());
      assertEquals(3, batch.size());
      for (InferenceEvent e : batch) {
        float[] in = (float[]) e.input();
        assertEquals(
            e.outcome().isSuccess() ? 10L * in.length : -1L, e.promptTokens(), e.toString());
      }
    }
    StandInServer silent = new StandInServer();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      rt.deploy(remote(silent, "1.0.0").build());
      rt.handle("m", "1.0.0", float[].class, float[].class).predict(new float[] {1, 2});
      assertEquals(
          -1,
          events.get(events.size() - 1).promptTokens(),
          "a backend that counts no tokens reports none");
    }
  }

  @Test
  void backendVersion_reportsItsDeviceAndEngine_andAnswersThroughAHandle() throws Exception {
    StandInServer server = new StandInServer();
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      rt.deploy(remote(server, "1.0.0").replicas(2).build());
      ModelHandle<float[], float[]> h = rt.handle("m", "1.0.0", float[].class, float[].class);
      Prediction<float[]> p = h.predictDetailed(new float[] {1, 2, 3, 4}, CallOptions.ofDefaults());
      assertArrayEquals(new float[] {2, 4, 6, 8}, p.output());
      assertEquals(DEVICE, p.device());
      assertEquals(DEVICE, events.get(events.size() - 1).device());
      DeploymentInfo info = rt.describe("m", Version.parse("1.0.0")).orElseThrow();
      assertEquals("stand-in", info.engine());
      assertEquals(2, info.replicasUp());
      assertEquals(2, server.sessions.get());
      assertTrue(info.source().contains("StandInServer"), info.source());
      rt.undeploy("m", "1.0.0");
      assertTrue(server.closed, "undeploy closes what the backend loaded");
    }
  }

  @Test
  void backendRefusesAnInput_callerGetsInvalidInput_noFreshSession_breakerStaysClosed()
      throws Exception {
    StandInServer server = new StandInServer();
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(
          remote(server, "1.0.0")
              .failurePolicy(FailurePolicy.builder().breaker(1, Duration.ofMinutes(1)).build())
              .build());
      ModelHandle<float[], float[]> h = rt.handle("m", "1.0.0", float[].class, float[].class);
      int sessions = server.sessions.get();
      for (int i = 0; i < 3; i++) {
        InvalidInputException e =
            assertThrows(InvalidInputException.class, () -> h.predict(new float[] {-1, 0, 0, 0}));
        assertTrue(e.getMessage().contains("m@1.0.0"), e.getMessage());
      }
      assertEquals(sessions, server.sessions.get(), "an input fault never replaces the session");
      assertArrayEquals(new float[] {2, 2, 2, 2}, h.predict(new float[] {1, 1, 1, 1}));
      assertEquals("CLOSED", rt.describe("m", Version.parse("1.0.0")).orElseThrow().breakerState());
    }
  }

  @Test
  void backendGoesDown_freshSessionTried_breakerOpens_aliasFallbackServesLocally()
      throws Exception {
    StandInServer server = new StandInServer();
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      rt.deploy(
          remote(server, "2.0.0")
              .failurePolicy(
                  FailurePolicy.builder()
                      .breaker(2, Duration.ofMinutes(1))
                      .restartBackoff(Duration.ZERO, Duration.ZERO)
                      .build())
              .build());
      rt.deploy(Models.echo("m", "1.0.0").build()); // local DJL: x*2, then the batch size
      rt.setAlias(
          "m",
          "stable",
          AliasTarget.of(Version.parse("2.0.0")).withFallback(Version.parse("1.0.0")));
      ModelHandle<float[], float[]> h = rt.handle("m", "stable", float[].class, float[].class);
      assertEquals(
          DEVICE, h.predictDetailed(new float[] {1, 1, 1, 1}, CallOptions.ofDefaults()).device());
      int sessions = server.sessions.get();
      server.down = true;
      for (int i = 0; i < 5; i++) {
        Prediction<float[]> p =
            h.predictDetailed(new float[] {1, 2, 3, 4}, CallOptions.ofDefaults());
        assertEquals(Version.parse("1.0.0"), p.version(), "the local fallback answered");
        assertEquals(2f, p.output()[0]);
      }
      assertTrue(server.sessions.get() > sessions, "a fresh session (connection) was tried");
      assertEquals("OPEN", rt.describe("m", Version.parse("2.0.0")).orElseThrow().breakerState());
      assertTrue(events.stream().anyMatch(e -> Version.parse("2.0.0").equals(e.failoverFrom())));
      // Pinned to the remote version, a caller sees the failure itself.
      ModelHandle<float[], float[]> pinned = rt.handle("m", "2.0.0", float[].class, float[].class);
      assertThrows(ModelUnavailableException.class, () -> pinned.predict(new float[4]));
    }
  }

  @Test
  void backendReportsDeadline_callerGetsDeadlineExceeded_notJudged_andSeesTimeLeft()
      throws Exception {
    StandInServer server = new StandInServer();
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(remote(server, "1.0.0").build());
      ModelHandle<float[], float[]> h = rt.handle("m", "1.0.0", float[].class, float[].class);
      int sessions = server.sessions.get();
      CallOptions opts = CallOptions.builder().timeout(Duration.ofSeconds(30)).build();
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> h.predictAsync(new float[] {-2, 0, 0, 0}, opts).get());
      assertInstanceOf(DeadlineExceededException.class, e.getCause());
      assertEquals(sessions, server.sessions.get(), "a deadline is not the session's fault");
      Duration left = server.timeLefts.get(server.timeLefts.size() - 1);
      assertTrue(
          left.compareTo(Duration.ZERO) > 0 && left.compareTo(Duration.ofSeconds(30)) <= 0,
          "the backend was told the time left: " + left);
      assertNotNull(h.predictAsync(new float[] {1, 1, 1, 1}, opts).get());
      assertEquals("CLOSED", rt.describe("m", Version.parse("1.0.0")).orElseThrow().breakerState());
    }
  }

  @Test
  void backendWithoutTranslator_andBatchingOn_isAccepted_andBatchesReachTheBackendWhole()
      throws Exception {
    StandInServer server = new StandInServer();
    try (ModelRuntime rt = Models.runtime()) {
      ModelSpec<float[], float[]> spec =
          remote(server, "1.0.0").batching(BatchingPolicy.of(8, Duration.ofMillis(5))).build();
      assertNull(spec.translator());
      rt.deploy(spec);
      // the deploy-time batch check ran the warm-up input alone and as a batch of 2
      assertTrue(server.batchSizes.contains(2), "batch check: " + server.batchSizes);
    }
  }

  @Test
  void backendThrowsUnchecked_onEveryCall_breakerCounts() {
    StandInServer server = new StandInServer();
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(
          remote(server, "1.0.0")
              .failurePolicy(
                  FailurePolicy.builder()
                      .breaker(1, Duration.ofMinutes(1))
                      .restartBackoff(Duration.ZERO, Duration.ZERO)
                      .build())
              .build());
      ModelHandle<float[], float[]> h = rt.handle("m", "1.0.0", float[].class, float[].class);
      server.down = true;
      InferenceException e =
          assertThrows(InferenceException.class, () -> h.predict(new float[] {1, 1, 1, 1}));
      assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
      assertTrue(e.getMessage().contains(DEVICE), e.getMessage());
      assertThrows(ModelUnavailableException.class, () -> h.predict(new float[] {1, 1, 1, 1}));
    }
  }
}
