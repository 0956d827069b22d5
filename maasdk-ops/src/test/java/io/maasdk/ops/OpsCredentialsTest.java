package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.AccessDeniedException;
import io.maasdk.AliasTarget;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.ManagementRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watchers and rollouts manage with ModelOps' credential, so access control applies to them. */
class OpsCredentialsTest {
  @TempDir Path root;

  @Test
  void watcherAndRollouts_manageWithTheirCredential_whichAccessControlChecks() {
    CallInterceptor opsOnly =
        new CallInterceptor() {
          @Override
          public void beforeCall(CallContext call) {}

          @Override
          public void beforeManagement(ManagementRequest r) {
            if (!"ops-key".equals(r.credentials())) {
              throw new AccessDeniedException(
                  r.modelName(), r.version(), r.action() + " needs the ops credential");
            }
          }
        };
    ModelOps ops = ModelOps.builder().credentials("ops-key").build();
    try (ModelRuntime runtime =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(opsOnly)
            .extension(ops)
            .build()) {
      Fixtures.version(root, "1.0.0", "1.0.0");
      RepositoryWatcher w =
          ops.watch(Fixtures.store(root), Fixtures.template())
              .settle(Duration.ZERO)
              .watchInBackground(false)
              .rollOut(
                  "stable", RolloutPolicy.builder().steps(50, 100).minCallsPerStep(1000).build())
              .start();
      Fixtures.version(root, "2.0.0", "2.0.0");

      assertEquals(
          List.of(RepositoryEvent.Kind.DEPLOYED),
          w.syncNow().stream().map(RepositoryEvent::kind).toList());
      Version v1 = Version.parse("1.0.0");
      Version v2 = Version.parse("2.0.0");
      assertEquals(AliasTarget.split(Map.of(v1, 50, v2, 50)), runtime.aliases(MODEL).get("stable"));
      assertEquals(Rollout.State.ABORTED, ops.rollouts().abort(MODEL, "stable").state());
      assertThrows(
          AccessDeniedException.class,
          () -> runtime.setAlias(MODEL, "stable", v2),
          "without the credential, management is refused");
    }
  }
}
