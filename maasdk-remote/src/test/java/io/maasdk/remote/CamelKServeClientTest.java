package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import inference.GrpcPredictV2;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.maasdk.ModelRuntime;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/**
 * A real third-party client against the gRPC endpoint: Apache Camel's KServe component ({@code
 * camel-kserve}, with its own copy of KServe's generated classes and its own grpc-java) calls the
 * digits models that a {@link GrpcServer} serves.
 */
class CamelKServeClientTest {

  private static GrpcPredictV2.ModelInferRequest request(
      String model, String version, long[] shape, float[] data) {
    GrpcPredictV2.InferTensorContents.Builder c = GrpcPredictV2.InferTensorContents.newBuilder();
    for (float f : data) {
      c.addFp32Contents(f);
    }
    GrpcPredictV2.ModelInferRequest.InferInputTensor.Builder t =
        GrpcPredictV2.ModelInferRequest.InferInputTensor.newBuilder()
            .setName("input")
            .setDatatype("FP32")
            .setContents(c);
    for (long d : shape) {
      t.addShape(d);
    }
    return GrpcPredictV2.ModelInferRequest.newBuilder()
        .setModelName(model)
        .setModelVersion(version)
        .addInputs(t)
        .build();
  }

  @Test
  void camelKServe_infersReadyAndMetadata_andGetsProtocolErrors() throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    try (ModelRuntime host =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      for (String v : TestModels.DIGITS_MLP_VERSIONS) {
        host.deploy(DigitsEndpointMain.spec(v).build());
      }
      CamelContext camel = new DefaultCamelContext();
      try (GrpcServer server =
          GrpcServer.builder(host)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .start()) {
        camel.start();
        ProducerTemplate template = camel.createProducerTemplate();
        String target = "target=127.0.0.1:" + server.port();
        float[][] x = TestModels.digitsTestSet().features();
        float[][] want = TestModels.expectedLogits("mlp", "2.0.0");

        // a batch of 4 rows in one request
        float[] rows = new float[4 * 64];
        for (int r = 0; r < 4; r++) {
          System.arraycopy(x[r], 0, rows, r * 64, 64);
        }
        GrpcPredictV2.ModelInferResponse r =
            template.requestBody(
                "kserve:infer?" + target + "&modelName=digits-mlp&modelVersion=2",
                request("", "", new long[] {4, 64}, rows),
                GrpcPredictV2.ModelInferResponse.class);
        assertEquals("digits-mlp", r.getModelName());
        assertEquals("2", r.getModelVersion());
        GrpcPredictV2.ModelInferResponse.InferOutputTensor out = r.getOutputs(0);
        assertEquals("output", out.getName());
        assertEquals("FP32", out.getDatatype());
        int width = (int) out.getShape(1);
        assertEquals(List.of(4L, (long) width), out.getShapeList());
        for (int row = 0; row < 4; row++) {
          float[] got = new float[width];
          for (int i = 0; i < width; i++) {
            got[i] = out.getContents().getFp32Contents(row * width + i);
          }
          assertArrayEquals(want[row], got, 1e-4f, "row " + row);
        }

        GrpcPredictV2.ModelReadyResponse ready =
            template.requestBody(
                "kserve:model/ready?" + target + "&modelName=digits-mlp&modelVersion=1",
                GrpcPredictV2.ModelReadyRequest.getDefaultInstance(),
                GrpcPredictV2.ModelReadyResponse.class);
        assertTrue(ready.getReady());
        GrpcPredictV2.ServerLiveResponse live =
            template.requestBody(
                "kserve:server/live?" + target,
                GrpcPredictV2.ServerLiveRequest.getDefaultInstance(),
                GrpcPredictV2.ServerLiveResponse.class);
        assertTrue(live.getLive());
        GrpcPredictV2.ModelMetadataResponse md =
            template.requestBody(
                "kserve:model/metadata?" + target + "&modelName=digits-mlp",
                GrpcPredictV2.ModelMetadataRequest.getDefaultInstance(),
                GrpcPredictV2.ModelMetadataResponse.class);
        assertEquals("digits-mlp", md.getName());
        assertEquals(3, md.getVersionsCount());

        // protocol errors reach Camel as gRPC statuses
        CamelExecutionException bad =
            assertThrows(
                CamelExecutionException.class,
                () ->
                    template.requestBody(
                        "kserve:infer?" + target + "&modelName=digits-mlp&modelVersion=1",
                        request("", "", new long[] {2, 64}, x[0])));
        assertEquals(Status.Code.INVALID_ARGUMENT, status(bad));
        CamelExecutionException unknown =
            assertThrows(
                CamelExecutionException.class,
                () ->
                    template.requestBody(
                        "kserve:infer?" + target + "&modelName=nope",
                        request("", "", new long[] {1, 64}, x[0])));
        assertEquals(Status.Code.NOT_FOUND, status(unknown));
        assertTrue(
            events.stream()
                .noneMatch(
                    e ->
                        e.outcome() == InferenceEvent.Outcome.SUCCESS
                            && e.version().toString().equals("1.0.0")),
            "the refused request computed nothing");
      } finally {
        camel.stop();
      }
    }
  }

  private static Status.Code status(CamelExecutionException e) {
    Throwable t = e.getCause();
    while (t != null && !(t instanceof StatusRuntimeException)) {
      t = t.getCause();
    }
    assertInstanceOf(StatusRuntimeException.class, t, String.valueOf(e));
    return ((StatusRuntimeException) t).getStatus().getCode();
  }
}
