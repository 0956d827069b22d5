package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.maasdk.AccessDeniedException;
import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.Placement;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.remote.grpc.InferenceService;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.InferTensorContents;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelMetadataRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelMetadataResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelReadyRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ServerReadyRequest;
import io.maasdk.spi.Backend;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC endpoint ({@link GrpcServer}) hosting the real digits models, called through {@link
 * GrpcBackend} remote versions and with raw protocol messages.
 */
class GrpcEndpointTest {
  private static final String SECRET = "s3cret-token";
  private static final List<InferenceEvent> HOST_EVENTS = new CopyOnWriteArrayList<>();
  private static ModelRuntime host;
  private static GrpcServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void serve() throws Exception {
    // Access control at the host: calls need credentials; the principal is the tenant.
    CallInterceptor auth =
        new CallInterceptor() {
          @Override
          public Phase phase() {
            return Phase.AUTHENTICATION;
          }

          @Override
          public void beforeCall(io.maasdk.spi.CallContext ctx) {
            String c = ctx.options().credentials();
            if (c == null || !c.equals(SECRET)) {
              throw new AccessDeniedException(ctx.modelName(), null, "no valid credentials");
            }
            ctx.bind("alice", ctx.options().tenant());
          }
        };
    host =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(auth)
            .listener(HOST_EVENTS::add)
            .build();
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      host.deploy(DigitsEndpointMain.spec(v).build());
    }
    host.setAlias("digits-mlp", "stable", AliasTarget.of(Version.parse("1.1.0")));
    server =
        GrpcServer.builder(host)
            .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
            .tenant(credentials -> credentials.equals(SECRET) ? "tenant-alice" : null)
            .start();
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    if (host != null) {
      host.close();
    }
  }

  private static GrpcBackend.Builder remote() {
    return GrpcBackend.builder(URI.create("grpc://127.0.0.1:" + server.port()))
        .model("digits-mlp")
        .input(TensorCodec.floats("input"))
        .output(TensorCodec.floats("output"));
  }

  private static final CallOptions AUTH =
      CallOptions.builder().credentials(SECRET).timeout(Duration.ofSeconds(30)).build();

  @Test
  void remoteVersions_answerExactlyAsLocal_pinnedAndBySelector_batched() throws Exception {
    float[][] x = TestModels.digitsTestSet().features();
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      rt.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("2.0.0")
              .backend(remote().build())
              .batching(BatchingPolicy.of(16, Duration.ofMillis(2)))
              .build());
      rt.deploy(
          ModelSpec.builder("digits", float[].class, float[].class)
              .version("1.1.0")
              .backend(remote().version("stable").build())
              .build());
      ModelHandle<float[], float[]> v2 = rt.handle("digits", "2.0.0", float[].class, float[].class);
      ModelHandle<float[], float[]> stable =
          rt.handle("digits", "1.1.0", float[].class, float[].class);
      ModelHandle<float[], float[]> local2 =
          host.handle("digits-mlp", "2.0.0", float[].class, float[].class);
      ModelHandle<float[], float[]> local11 =
          host.handle("digits-mlp", "1.1.0", float[].class, float[].class);

      float[][] want = TestModels.expectedLogits("mlp", "2.0.0");
      for (int i = 0; i < want.length; i++) {
        Prediction<float[]> p = v2.predictDetailed(x[i], AUTH);
        assertArrayEquals(local2.predict(x[i], AUTH), p.output(), "input " + i);
        assertArrayEquals(TestModels.expectedLogits("mlp", "2.0.0")[i], p.output(), 1e-4f);
        assertEquals("remote:127.0.0.1:" + server.port(), p.device());
        assertArrayEquals(local11.predict(x[i], AUTH), stable.predict(x[i], AUTH));
      }
      // many concurrent calls: batches travel as one request each, answers stay in order
      List<CompletableFuture<float[]>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(v2.predictAsync(x[i % want.length], AUTH));
      }
      for (int i = 0; i < fs.size(); i++) {
        assertArrayEquals(
            want[i % want.length], fs.get(i).get(60, TimeUnit.SECONDS), 1e-4f, "call " + i);
      }
      assertTrue(
          HOST_EVENTS.stream()
              .anyMatch(e -> e.tenant().equals("tenant-alice") && "alice".equals(e.principal())),
          "metering at the host sees the principal's tenant");

      // no credentials: the host's access control refuses, the caller gets AccessDenied
      assertThrows(
          AccessDeniedException.class,
          () -> v2.predict(x[0], CallOptions.builder().timeout(Duration.ofSeconds(30)).build()));
      // input the remote model refuses (wrong width): the input is at fault
      InvalidInputException bad =
          assertThrows(InvalidInputException.class, () -> v2.predict(new float[3], AUTH));
      assertTrue(bad.getMessage().contains("digits"), bad.getMessage());
    }
  }

  @Test
  void aCallWhoseDeadlinePassed_isNeverSent() throws Exception {
    ModelSpec<float[], float[]> spec =
        ModelSpec.builder("digits", float[].class, float[].class)
            .version("1.0.0")
            .backend(remote().build())
            .build();
    GrpcBackend backend = remote().build();
    try (Backend.Loaded<float[], float[]> loaded =
            backend.load(spec, new Placement(0, backend.device(), "test"));
        Backend.Session<float[], float[]> session = loaded.newSession()) {
      float[] x = TestModels.digitsTestSet().features()[3];
      int before = HOST_EVENTS.size();
      DeadlineExceededException e =
          assertThrows(
              DeadlineExceededException.class,
              () -> session.predict(List.of(new Backend.Call<>(x, AUTH, Duration.ZERO))));
      assertTrue(e.getMessage().contains("not sent"), e.getMessage());
      Thread.sleep(200);
      assertEquals(before, HOST_EVENTS.size(), "the host saw no call");
      // a live deadline is sent and answered
      List<float[]> got =
          session.predict(List.of(new Backend.Call<>(x, AUTH, Duration.ofSeconds(30))));
      assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[3], got.get(0), 1e-4f);
    }
  }

  private static ModelInferResponse infer(ModelInferRequest r, String credentials) {
    Metadata h = new Metadata();
    if (credentials != null) {
      h.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + credentials);
    }
    return ClientCalls.blockingUnaryCall(
        io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h)),
        InferenceService.MODEL_INFER,
        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
        r);
  }

  private static ModelInferRequest request(
      String model, String version, String datatype, long[] shape, float[] data) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    for (float f : data) {
      c.addFp32Contents(f);
    }
    ModelInferRequest.InferInputTensor.Builder t =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName("input")
            .setDatatype(datatype)
            .setContents(c);
    for (long d : shape) {
      t.addShape(d);
    }
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .setModelVersion(version)
        .setId("req-1")
        .addInputs(t)
        .build();
  }

  private static Status.Code code(Runnable r) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, r::run);
    return e.getStatus().getCode();
  }

  @Test
  void rawProtocol_badInputIsInvalidArgument_unknownIsNotFound_serverKeepsServing() {
    float[] x = TestModels.digitsTestSet().features()[7];
    int successesBefore = successes();
    // shape says 2 rows, data has one
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(() -> infer(request("digits-mlp", "1", "FP32", new long[] {2, 64}, x), SECRET)));
    // a data type the protocol does not have
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(() -> infer(request("digits-mlp", "1", "FP23", new long[] {1, 64}, x), SECRET)));
    // the right shape but the model wants 64 features, not 3
    StatusRuntimeException narrow =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                infer(request("digits-mlp", "1", "FP32", new long[] {1, 3}, new float[3]), SECRET));
    assertEquals(Status.Code.INVALID_ARGUMENT, narrow.getStatus().getCode());
    assertTrue(
        narrow.getStatus().getDescription().contains("digits-mlp@1.0.0"),
        narrow.getStatus().getDescription());
    // a version slot that is not a version
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(
            () ->
                infer(
                    request("digits-mlp", "not a" + " version!", "FP32", new long[] {1, 64}, x),
                    SECRET)));
    // unknown model, unknown version
    StatusRuntimeException nf =
        assertThrows(
            StatusRuntimeException.class,
            () -> infer(request("nope", "1", "FP32", new long[] {1, 64}, x), SECRET));
    assertEquals(Status.Code.NOT_FOUND, nf.getStatus().getCode());
    assertTrue(nf.getStatus().getDescription().contains("digits-mlp"));
    assertEquals(
        Status.Code.NOT_FOUND,
        code(() -> infer(request("digits-mlp", "7", "FP32", new long[] {1, 64}, x), SECRET)));
    // credentials: none → UNAUTHENTICATED, unrecognised → UNAUTHENTICATED
    assertEquals(
        Status.Code.UNAUTHENTICATED,
        code(() -> infer(request("digits-mlp", "1", "FP32", new long[] {1, 64}, x), null)));
    assertEquals(
        Status.Code.UNAUTHENTICATED,
        code(() -> infer(request("digits-mlp", "1", "FP32", new long[] {1, 64}, x), "wrong")));
    assertEquals(successesBefore, successes(), "no refused request was metered as a success");

    // and the server keeps serving: a good request by version selector
    ModelInferResponse ok =
        infer(request("digits-mlp", "stable", "FP32", new long[] {1, 64}, x), SECRET);
    assertEquals("1.1.0", ok.getModelVersion());
    assertEquals("req-1", ok.getId());
    float[] got = new float[ok.getOutputs(0).getContents().getFp32ContentsCount()];
    for (int i = 0; i < got.length; i++) {
      got[i] = ok.getOutputs(0).getContents().getFp32Contents(i);
    }
    assertArrayEquals(TestModels.expectedLogits("mlp", "1.1.0")[7], got, 1e-4f);
    assertEquals(List.of(1L, (long) got.length), ok.getOutputs(0).getShapeList());

    // health and metadata
    assertTrue(
        ClientCalls.blockingUnaryCall(
                channel,
                InferenceService.SERVER_LIVE,
                io.grpc.CallOptions.DEFAULT,
                ServerLiveRequest.getDefaultInstance())
            .getLive());
    assertTrue(
        ClientCalls.blockingUnaryCall(
                channel,
                InferenceService.SERVER_READY,
                io.grpc.CallOptions.DEFAULT,
                ServerReadyRequest.getDefaultInstance())
            .getReady());
    assertTrue(
        ClientCalls.blockingUnaryCall(
                channel,
                InferenceService.MODEL_READY,
                io.grpc.CallOptions.DEFAULT,
                ModelReadyRequest.newBuilder().setName("digits-mlp").setVersion("^1").build())
            .getReady());
    ModelMetadataResponse md =
        ClientCalls.blockingUnaryCall(
            channel,
            InferenceService.MODEL_METADATA,
            io.grpc.CallOptions.DEFAULT,
            ModelMetadataRequest.newBuilder().setName("digits-mlp").build());
    assertEquals(List.of("1", "1.1.0", "2"), md.getVersionsList().stream().sorted().toList());
    assertEquals("input", md.getInputs(0).getName());
  }

  @Test
  void rawInputContents_asTritonClientsSendThem_answerLikeTypedContents() {
    float[] x = TestModels.digitsTestSet().features()[9];
    java.nio.ByteBuffer raw =
        java.nio.ByteBuffer.allocate(4 * x.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float f : x) {
      raw.putFloat(f);
    }
    raw.flip();
    ModelInferRequest r =
        ModelInferRequest.newBuilder()
            .setModelName("digits-mlp")
            .setModelVersion("2")
            .addInputs(
                ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("input")
                    .setDatatype("FP32")
                    .addShape(1)
                    .addShape(64))
            .addRawInputContents(com.google.protobuf.ByteString.copyFrom(raw))
            .build();
    ModelInferResponse ok = infer(r, SECRET);
    float[] got = new float[ok.getOutputs(0).getContents().getFp32ContentsCount()];
    for (int i = 0; i < got.length; i++) {
      got[i] = ok.getOutputs(0).getContents().getFp32Contents(i);
    }
    assertArrayEquals(TestModels.expectedLogits("mlp", "2.0.0")[9], got, 1e-4f);
    // raw contents one byte short: INVALID_ARGUMENT naming the tensor
    ModelInferRequest shortRaw =
        r.toBuilder()
            .setRawInputContents(0, com.google.protobuf.ByteString.copyFrom(new byte[4 * 64 - 1]))
            .build();
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> infer(shortRaw, SECRET));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("'input'"), e.getStatus().getDescription());
  }

  /** The README's gRPC snippets ("Call a remote model", "Serve your models"), on free ports. */
  @Test
  void readmeSnippets() throws Exception {
    try (ModelRuntime runtime =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      runtime.deploy(DigitsEndpointMain.spec("2.0.0").build());
      GrpcServer grpc =
          GrpcServer.builder(runtime)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .tenant(credentials -> principalIdOf(credentials)) // null: UNAUTHENTICATED
              .bind(new InetSocketAddress("127.0.0.1", 0)) // README: 8001
              .start();
      try {
        GrpcBackend remote =
            GrpcBackend.builder(URI.create("grpc://127.0.0.1:" + grpc.port()))
                .endpoint(URI.create("grpc://127.0.0.1:" + grpc.port())) // more servers
                .model("digits-mlp")
                .input(TensorCodec.floats("input"))
                .output(TensorCodec.floats("output"))
                .build();
        runtime.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("2.0.0")
                .backend(remote)
                .batching(BatchingPolicy.of(32, Duration.ofMillis(2))) // one ModelInfer per batch
                .build());
        float[] x = TestModels.digitsTestSet().features()[1];
        assertArrayEquals(
            TestModels.expectedLogits("mlp", "2.0.0")[1],
            runtime
                .handle("digits", "2.0.0", float[].class, float[].class)
                .predict(x, CallOptions.builder().credentials("key-of-bob").build()),
            1e-4f);
      } finally {
        grpc.close();
      }
    }
  }

  private static String principalIdOf(String credentials) {
    return credentials.startsWith("key-of-") ? credentials.substring(7) : null;
  }

  @Test
  void aMessageOverMaxRequestBytes_isResourceExhausted_andTheServerKeepsServing() throws Exception {
    try (GrpcServer small =
        GrpcServer.builder(host)
            .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
            .tenant(credentials -> credentials.equals(SECRET) ? "tenant-alice" : null)
            .maxRequestBytes(4096)
            .start()) {
      ManagedChannel ch =
          ManagedChannelBuilder.forAddress("127.0.0.1", small.port()).usePlaintext().build();
      try {
        io.grpc.Channel authed =
            io.grpc.ClientInterceptors.intercept(
                ch, MetadataUtils.newAttachHeadersInterceptor(bearer(SECRET)));
        float[] rows = new float[32 * 64]; // 8 KiB of floats
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ClientCalls.blockingUnaryCall(
                        authed,
                        InferenceService.MODEL_INFER,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                        request("digits-mlp", "1", "FP32", new long[] {32, 64}, rows)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        ModelInferResponse ok =
            ClientCalls.blockingUnaryCall(
                authed,
                InferenceService.MODEL_INFER,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                request(
                    "digits-mlp",
                    "1",
                    "FP32",
                    new long[] {1, 64},
                    TestModels.digitsTestSet().features()[2]));
        assertEquals("1", ok.getModelVersion());
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static Metadata bearer(String credentials) {
    Metadata h = new Metadata();
    h.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + credentials);
    return h;
  }

  private static int successes() {
    return (int)
        HOST_EVENTS.stream().filter(e -> e.outcome() == InferenceEvent.Outcome.SUCCESS).count();
  }

  @Test
  void plaintextOnANonLoopbackAddress_isRefused_unlessAllowed() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                GrpcServer.builder(host)
                    .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
                    .bind(new InetSocketAddress("0.0.0.0", 0))
                    .start());
    assertTrue(e.getMessage().contains("plaintext"), e.getMessage());
  }
}
