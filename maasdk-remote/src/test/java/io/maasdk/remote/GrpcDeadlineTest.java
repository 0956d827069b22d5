package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.remote.grpc.InferenceService;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.InferTensorContents;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gRPC call's deadline is its timeout at the maasdk endpoint: calls that wait in the queue past
 * it answer {@code DEADLINE_EXCEEDED} and are never computed; the version keeps serving.
 */
class GrpcDeadlineTest {

  @Test
  void callsQueuedPastTheirGrpcDeadline_areNotComputed_andTheServerKeepsServing() throws Exception {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    ExecutorService callers = Executors.newFixedThreadPool(24);
    try (ModelRuntime host =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .listener(events::add)
            .build()) {
      host.deploy(
          ModelSpec.builder("slow", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.classpath(TestModels.resource("slow")))
              .translator(Codecs.floatVector(4))
              .devicePolicy(DevicePolicy.cpu())
              .replicas(1) // one worker: the queue behind it is what expires
              .batching(BatchingPolicy.disabled())
              .warmup(new float[4])
              .build());
      try (GrpcServer server =
          GrpcServer.builder(host)
              .serve("slow", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .start()) {
        ManagedChannel ch =
            ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
          ModelInferRequest q =
              ModelInferRequest.newBuilder()
                  .setModelName("slow")
                  .addInputs(
                      ModelInferRequest.InferInputTensor.newBuilder()
                          .setName("input")
                          .setDatatype("FP32")
                          .addShape(1)
                          .addShape(4)
                          .setContents(
                              InferTensorContents.newBuilder()
                                  .addFp32Contents(1)
                                  .addFp32Contents(2)
                                  .addFp32Contents(3)
                                  .addFp32Contents(4)))
                  .build();
          for (int i = 0; i < 5; i++) { // warm: the connection is open, the code compiled
            ClientCalls.blockingUnaryCall(
                ch,
                InferenceService.MODEL_INFER,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                q);
          }
          int warm = events.size();
          // 24 calls at once on one replica that takes milliseconds each, 40 ms deadlines
          List<CompletableFuture<Status.Code>> fs = new ArrayList<>();
          for (int i = 0; i < 24; i++) {
            fs.add(
                CompletableFuture.supplyAsync(
                    () -> {
                      try {
                        ClientCalls.blockingUnaryCall(
                            ch,
                            InferenceService.MODEL_INFER,
                            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(
                                40, TimeUnit.MILLISECONDS),
                            q);
                        return Status.Code.OK;
                      } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                      }
                    },
                    callers));
          }
          int expired = 0;
          for (CompletableFuture<Status.Code> f : fs) {
            Status.Code c = f.get(60, TimeUnit.SECONDS);
            assertTrue(c == Status.Code.OK || c == Status.Code.DEADLINE_EXCEEDED, "got " + c);
            expired += c == Status.Code.DEADLINE_EXCEEDED ? 1 : 0;
          }
          assertTrue(expired > 0, "some calls must wait past 40 ms behind the others");
          Thread.sleep(500); // let the server's queue settle
          List<InferenceEvent> burst = events.subList(warm, events.size());
          List<InferenceEvent> ran = burst.stream().filter(e -> e.inferenceNanos() > 0).toList();
          // The server's deadline is what the client had left when the call arrived (at most 40
          // ms): no call may start computing after waiting longer than that. Counting client-side
          // expiries instead is not exact: a call that starts just before its server-side deadline
          // can still reach the client after the client's, and with staggered deadlines more than
          // one can (seen: 4 computed, 22 expired of 24, every computed one started in time).
          for (InferenceEvent e : ran) {
            assertTrue(
                e.queueWaitNanos() < TimeUnit.MILLISECONDS.toNanos(40),
                "computed after waiting "
                    + TimeUnit.NANOSECONDS.toMillis(e.queueWaitNanos())
                    + " ms, past its 40 ms deadline");
          }
          assertTrue(
              ran.size() < 24,
              ran.size() + " computed, " + expired + " expired of 24: the expired were computed");
          // and the version keeps serving
          assertEquals(
              4,
              ClientCalls.blockingUnaryCall(
                      ch,
                      InferenceService.MODEL_INFER,
                      io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                      q)
                  .getOutputs(0)
                  .getContents()
                  .getFp32ContentsCount());
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } finally {
      callers.shutdownNow();
    }
  }
}
