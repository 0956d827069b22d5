package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.AccessDeniedException;
import io.maasdk.CachePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 11: audit records say who; every management call is checked and recorded. */
class ManagementAuditTest {
  private static final KeysetHandle AUDIT = KeyPurpose.AUDIT.generate();
  private static final ApiKeys KEYS = ApiKeys.of(KeyPurpose.PRF.generate());
  private static final String OPS = ApiKeys.newKey();
  private static final AccessPolicy POLICY =
      AccessPolicy.builder()
          .role("root", Permission.of("*", Action.ADMIN))
          .principal("ops-bot", KEYS.hash(OPS), "root")
          .build();

  @TempDir Path tmp;

  private ModelSpec<float[], float[]> digits() {
    ModelSource src =
        ModelSource.file(
            TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("model.pt")));
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version("1.0.0")
        .source(src)
        .translator(Codecs.floatVector(64))
        .cachePolicy(CachePolicy.ofDefaults())
        .build();
  }

  private static String field(String line, int i) {
    return line.split("\t", -1)[i];
  }

  @Test
  void managementRecords_nameThePrincipalAndTenant_neverTheKey_andInvalidateIsGuarded()
      throws IOException {
    Path log = tmp.resolve("audit.log");
    try (AuditLog audit = AuditLog.open(log, AUDIT);
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(
                    audit.managementRecorder()) // registered first; runs after access control
                .interceptor(AccessControl.of(POLICY, KEYS))
                .build()) {
      rt.admin(OPS).deploy(digits());
      rt.handle("digits", "1.0.0", float[].class, float[].class)
          .predict(
              TestModels.digitsTestSet().features()[0],
              io.maasdk.CallOptions.builder().credentials(OPS).build());
      AccessDeniedException e =
          assertThrows(AccessDeniedException.class, () -> rt.invalidate("digits"));
      assertTrue(e.getMessage().contains("invalidate"), e.getMessage());
      assertThrows(
          AccessDeniedException.class, () -> rt.invalidate("digits", Version.parse("1.0.0")));
      assertThrows(AccessDeniedException.class, () -> rt.undeploy("digits", "1.0.0"));
    }
    List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(2, l.size(), "refused requests are not recorded as requested: " + l);
    assertEquals("deploy", field(l.get(0), 3));
    assertEquals("ops-bot", field(l.get(0), 6), "the principal, not 'credentialed'");
    assertEquals("requested tenant=ops-bot", field(l.get(0), 7));
    assertEquals("done tenant=ops-bot", field(l.get(1), 7));
    assertFalse(String.join("\n", l).contains(OPS), "the key is never written");
    assertTrue(AuditLog.verify(log, AUDIT).valid());
  }

  @Test
  void invalidateWithCredentials_isRecordedWithItsPrincipal() throws IOException {
    Path log = tmp.resolve("audit.log");
    try (AuditLog audit = AuditLog.open(log, AUDIT);
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(AccessControl.of(POLICY, KEYS))
                .interceptor(audit.managementRecorder())
                .build()) {
      rt.admin(OPS).deploy(digits());
      float[] x = TestModels.digitsTestSet().features()[0];
      var h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      h.predict(x, io.maasdk.CallOptions.builder().credentials(OPS).build());
      assertEquals(1, rt.admin(OPS).invalidate("digits"));
      assertTrue(rt.admin(OPS).invalidate("digits", Version.parse("1.0.0")));
    }
    List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(6, l.size(), l.toString());
    assertEquals("invalidate", field(l.get(2), 3));
    assertEquals("ops-bot", field(l.get(2), 6));
    assertEquals("-", field(l.get(2), 5));
    assertEquals("1.0.0", field(l.get(4), 5));
    assertEquals("done tenant=ops-bot", field(l.get(5), 7));
  }

  /** Issue 16: an automatic rollback's audit records say why (the gate that failed). */
  @Test
  void rollbackRecords_carryTheReason_otherRecordsHaveNone() throws IOException {
    Path log = tmp.resolve("audit.log");
    String why = "rollout of 1.0.1 rolled back: error rate of 1.0.1: 9 of 40 calls failed";
    try (AuditLog audit = AuditLog.open(log, AUDIT);
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(AccessControl.of(POLICY, KEYS))
                .interceptor(audit.managementRecorder())
                .build()) {
      rt.admin(OPS).deploy(digits());
      ModelSource src =
          ModelSource.file(
              TestModels.copy(
                  TestModels.digitsResource("mlp", "2.0.0"),
                  tmp.resolve("v2").resolve("model.pt")));
      rt.admin(OPS)
          .deploy(
              ModelSpec.builder("digits", float[].class, float[].class)
                  .version("1.0.1")
                  .source(src)
                  .translator(Codecs.floatVector(64))
                  .build());
      rt.admin(OPS).setAlias("digits", "stable", io.maasdk.AliasTarget.of(Version.parse("1.0.1")));
      rt.admin(OPS)
          .rollbackTo("digits", "stable", io.maasdk.AliasTarget.of(Version.parse("1.0.0")), why);
    }
    List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(8, l.size(), l.toString());
    assertEquals("rollback", field(l.get(6), 3));
    assertEquals("1.0.0", field(l.get(6), 5));
    assertEquals("requested tenant=ops-bot alias=stable reason=" + why, field(l.get(6), 7));
    assertEquals("done tenant=ops-bot alias=stable reason=" + why, field(l.get(7), 7));
    assertEquals("done tenant=ops-bot alias=stable", field(l.get(5), 7), "a plain alias move");
    assertTrue(AuditLog.verify(log, AUDIT).valid());
  }

  /** Issue 12, item 11: call records name the principal (never the key) and the bound tenant. */
  @Test
  void callRecords_nameThePrincipalAndTheBoundTenant_neverTheKey() throws IOException {
    Path log = tmp.resolve("calls.log");
    try (AuditLog audit = AuditLog.open(log, AUDIT);
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .listener(audit.callListener())
                .interceptor(AccessControl.of(POLICY, KEYS))
                .build()) {
      rt.admin(OPS).deploy(digits());
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      h.predict(
          TestModels.digitsTestSet().features()[0],
          io.maasdk.CallOptions.builder().credentials(OPS).build());
      assertThrows(
          AccessDeniedException.class, () -> h.predict(TestModels.digitsTestSet().features()[0]));
    }
    List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(2, l.size(), l.toString());
    assertEquals("call", field(l.get(0), 3));
    assertEquals("ops-bot", field(l.get(0), 6), "the principal the key belongs to");
    assertEquals("success tenant=ops-bot", field(l.get(0), 7));
    assertEquals(AuditLog.UNAUTHENTICATED, field(l.get(1), 6));
    assertEquals("refused tenant=default", field(l.get(1), 7));
    assertFalse(String.join("\n", l).contains(OPS), "the key is never written");
    assertTrue(AuditLog.verify(log, AUDIT).valid());
  }
}
