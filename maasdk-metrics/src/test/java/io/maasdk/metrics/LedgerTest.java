package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.InferenceEvent.Outcome;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  static UsageRecord record(int n, Instant at, String tenant, String model, long units) {
    return new UsageRecord("r-" + n, at, tenant, model, "1.0.0", units, false, Outcome.SUCCESS,
        1000);
  }

  @Test
  void write_manyBatches_rotatesBySizeAndDay_readsBackInOrder(@TempDir Path dir)
      throws Exception {
    List<UsageRecord> written = new ArrayList<>();
    try (LedgerSink sink = LedgerSink.builder(dir).fsync(FsyncPolicy.every(
        java.time.Duration.ofMillis(50))).maxFileBytes(4096).build()) {
      for (int b = 0; b < 20; b++) {
        List<UsageRecord> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          int n = b * 10 + i;
          Instant at = n < 150 ? T0.plusSeconds(n) : T0.plus(java.time.Duration.ofDays(1));
          batch.add(record(n, at, "t" + n % 2, "m", 1));
        }
        sink.write(batch);
        written.addAll(batch);
      }
    }
    List<Path> files = LedgerSink.files(dir);
    assertTrue(files.size() > 5, "rotated by size: " + files);
    for (Path f : files) {
      assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
    }
    assertTrue(files.get(files.size() - 1).getFileName().toString().startsWith("usage-20261124"),
        "the next day starts a new file");
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(written, ledger.records());
    assertEquals(0, ledger.skippedLines());
    assertEquals(0, ledger.duplicates());
  }

  @Test
  void reopen_afterTornLastLine_truncatesItAndAppendsCleanly(@TempDir Path dir) throws Exception {
    try (LedgerSink sink = LedgerSink.open(dir, FsyncPolicy.always())) {
      sink.write(List.of(record(1, T0, "a", "m", 1), record(2, T0, "a", "m", 1)));
    }
    Path last = LedgerSink.files(dir).get(0);
    String torn = record(3, T0, "a", "m", 1).toJson().substring(0, 30);
    Files.writeString(last, torn, StandardOpenOption.APPEND);
    assertEquals(1, LedgerReader.read(dir).skippedLines(), "a reader skips the torn line");

    try (LedgerSink sink = LedgerSink.open(dir, FsyncPolicy.always())) {
      assertEquals(30, sink.recoveredTornBytes());
      sink.write(List.of(record(4, T0, "a", "m", 1)));
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(List.of("r-1", "r-2", "r-4"),
        ledger.records().stream().map(UsageRecord::id).toList());
    assertEquals(0, ledger.skippedLines());
  }

  @Test
  void reader_sameRecordTwice_countsItOnce(@TempDir Path dir) throws Exception {
    try (LedgerSink sink = LedgerSink.open(dir, FsyncPolicy.never())) {
      sink.write(List.of(record(1, T0, "a", "m", 5)));
      sink.write(List.of(record(1, T0, "a", "m", 5), record(2, T0, "a", "m", 7)));
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(2, ledger.records().size());
    assertEquals(1, ledger.duplicates());
    assertEquals(12, ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC).get(0).units());
  }

  @Test
  void killMinus9_midWrite_noAcknowledgedRecordLostNoneTwice(@TempDir Path dir)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        LedgerCrashChild.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    long acked = 0;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acked < 4000 && (line = out.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acked = Long.parseLong(line.substring(4));
        }
      }
      child.destroyForcibly(); // SIGKILL while it keeps writing
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(acked >= 4000, "child acknowledged " + acked);
    assertTrue(LedgerSink.files(dir).size() > 1, "the child rotated files");

    try (LedgerSink reopened = LedgerSink.open(dir, FsyncPolicy.always())) {
      reopened.write(List.of(record(-1, T0, "after", "digits", 1)));
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(0, ledger.skippedLines(), "torn line recovered on reopen");
    assertEquals(0, ledger.duplicates());
    List<UsageRecord> records = ledger.records();
    long n = records.size() - 1;
    assertTrue(n >= acked, "every acknowledged record survives: " + n + " < " + acked);
    for (int i = 0; i < n; i++) {
      assertEquals("child-" + (i + 1), records.get(i).id(), "in order, no gaps");
    }
    assertEquals("r--1", records.get((int) n).id());
    long units = 0;
    for (UsageTotals u : ledger.usage(BillingPeriod.DAY, ZoneOffset.UTC)) {
      assertEquals(LocalDate.parse("2026-11-23"), u.periodStart());
      units += u.units();
    }
    long expected = 1;
    for (long i = 1; i <= n; i++) {
      expected += 1 + i % 5;
    }
    assertEquals(expected, units);
  }

  @Test
  void aggregate_perTenantModelPeriod(@TempDir Path dir) throws Exception {
    try (LedgerSink sink = LedgerSink.open(dir, FsyncPolicy.never())) {
      sink.write(List.of(
          record(1, T0, "a", "m1", 3),
          record(2, T0.plusSeconds(60), "a", "m1", 4),
          record(3, T0, "a", "m2", 10),
          record(4, T0, "b", "m1", 1),
          record(5, Instant.parse("2026-12-01T00:00:00Z"), "a", "m1", 100),
          new UsageRecord("r-6", T0, "a", "m1", null, 0, false, Outcome.REFUSED, 0),
          new UsageRecord("r-7", T0, "a", "m1", "1.0.0", 2, true, Outcome.SUCCESS, 0)));
    }
    List<UsageTotals> usage = LedgerReader.read(dir).usage(BillingPeriod.MONTH, ZoneOffset.UTC);
    assertEquals(List.of(
        new UsageTotals("a", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 4, 3, 1,
            7, 2),
        new UsageTotals("a", "m2", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 1, 1, 0,
            10, 0),
        new UsageTotals("a", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-12-01"), 1, 1, 0,
            100, 0),
        new UsageTotals("b", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 1, 1, 0,
            1, 0)), usage);
    assertEquals("2026-11", usage.get(0).periodLabel());
  }
}
