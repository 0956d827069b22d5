package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.ManagementRequest;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessControlTest {
  private static final ApiKeys KEYS = ApiKeys.of(KeyPurpose.PRF.generate());
  private static final String ALICE_KEY = ApiKeys.newKey();
  private static final String OPS_KEY = ApiKeys.newKey();

  private static final AccessPolicy POLICY =
      AccessPolicy.builder()
          .role("scorer", Permission.of("digits*", Action.PREDICT))
          .role("ops", Permission.of("*", Action.DEPLOY, Action.UNDEPLOY, Action.ALIAS))
          .role("root", Permission.of("*", Action.ADMIN))
          .principal("alice", KEYS.hash(ALICE_KEY), "scorer")
          .principal("ops-bot", KEYS.hash(OPS_KEY), "ops")
          .build();
  private static final AccessControl AC = AccessControl.of(POLICY, KEYS);

  @TempDir Path tmp;

  @Test
  void predict_withRightKey_allowed_otherModel_deniedNamingPermission() {
    assertEquals("alice", AC.check(ALICE_KEY, "digits-mlp", null, Action.PREDICT));
    AccessDeniedException e =
        assertThrows(
            AccessDeniedException.class, () -> AC.check(ALICE_KEY, "fraud", null, Action.PREDICT));
    assertTrue(e.getMessage().contains("'alice'"), e.getMessage());
    assertTrue(
        e.getMessage().contains("lacks permission predict on model 'fraud'"), e.getMessage());
    assertThrows(
        AccessDeniedException.class, () -> AC.check(ALICE_KEY, "digits", null, Action.DEPLOY));
  }

  @Test
  void keyWrongByOneCharacter_denied_keyNeverInMessage() {
    char last = ALICE_KEY.charAt(ALICE_KEY.length() - 1);
    String wrong = ALICE_KEY.substring(0, ALICE_KEY.length() - 1) + (last == 'A' ? 'B' : 'A');
    AccessDeniedException e =
        assertThrows(
            AccessDeniedException.class, () -> AC.check(wrong, "digits", null, Action.PREDICT));
    assertTrue(e.getMessage().contains("matches no principal"), e.getMessage());
    assertFalse(e.getMessage().contains(wrong));
    assertFalse(e.getMessage().contains(ALICE_KEY));
    assertFalse(e.getMessage().contains(KEYS.hash(ALICE_KEY)));
  }

  @Test
  void management_actionsMapped_andAnonymousDeniedByDefault() {
    Version v = Version.parse("1.0.0");
    assertDoesNotThrow(
        () ->
            AC.beforeManagement(
                ManagementRequest.builder(ManagementRequest.Action.ROLLBACK, "fraud")
                    .alias("stable")
                    .credentials(OPS_KEY)
                    .build()));
    AccessDeniedException e =
        assertThrows(
            AccessDeniedException.class,
            () ->
                AC.beforeManagement(
                    ManagementRequest.builder(ManagementRequest.Action.DEPLOY, "digits")
                        .version(v)
                        .credentials(ALICE_KEY)
                        .build()));
    assertTrue(e.getMessage().contains("deploy"), e.getMessage());
    AccessDeniedException anon =
        assertThrows(
            AccessDeniedException.class,
            () ->
                AC.beforeManagement(
                    ManagementRequest.builder(ManagementRequest.Action.UNDEPLOY, "digits")
                        .version(v)
                        .build()));
    assertTrue(anon.getMessage().contains("'anonymous'"), anon.getMessage());
    assertTrue(anon.getMessage().contains("no credentials"), anon.getMessage());
  }

  @Test
  void admin_impliesEverything_andPatternsMatchWholeName() {
    assertTrue(Permission.of("*", Action.ADMIN).allows("x", Action.UNDEPLOY));
    assertTrue(Permission.of("digits*", Action.PREDICT).allows("digits", Action.PREDICT));
    assertFalse(Permission.of("digits", Action.PREDICT).allows("digits-2", Action.PREDICT));
    assertFalse(Permission.of("*-prod", Action.PREDICT).allows("a-prod-x", Action.PREDICT));
    assertThrows(
        IllegalArgumentException.class,
        () -> AccessPolicy.builder().principal("x", KEYS.hash("k"), "undefined-role"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            AccessPolicy.builder()
                .role("r", Permission.of("a", Action.PREDICT))
                .principal("x", ALICE_KEY, "r")); // a raw key is not a stored hash
  }

  @Test
  void runtime_refusesBeforeQueueing_andAnonymousManagementFollowsPolicy() {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("bootstrap", Permission.of("digits", Action.DEPLOY))
            .principal("alice", KEYS.hash(ALICE_KEY), "scorer")
            .anonymous("bootstrap") // core passes no credentials to management calls yet
            .build();
    ModelSource src =
        ModelSource.file(
            TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("model.pt")));
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(AccessControl.of(policy, KEYS))
            .listener(events::add)
            .build()) {
      rt.deploy(Fixtures.spec("digits", "1.0.0", src));
      AccessDeniedException undeploy =
          assertThrows(AccessDeniedException.class, () -> rt.undeploy("digits", "1.0.0"));
      assertTrue(undeploy.getMessage().contains("undeploy"), undeploy.getMessage());
      var h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      float[] x = TestModels.digitsTestSet().features()[0];
      CallOptions alice = CallOptions.builder().credentials(ALICE_KEY).build();
      assertEquals(10, h.predict(x, alice).length);
      String wrong = ALICE_KEY.substring(1) + "x";
      assertThrows(
          AccessDeniedException.class,
          () -> h.predict(x, CallOptions.builder().credentials(wrong).build()));
      assertThrows(AccessDeniedException.class, () -> h.predict(x));
      List<InferenceEvent> refused =
          events.stream().filter(ev -> ev.outcome() == InferenceEvent.Outcome.REFUSED).toList();
      assertEquals(2, refused.size());
      for (InferenceEvent ev : refused) {
        assertEquals(0, ev.batchSize(), "never ran");
        assertEquals(0, ev.queueWaitNanos(), "never queued");
        assertEquals(null, ev.version(), "refused before version resolution");
      }
    }
  }
}
