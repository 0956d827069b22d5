package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 10: a crash during an append leaves a log that reopens (at most the one
 * unacknowledged record lost), and what a crash cannot produce is still refused as tampering.
 */
class AuditLogCrashTest {
  private static final KeysetHandle KEY = KeyPurpose.AUDIT.generate();

  @TempDir Path tmp;
  private Path log;
  private Path head;

  @BeforeEach
  void fiveRecords() {
    log = tmp.resolve("audit.log");
    head = AuditLog.headOf(log);
    try (AuditLog a = AuditLog.open(log, KEY)) {
      for (int i = 0; i < 5; i++) {
        a.append(new AuditLog.Entry("call", "digits", "1.0.0", "acme", "success " + i));
      }
    }
  }

  private long appendOne() {
    try (AuditLog a = AuditLog.open(log, KEY)) {
      return a.append(new AuditLog.Entry("deploy", "digits", "2.0.0", "ops", "requested"));
    }
  }

  @Test
  void crashAfterTheLineBeforeTheHead_reopensAndKeepsTheRecord() throws IOException {
    byte[] oldHead = Files.readAllBytes(head);
    assertEquals(6, appendOne());
    Files.write(head, oldHead); // the head rename never happened

    AuditVerification v = AuditLog.verify(log, KEY);
    assertTrue(v.valid(), v.problem());
    assertEquals(6, v.records());
    assertEquals(7, appendOne(), "reopened, the written record kept");
    assertEquals(7, AuditLog.verify(log, KEY).records());
    assertTrue(AuditLog.verify(log, KEY).valid());
  }

  @Test
  void crashMidLine_dropsOnlyTheUnacknowledgedFragment() throws IOException {
    byte[] five = Files.readAllBytes(log);
    byte[] fiveHead = Files.readAllBytes(head);
    appendOne();
    byte[] six = Files.readAllBytes(log);
    for (int cut : new int[] {1, 3, 40, six.length - five.length - 1}) {
      Files.write(log, Arrays.copyOf(six, five.length + cut)); // record 6 torn after `cut` bytes
      Files.write(head, fiveHead);
      AuditVerification v = AuditLog.verify(log, KEY);
      assertTrue(v.valid(), "cut at " + cut + ": " + v.problem());
      assertEquals(5, v.records());
      assertEquals(6, appendOne(), "cut at " + cut);
      assertTrue(AuditLog.verify(log, KEY).valid());
      Files.write(log, six);
    }
  }

  @Test
  void whatNoCrashProduces_isStillRefused() throws IOException {
    byte[] fiveHead = Files.readAllBytes(head);
    byte[] five = Files.readAllBytes(log);
    appendOne();
    appendOne();
    byte[] seven = Files.readAllBytes(log);
    Files.write(head, fiveHead); // head two records behind: replayed, not a crash
    assertFalse(AuditLog.verify(log, KEY).valid());
    assertThrows(IntegrityException.class, () -> AuditLog.open(log, KEY));

    Files.write(log, Arrays.copyOf(seven, seven.length - 1)); // an acknowledged record cut
    Files.write(head, Files.readAllBytes(head)); // unchanged head (7)
    try (AuditLog a = AuditLog.open(tmp.resolve("other.log"), KEY)) {
      a.append(new AuditLog.Entry("x", "m", null, "a", "b"));
    }
    assertThrows(IntegrityException.class, () -> AuditLog.open(log, KEY));

    byte[] junk = "garbage that is not the start of record 6".getBytes(StandardCharsets.UTF_8);
    byte[] withJunk = Arrays.copyOf(five, five.length + junk.length);
    System.arraycopy(junk, 0, withJunk, five.length, junk.length);
    Files.write(log, withJunk);
    Files.write(head, fiveHead);
    AuditVerification v = AuditLog.verify(log, KEY);
    assertFalse(v.valid());
    assertTrue(v.problem().contains("cut short"), v.problem());
  }

  @Test
  void failedAppend_leavesNoFragment_andTheLogStaysOpenable() throws IOException {
    try (AuditLog a = AuditLog.open(log, KEY)) {
      Path blocker = head.resolveSibling(head.getFileName() + ".tmp");
      Files.createDirectory(blocker); // the head cannot be written: like a full disk
      long before = Files.size(log);
      assertThrows(
          UncheckedIOException.class,
          () -> a.append(new AuditLog.Entry("deploy", "d", null, "ops", "x")));
      assertEquals(before, Files.size(log), "the record's line was taken back");
      Files.delete(blocker);
      assertEquals(6, a.append(new AuditLog.Entry("deploy", "d", null, "ops", "y")));
    }
    assertEquals(6, AuditLog.verify(log, KEY).records());
    assertTrue(AuditLog.verify(log, KEY).valid());
  }

  @Test
  void repeatedKillMinus9_midAppend_alwaysReopens_losingNothingAcknowledged() throws Exception {
    Path keyFile = tmp.resolve("audit-key.json");
    KeysetLoader.insecureCleartext("test").write(KEY, keyFile);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    long acked = 5;
    for (int round = 0; round < 8; round++) {
      Process child =
          new ProcessBuilder(
                  java,
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-cp",
                  System.getProperty("java.class.path"),
                  AuditCrashChild.class.getName(),
                  log.toString(),
                  keyFile.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      long target = acked + 30 + 37L * round; // kill at a different point each round
      long last = acked;
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.startsWith("refused")) {
            child.waitFor(30, TimeUnit.SECONDS);
            fail("round " + round + ": the log left by the last kill does not reopen: " + line);
          }
          long seq = Long.parseLong(line.substring(4));
          assertEquals(last + 1, seq, "round " + round + ": sequence continues");
          last = seq;
          if (seq >= target) {
            child.toHandle().destroyForcibly(); // SIGKILL; its output stays readable
            break;
          }
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        while ((line = out.readLine()) != null) { // acknowledged before it died
          last = Long.parseLong(line.substring(4));
        }
      }
      assertTrue(last >= target, "round " + round + ": child reached " + last);
      AuditVerification v = AuditLog.verify(log, KEY);
      assertTrue(v.valid(), "round " + round + ": " + v.problem());
      assertTrue(
          v.records() == last || v.records() == last + 1,
          "round " + round + ": " + v.records() + " records, " + last + " acknowledged");
      acked = v.records();
    }
    try (AuditLog a = AuditLog.open(log, KEY)) {
      assertEquals(acked + 1, a.append(new AuditLog.Entry("after", "digits", null, "ops", "done")));
    }
    AuditVerification end = AuditLog.verify(log, KEY);
    assertTrue(end.valid(), end.problem());
    assertEquals("ok", end.problem(), "repaired on open");
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    assertEquals(acked + 1, lines.size());
  }
}
