package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  private static final KeysetHandle KEY = KeyPurpose.AUDIT.generate();

  @TempDir Path tmp;
  private Path log;

  @BeforeEach
  void write() {
    log = tmp.resolve("audit.log");
    try (AuditLog a = AuditLog.open(log, KEY)) {
      a.append(new AuditLog.Entry("deploy", "digits", "1.0.0", "ops-bot", "requested"));
      a.append(new AuditLog.Entry("alias", "digits", null, "ops-bot", "stable -> 1.0.0"));
      a.append(
          new AuditLog.Entry(
              "key-use", "digits", "1.0.0", "runtime", "artifact key 123\twith tab\nand newline"));
      a.append(new AuditLog.Entry("rollback", "digits", null, "ops-bot", "stable"));
      a.append(new AuditLog.Entry("call", "digits", "1.0.0", "acme", "success"));
    }
  }

  private List<String> lines() throws IOException {
    return new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
  }

  private void writeLines(List<String> l) throws IOException {
    Files.write(
        log, (String.join("\n", l) + (l.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
  }

  private AuditVerification verify() {
    return AuditLog.verify(log, KEY);
  }

  @Test
  void intact_verifies_andReopenAppends() {
    assertEquals(AuditVerification.ok(5), verify());
    try (AuditLog a = AuditLog.open(log, KEY)) {
      assertEquals(
          6, a.append(new AuditLog.Entry("undeploy", "digits", "1.0.0", "ops-bot", "requested")));
    }
    assertEquals(AuditVerification.ok(6), verify());
  }

  @Test
  void modification_detectedAtRecord() throws IOException {
    List<String> l = lines();
    l.set(2, l.get(2).replace("key-use", "key-usf"));
    writeLines(l);
    AuditVerification v = verify();
    assertFalse(v.valid());
    assertEquals(3, v.badRecord());
    assertTrue(v.problem().contains("MAC"), v.problem());
    assertThrows(IntegrityException.class, () -> AuditLog.open(log, KEY));
  }

  @Test
  void deletion_detectedAtRecord() throws IOException {
    List<String> l = lines();
    l.remove(1);
    writeLines(l);
    AuditVerification v = verify();
    assertEquals(2, v.badRecord());
    assertTrue(v.problem().contains("deleted"), v.problem());
  }

  @Test
  void insertionOfReplayedRecord_detected() throws IOException {
    List<String> l = lines();
    l.add(3, l.get(1));
    writeLines(l);
    assertEquals(4, verify().badRecord());
  }

  @Test
  void insertionOfForgedRecord_detected() throws IOException {
    List<String> l = lines();
    String[] f = l.get(1).split("\t", -1);
    f[3] = "deploy";
    l.add(2, String.join("\t", f));
    writeLines(l);
    assertEquals(3, verify().badRecord());
  }

  @Test
  void reordering_detected() throws IOException {
    List<String> l = lines();
    Collections.swap(l, 2, 3);
    writeLines(l);
    AuditVerification v = verify();
    assertEquals(3, v.badRecord());
    assertTrue(v.problem().contains("reordered"), v.problem());
  }

  @Test
  void truncationOfWholeRecords_detectedByHead() throws IOException {
    List<String> l = lines();
    writeLines(l.subList(0, 3));
    AuditVerification v = verify();
    assertFalse(v.valid());
    assertEquals(3, v.records());
    assertEquals(4, v.badRecord());
    assertTrue(v.problem().contains("truncated"), v.problem());
  }

  @Test
  void truncationMidRecord_detected() throws IOException {
    byte[] b = Files.readAllBytes(log);
    Files.write(log, java.util.Arrays.copyOf(b, b.length - 10));
    AuditVerification v = verify();
    assertEquals(5, v.badRecord());
    assertTrue(v.problem().contains("cut short"), v.problem());
  }

  @Test
  void wrongKey_failsFirstRecord() {
    assertEquals(1, AuditLog.verify(log, KeyPurpose.AUDIT.generate()).badRecord());
  }

  @Test
  void missingOrForgedHead_detected() throws IOException {
    Path head = AuditLog.headOf(log);
    Files.writeString(head, Files.readString(head).replaceFirst("v1\t5", "v1\t4"));
    assertTrue(verify().problem().contains("head"), verify().problem());
    Files.delete(head);
    assertTrue(verify().problem().contains("missing"), verify().problem());
  }

  @Test
  void managementRecorder_recordsTheRequestAndHowItEnded() throws IOException {
    Path managed = tmp.resolve("managed.log");
    try (AuditLog a = AuditLog.open(managed, KEY);
        io.maasdk.ModelRuntime rt =
            io.maasdk.ModelRuntime.builder()
                .deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly())
                .interceptor(a.managementRecorder())
                .build()) {
      io.maasdk.ModelSource src = io.maasdk.ModelSource.directory(Fixtures.plain(tmp, "1.0.0"));
      rt.admin("secret-key").deploy(Fixtures.spec("digits", "1.0.0", src));
      assertThrows(
          io.maasdk.DeploymentConflictException.class,
          () -> rt.deploy(Fixtures.spec("digits", "1.0.0", src)));
    }
    List<String> l = Files.readAllLines(managed, StandardCharsets.UTF_8);
    assertEquals(4, l.size());
    assertTrue(l.get(0).contains("requested") && l.get(1).contains("done"), l.toString());
    assertTrue(l.get(3).contains("failed: DeploymentConflictException"), l.get(3));
    assertFalse(String.join("\n", l).contains("secret-key"), "credentials are never written");
    assertEquals(AuditVerification.ok(4), AuditLog.verify(managed, KEY));
  }
}
