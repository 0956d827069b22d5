package io.maasdk.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One remote version over gRPC on three endpoints (three child JVMs, {@link GrpcServer}): one is
 * slow, one is killed mid-run and comes back.
 */
class GrpcFailoverTest {

  @Test
  void threeGrpcEndpoints_oneSlow_oneKilledMidRun_noCallFails_ejectedAndReadmitted()
      throws Exception {
    List<ChildEndpoint> children = new ArrayList<>();
    try {
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 0));
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 0));
      children.add(ChildEndpoint.startWithGrpc("1.0.0", 0, 30)); // slow: 30 ms more per call
      GrpcBackend.Builder b =
          GrpcBackend.builder(children.get(0).grpcUri())
              .model("digits-mlp")
              .input(TensorCodec.floats("input"))
              .output(TensorCodec.floats("output"))
              .ejection(Duration.ofMillis(200), Duration.ofMillis(400));
      b.endpoint(children.get(1).grpcUri()).endpoint(children.get(2).grpcUri());
      GrpcBackend remote = b.build();
      // it comes back on the same port: its ModelReady check re-admits it
      FailoverHarness.killAndRestartMidRun(
          children,
          remote,
          remote::endpointStatus,
          victim -> ChildEndpoint.startWithGrpc("1.0.0", victim.grpcPort, 0));
    } finally {
      for (ChildEndpoint c : children) {
        c.close();
      }
    }
  }
}
