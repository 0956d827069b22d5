package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Alias history and the rollback stack are bounded by the builder's limit (issue 10, #12), and a
 * fallback is validated when the alias is set (the data model for failover).
 */
class AliasHistoryTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");
  private static final Version V3 = Version.parse("3.0.0");

  private static ModelRuntime runtime(int historyLimit) {
    return ModelRuntime.builder()
        .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
        .aliasHistoryLimit(historyLimit)
        .build();
  }

  @Test
  void oneMillionMoves_keepTheDefaultBound_inHistoryAndRollbackStack() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("e", "1.0.0").build());
      rt.deploy(Models.echo("e", "2.0.0").build());
      for (int i = 0; i < 1_000_000; i++) {
        rt.setAlias("e", "x", i % 2 == 0 ? V1 : V2);
      }
      List<AliasChange> history = rt.aliasHistory("e", "x");
      assertEquals(256, history.size());
      assertEquals(AliasTarget.of(V2), history.get(255).to()); // the newest kept, oldest dropped
      assertEquals(AliasTarget.of(V1), history.get(255).from());

      for (int i = 0; i < 255; i++) { // the stack holds 256 targets: 255 rollbacks
        rt.rollback("e", "x");
      }
      DeploymentConflictException e =
          assertThrows(DeploymentConflictException.class, () -> rt.rollback("e", "x"));
      assertTrue(
          e.getMessage().contains("no previous target")
              && e.getMessage().contains("remembers its last 256 targets"),
          e.getMessage());
      assertEquals(256, rt.aliasHistory("e", "x").size());
    }
  }

  @Test
  void configuredLimit_boundsHistoryAndRollbackAlike() {
    try (ModelRuntime rt = runtime(3)) {
      rt.deploy(Models.echo("e", "1.0.0").build());
      rt.deploy(Models.echo("e", "2.0.0").build());
      rt.deploy(Models.echo("e", "3.0.0").build());
      for (Version v : List.of(V1, V2, V3, V1, V2)) {
        rt.setAlias("e", "x", v);
      }
      assertEquals(
          List.of(AliasTarget.of(V3), AliasTarget.of(V1), AliasTarget.of(V2)),
          rt.aliasHistory("e", "x").stream().map(AliasChange::to).toList());
      assertEquals(AliasTarget.of(V1), rt.rollback("e", "x"));
      assertEquals(AliasTarget.of(V3), rt.rollback("e", "x"));
      assertThrows(DeploymentConflictException.class, () -> rt.rollback("e", "x"));
      assertEquals(3, rt.aliasHistory("e", "x").size());
    }
    assertThrows(IllegalArgumentException.class, () -> ModelRuntime.builder().aliasHistoryLimit(1));
  }

  @Test
  void fallback_mustBeDeployed_isShownInHistory_andRollbackChecksIt() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(Models.echo("e", "1.0.0").build());
      rt.deploy(Models.echo("e", "2.0.0").build());
      DeploymentConflictException notDeployed =
          assertThrows(
              DeploymentConflictException.class,
              () -> rt.setAlias("e", "x", AliasTarget.of(V2).withFallback(V3)));
      assertEquals(
          "cannot point alias 'x' of e at 3.0.0 (as fallback): it is not deployed"
              + " (deployed: [1.0.0, 2.0.0])",
          notDeployed.getMessage());

      rt.setAlias("e", "x", AliasTarget.of(V2).withFallback(V1));
      rt.setAlias("e", "x", V1);
      assertEquals("2.0.0 fallback 1.0.0", rt.aliasHistory("e", "x").get(1).from().toString());

      rt.deploy(Models.echo("e", "3.0.0").build());
      rt.setAlias("e", "y", V2);
      rt.setAlias("e", "y", AliasTarget.of(V2).withFallback(V3));
      rt.setAlias("e", "y", AliasTarget.of(V1).withFallback(V2));
      rt.setAlias("e", "y", V1);
      rt.rollback("e", "y");
      rt.undeploy("e", "3.0.0"); // nothing names it now
      DeploymentConflictException gone =
          assertThrows(DeploymentConflictException.class, () -> rt.rollback("e", "y"));
      assertTrue(
          gone.getMessage()
              .contains("back to 2.0.0 fallback 3.0.0: 3.0.0 is no longer" + " deployed"),
          gone.getMessage());
      assertEquals(AliasTarget.of(V1).withFallback(V2), rt.aliases("e").get("y"));
    }
  }
}
