package io.maasdk.remote;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One remote version on three endpoints (three child JVMs); one is killed mid-run. */
class EndpointFailoverTest {

  @Test
  void threeEndpoints_oneKilledMidRun_noCallFails_itIsEjected_andReadmittedWhenBack()
      throws Exception {
    List<ChildEndpoint> children = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        children.add(ChildEndpoint.start("1.0.0", 0));
      }
      RemoteBackend.Builder b =
          RemoteBackend.builder(children.get(0).uri())
              .model("digits-mlp")
              .input(TensorCodec.floats("input"))
              .output(TensorCodec.floats("output"))
              .ejection(Duration.ofMillis(200), Duration.ofMillis(400));
      b.endpoint(children.get(1).uri()).endpoint(children.get(2).uri());
      RemoteBackend remote = b.build();
      // it comes back on the same port: the first request it answers re-admits it
      FailoverHarness.killAndRestartMidRun(
          children,
          remote,
          remote::endpointStatus,
          victim -> ChildEndpoint.start("1.0.0", victim.port));
    } finally {
      for (ChildEndpoint c : children) {
        c.close();
      }
    }
  }
}
