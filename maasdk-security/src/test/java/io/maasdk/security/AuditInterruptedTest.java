package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link AuditVerification#interrupted()} says about a log a crash left, before repair. */
class AuditInterruptedTest {
  private static final KeysetHandle KEY = KeyPurpose.AUDIT.generate();

  @TempDir Path tmp;

  @Test
  void headOneBehind_isValidAndInterrupted_untilOpenRepairsIt() throws Exception {
    Path log = tmp.resolve("audit.log");
    try (AuditLog a = AuditLog.open(log, KEY)) {
      a.append(new AuditLog.Entry("deploy", "digits", "1.0.0", "ops", "requested"));
    }
    byte[] oneHead = Files.readAllBytes(AuditLog.headOf(log));
    try (AuditLog a = AuditLog.open(log, KEY)) {
      a.append(new AuditLog.Entry("deploy", "digits", "1.0.0", "ops", "done"));
    }
    Files.write(AuditLog.headOf(log), oneHead);
    AuditVerification v = AuditLog.verify(log, KEY);
    assertTrue(v.valid() && v.interrupted(), v.problem());
    assertTrue(
        v.problem().contains("record 2 was written but a crash stopped the append"), v.problem());
    AuditLog.open(log, KEY).close();
    AuditVerification after = AuditLog.verify(log, KEY);
    assertEquals(AuditVerification.ok(2), after);
    assertFalse(after.interrupted());
  }

  @Test
  void createdButHeadNeverWritten_opensAsAnEmptyLog() throws Exception {
    Path log = tmp.resolve("new.log");
    Files.write(log, new byte[0]); // a crash between creating the log and writing its head
    assertTrue(AuditLog.verify(log, KEY).interrupted());
    try (AuditLog a = AuditLog.open(log, KEY)) {
      assertEquals(1, a.append(new AuditLog.Entry("deploy", "digits", null, "ops", "requested")));
    }
    assertEquals(AuditVerification.ok(1), AuditLog.verify(log, KEY));
  }

  @Test
  void fsyncMode_appendsAndVerifies() {
    Path log = tmp.resolve("durable.log");
    try (AuditLog a = AuditLog.open(log, KEY, java.time.Clock.systemUTC(), true)) {
      assertEquals(1, a.append(new AuditLog.Entry("deploy", "digits", null, "ops", "requested")));
      assertEquals(2, a.append(new AuditLog.Entry("deploy", "digits", null, "ops", "done")));
    }
    assertEquals(AuditVerification.ok(2), AuditLog.verify(log, KEY));
    assertFalse(Files.exists(log.resolveSibling("durable.log.head.tmp")));
  }
}
