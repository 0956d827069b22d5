package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import io.maasdk.spi.Backend;
import io.maasdk.spi.Backend.Call;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client side against servers at the edge that misbehave on purpose: a stub HTTP server that
 * answers a chosen status, a socket that accepts and never answers, a port nobody listens on.
 */
class RemoteBackendTest {
  private static final String SECRET = "s3cr3t-key-never-in-messages";
  private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  /** A stub server: ready answers 200; infer answers {@code status} with {@code body}. */
  private URI stub(AtomicInteger inferCalls, AtomicReference<String> auth, int status, String body)
      throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        ex -> {
          if (ex.getRequestURI().getPath().endsWith("/infer")) {
            inferCalls.incrementAndGet();
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            ex.getRequestBody().readAllBytes();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
              o.write(b);
            }
          } else {
            ex.sendResponseHeaders(200, -1);
          }
          ex.close();
        });
    s.start();
    open.add(() -> s.stop(0));
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort());
  }

  private static Backend.Session<float[], float[]> session(URI uri) {
    RemoteBackend b =
        RemoteBackend.builder(uri)
            .input(TensorCodec.floats("input"))
            .output(TensorCodec.floats("output"))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    ModelSpec<float[], float[]> spec =
        ModelSpec.builder("m", float[].class, float[].class).version("1.0.0").backend(b).build();
    Placement p = b.place(spec).get(0);
    assertEquals("remote:127.0.0.1:" + uri.getPort(), p.device());
    return b.load(spec, p).newSession();
  }

  private static Call<float[]> call(CallOptions o, Duration left) {
    return new Call<>(new float[] {1, 2}, o, left);
  }

  @Test
  void callWhoseDeadlinePassed_isNeverSent() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    URI uri = stub(calls, new AtomicReference<>(), 200, "{}");
    Backend.Session<float[], float[]> s = session(uri);
    assertThrows(
        DeadlineExceededException.class,
        () -> s.predict(List.of(call(CallOptions.ofDefaults(), Duration.ZERO))));
    assertThrows(
        DeadlineExceededException.class,
        () -> s.predict(List.of(call(CallOptions.ofDefaults(), Duration.ofMillis(-5)))));
    assertEquals(0, calls.get(), "nothing reached the server");
  }

  @Test
  void serverThatNeverAnswers_deadlineBecomesTheRequestTimeout() throws Exception {
    ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    open.add(blackHole);
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    Thread acceptor =
        new Thread(
            () -> {
              try {
                while (true) {
                  accepted.add(blackHole.accept()); // reads nothing, answers nothing
                }
              } catch (IOException e) {
                // closed
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    open.add(
        () -> {
          for (Socket s : accepted) {
            s.close();
          }
        });
    RemoteBackend b =
        RemoteBackend.builder(URI.create("http://127.0.0.1:" + blackHole.getLocalPort()))
            .input(TensorCodec.floats("input"))
            .output(TensorCodec.floats("output"))
            .build();
    ModelSpec<float[], float[]> spec =
        ModelSpec.builder("m", float[].class, float[].class).version("1.0.0").backend(b).build();
    Backend.Session<float[], float[]> stalled = b.sessionForTest(spec); // no ready check
    long t0 = System.nanoTime();
    DeadlineExceededException e =
        assertThrows(
            DeadlineExceededException.class,
            () -> stalled.predict(List.of(call(CallOptions.ofDefaults(), Duration.ofMillis(300)))));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 250 && ms < 10_000, "gave up after " + ms + " ms");
    assertTrue(e.getMessage().contains("m@1.0.0"), e.getMessage());
  }

  @Test
  void credentials_areSentAsABearerHeader_andNeverAppearInErrors() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicReference<String> auth = new AtomicReference<>();
    URI uri = stub(calls, auth, 403, "{\"error\":\"tenant not allowed\"}");
    Backend.Session<float[], float[]> s = session(uri);
    CallOptions withKey = CallOptions.builder().credentials(SECRET).build();
    AccessDeniedException e =
        assertThrows(AccessDeniedException.class, () -> s.predict(List.of(call(withKey, null))));
    assertEquals("Bearer " + SECRET, auth.get());
    assertTrue(e.getMessage().contains("tenant not allowed"), e.getMessage());
    assertFalse(String.valueOf(e).contains(SECRET), "the credential leaked: " + e);
  }

  @Test
  void callsOfOneBatchWithDifferentCredentials_goAsOneRequestPerCredential() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    URI uri =
        stub(
            calls,
            new AtomicReference<>(),
            200,
            "{\"outputs\":[{\"name\":\"output\","
                + "\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[7.5]}]}");
    Backend.Session<float[], float[]> s = session(uri);
    List<float[]> out =
        s.predict(
            List.of(
                call(CallOptions.builder().credentials("a").build(), null),
                call(CallOptions.builder().credentials("b").build(), null)));
    assertEquals(2, calls.get());
    assertEquals(7.5f, out.get(0)[0]);
    assertEquals(7.5f, out.get(1)[0]);
  }

  @Test
  void statuses_mapToMaasdkExceptions() throws Exception {
    record Case(int status, Class<? extends Exception> expected) {}
    for (Case c :
        List.of(
            new Case(400, InvalidInputException.class),
            new Case(401, AccessDeniedException.class),
            new Case(429, OverloadedException.class),
            new Case(503, ModelUnavailableException.class),
            new Case(404, ModelUnavailableException.class),
            new Case(504, DeadlineExceededException.class),
            new Case(500, IllegalStateException.class))) {
      URI uri =
          stub(
              new AtomicInteger(),
              new AtomicReference<>(),
              c.status(),
              "{\"error\":\"told by the stub\"}");
      Exception e =
          assertThrows(
              Exception.class,
              () -> session(uri).predict(List.of(call(CallOptions.ofDefaults(), null))));
      assertInstanceOf(c.expected(), e, "status " + c.status());
      assertTrue(e.getMessage().contains("told by the stub"), e.getMessage());
      if (e instanceof MaasdkException me) {
        assertEquals("m", me.modelName());
      }
    }
  }

  @Test
  void serverFailsOneInputWith500_theKnownGoodProbeBlamesTheInput_notTheRemote() throws Exception {
    AtomicInteger infers = new AtomicInteger();
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        ex -> {
          byte[] b;
          int status = 200;
          if (ex.getRequestURI().getPath().endsWith("/infer")) {
            infers.incrementAndGet();
            OipJson.Message m = OipJson.parse(ex.getRequestBody().readAllBytes(), true);
            Tensor in = m.tensors().get(0);
            float[] x = (float[]) in.data();
            int n = (int) in.shape()[0];
            boolean poison = false;
            for (float v : x) {
              poison |= v == -999f;
            }
            if (poison) {
              status = 500;
              b = OipJson.error("RuntimeError: poison input");
            } else {
              b =
                  OipJson.response(
                      "m",
                      "1",
                      null,
                      List.of(Tensor.fp32("output", new long[] {n, 1}, new float[n])));
            }
          } else {
            b = new byte[0];
          }
          ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
          if (b.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
              o.write(b);
            }
          }
          ex.close();
        });
    s.start();
    open.add(() -> s.stop(0));
    RemoteBackend b =
        RemoteBackend.builder(URI.create("http://127.0.0.1:" + s.getAddress().getPort()))
            .input(TensorCodec.floats("input"))
            .output(TensorCodec.floats("output"))
            .build();
    try (io.maasdk.ModelRuntime rt =
        io.maasdk.ModelRuntime.builder()
            .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
            .build()) {
      rt.deploy(
          ModelSpec.builder("m", float[].class, float[].class)
              .version("1.0.0")
              .backend(b)
              .warmup(new float[] {0, 0})
              .failurePolicy(
                  io.maasdk.FailurePolicy.builder().breaker(1, Duration.ofMinutes(1)).build())
              .build());
      io.maasdk.ModelHandle<float[], float[]> h =
          rt.handle("m", "1.0.0", float[].class, float[].class);
      for (int i = 0; i < 3; i++) {
        InvalidInputException e =
            assertThrows(InvalidInputException.class, () -> h.predict(new float[] {-999f, 1}));
        assertTrue(
            e.getMessage().contains("known-good input") && e.getMessage().contains("poison input"),
            e.getMessage());
      }
      assertEquals(1, h.predict(new float[] {1, 2}).length);
      io.maasdk.DeploymentInfo info =
          rt.describe("m", io.maasdk.Version.parse("1.0.0")).orElseThrow();
      assertEquals("CLOSED", info.breakerState(), "a bad input is not the remote's failure");
      assertEquals(0, info.replicaRestarts(), "no fresh session was needed");
    }
  }

  @Test
  void nobodyListening_isUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RemoteBackend b =
        RemoteBackend.builder(URI.create("http://127.0.0.1:" + port))
            .input(TensorCodec.floats("input"))
            .output(TensorCodec.floats("output"))
            .build();
    ModelSpec<float[], float[]> spec =
        ModelSpec.builder("m", float[].class, float[].class).version("1.0.0").backend(b).build();
    ModelUnavailableException e =
        assertThrows(
            ModelUnavailableException.class,
            () -> b.sessionForTest(spec).predict(List.of(call(CallOptions.ofDefaults(), null))));
    assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
    assertThrows(io.maasdk.ModelLoadException.class, () -> b.load(spec, b.place(spec).get(0)));
  }

  @Test
  void plaintextOnANonLoopbackAddress_isRefusedUnlessAllowed() throws Exception {
    try (io.maasdk.ModelRuntime rt = io.maasdk.ModelRuntime.builder().build()) {
      OipServer.Builder b =
          OipServer.builder(rt)
              .serve("m", TensorCodec.floats("i"), TensorCodec.floats("o"))
              .bind(new InetSocketAddress("0.0.0.0", 0));
      IllegalStateException e = assertThrows(IllegalStateException.class, b::start);
      assertTrue(e.getMessage().contains("not a loopback address"), e.getMessage());
      try (OipServer server = b.allowPlaintext().start()) {
        assertTrue(server.port() > 0);
      }
    }
  }
}
