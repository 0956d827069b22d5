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
    return new UsageRecord(
        "r-" + n, at, tenant, model, "1.0.0", units, false, Outcome.SUCCESS, 1000);
  }

  @Test
  void write_manyBatches_rotatesBySizeAndDay_readsBackInOrder(@TempDir Path dir) throws Exception {
    List<UsageRecord> written = new ArrayList<>();
    try (LedgerSink sink =
        LedgerSink.builder(dir)
            .fsync(FsyncPolicy.every(java.time.Duration.ofMillis(50)))
            .maxFileBytes(4096)
            .build()) {
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
    assertTrue(
        files.get(files.size() - 1).getFileName().toString().startsWith("usage-20261124"),
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
    assertEquals(
        List.of("r-1", "r-2", "r-4"), ledger.records().stream().map(UsageRecord::id).toList());
    assertEquals(0, ledger.skippedLines());
  }

  @Test
  void read_tornUtf8Line_lastAndMidFile_isSkippedAndCounted(@TempDir Path dir) throws Exception {
    String tenant = "müller-租户";
    try (LedgerSink sink = LedgerSink.open(dir, FsyncPolicy.always())) {
      sink.write(List.of(record(1, T0, tenant, "m", 1), record(2, T0, tenant, "m", 2)));
    }
    Path file = LedgerSink.files(dir).get(0);
    byte[] third = (record(3, T0, tenant, "m", 3).toJson()).getBytes(StandardCharsets.UTF_8);
    String json3 = record(3, T0, tenant, "m", 3).toJson();
    int cut = json3.substring(0, json3.indexOf('租')).getBytes(StandardCharsets.UTF_8).length;
    byte[] good = Files.readAllBytes(file);
    // mid-file: a line cut inside the 3-byte '租', then a line of bytes that are no UTF-8 at all
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    bytes.write(good, 0, good.length);
    int midLine1Offset = bytes.size();
    bytes.write(third, 0, cut + 1);
    bytes.write('\n');
    int midLine2Offset = bytes.size();
    bytes.write(new byte[] {(byte) 0xff, (byte) 0xc3, '(', 0, 0, '\n'});
    bytes.write(record(4, T0, tenant, "m", 4).toJson().getBytes(StandardCharsets.UTF_8));
    bytes.write('\n');
    int lastOffset = bytes.size();
    bytes.write(third, 0, cut + 2); // last line, torn inside '租', no newline
    Files.write(file, bytes.toByteArray());

    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(
        List.of("r-1", "r-2", "r-4"), ledger.records().stream().map(UsageRecord::id).toList());
    assertEquals(tenant, ledger.records().get(2).tenant());
    assertEquals(3, ledger.skippedLines());
    List<LedgerReader.SkippedLine> skipped = ledger.skipped();
    assertEquals(
        List.of(3L, 4L, 6L), skipped.stream().map(LedgerReader.SkippedLine::line).toList());
    assertEquals(
        List.of((long) midLine1Offset, (long) midLine2Offset, (long) lastOffset),
        skipped.stream().map(LedgerReader.SkippedLine::offset).toList());
    assertTrue(skipped.get(0).reason().contains("UTF-8"), skipped.get(0).reason());
    assertTrue(skipped.get(2).reason().startsWith("torn"), skipped.get(2).reason());
    assertEquals(file, skipped.get(0).file());
  }

  @Test
  void write_diskFullThenSpaceBack_cutsPartialLine_countsFailuresExactly(@TempDir Path dir)
      throws Exception {
    FaultyDisk disk = new FaultyDisk();
    try (LedgerSink sink =
        LedgerSink.builder(dir)
            .fsync(FsyncPolicy.every(java.time.Duration.ofHours(1)))
            .opener(disk)
            .build()) {
      sink.write(List.of(record(1, T0, "a", "m", 1), record(2, T0, "a", "m", 1)));
      disk.spaceLeft.set(150); // the next batch fits in part: a short write, then ENOSPC
      java.io.IOException full =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.io.IOException.class,
              () -> sink.write(List.of(record(3, T0, "a", "m", 1), record(4, T0, "a", "m", 1))));
      assertTrue(full.getMessage().contains("No space left"), full.getMessage());
      disk.full();
      org.junit.jupiter.api.Assertions.assertThrows(
          java.io.IOException.class, () -> sink.write(List.of(record(5, T0, "a", "m", 1))));
      disk.spaceBack();
      sink.write(List.of(record(6, T0, "a", "m", 1)));
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(
        List.of("r-1", "r-2", "r-6"), ledger.records().stream().map(UsageRecord::id).toList());
    assertEquals(0, ledger.skippedLines(), "no partial line left behind: " + ledger.skipped());
  }

  @Test
  void write_batchSpanningFiles_failsAtRotation_everyFileCutBack(@TempDir Path dir)
      throws Exception {
    FaultyDisk disk = new FaultyDisk();
    try (LedgerSink sink =
        LedgerSink.builder(dir)
            .fsync(FsyncPolicy.always())
            .maxFileBytes(1024)
            .opener(disk)
            .build()) {
      sink.write(List.of(record(1, T0, "a", "m", 1), record(2, T0, "a", "m", 1)));
      long before = Files.size(LedgerSink.files(dir).get(0));
      disk.failCreate.set(true);
      List<UsageRecord> big = new ArrayList<>();
      for (int i = 10; i < 30; i++) {
        big.add(record(i, T0, "a", "m", 1));
      }
      org.junit.jupiter.api.Assertions.assertThrows(
          java.io.IOException.class, () -> sink.write(big));
      assertEquals(
          before,
          Files.size(LedgerSink.files(dir).get(0)),
          "the part of the batch that went into the first file is gone too");
      disk.failCreate.set(false);
      sink.write(List.of(record(3, T0, "a", "m", 1)));
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(
        List.of("r-1", "r-2", "r-3"), ledger.records().stream().map(UsageRecord::id).toList());
    assertEquals(0, ledger.skippedLines());
  }

  @Test
  void write_fsyncFailsUnderAlways_batchRolledBack_nextWriteClean(@TempDir Path dir)
      throws Exception {
    FaultyDisk disk = new FaultyDisk();
    try (LedgerSink sink =
        LedgerSink.builder(dir).fsync(FsyncPolicy.always()).opener(disk).build()) {
      sink.write(List.of(record(1, T0, "a", "m", 1)));
      disk.failSync.set(true);
      org.junit.jupiter.api.Assertions.assertThrows(
          java.io.IOException.class,
          () -> sink.write(List.of(record(2, T0, "a", "m", 1), record(3, T0, "a", "m", 1))));
      disk.failSync.set(false);
      sink.write(List.of(record(4, T0, "a", "m", 1)));
    }
    assertEquals(
        List.of("r-1", "r-4"),
        LedgerReader.read(dir).records().stream().map(UsageRecord::id).toList());
  }

  @Test
  void flush_fsyncFails_throws_thenRecovers(@TempDir Path dir) throws Exception {
    FaultyDisk disk = new FaultyDisk();
    try (LedgerSink sink =
        LedgerSink.builder(dir)
            .fsync(FsyncPolicy.every(java.time.Duration.ofHours(1)))
            .opener(disk)
            .build()) {
      disk.failSync.set(true);
      sink.write(List.of(record(1, T0, "a", "m", 1)));
      assertEquals(1, sink.unsyncedRecords());
      org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, sink::flush);
      disk.failSync.set(false);
      sink.flush();
      assertEquals(0, sink.unsyncedRecords());
    }
  }

  @Test
  void open_readOnlyDirectory_failsFastWithClearMessage(@TempDir Path dir) {
    FaultyDisk disk = new FaultyDisk();
    disk.failOpen.set(true);
    java.io.IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> LedgerSink.builder(dir).opener(disk).build());
    assertTrue(e.getMessage().contains("is not writable"), e.getMessage());
    assertTrue(e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void open_missingDirectoryThatCannotBeCreated_failsFastWithClearMessage(@TempDir Path dir)
      throws Exception {
    Path aFile = Files.writeString(dir.resolve("not-a-dir"), "x");
    java.io.IOException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class,
            () -> LedgerSink.open(aFile.resolve("ledger"), FsyncPolicy.always()));
    assertTrue(e.getMessage().contains("does not exist and cannot be created"), e.getMessage());
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
  void killMinus9_midWrite_noAcknowledgedRecordLostNoneTwice(@TempDir Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                LedgerCrashChild.class.getName(),
                dir.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    long acked = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
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
      sink.write(
          List.of(
              record(1, T0, "a", "m1", 3),
              record(2, T0.plusSeconds(60), "a", "m1", 4),
              record(3, T0, "a", "m2", 10),
              record(4, T0, "b", "m1", 1),
              record(5, Instant.parse("2026-12-01T00:00:00Z"), "a", "m1", 100),
              new UsageRecord("r-6", T0, "a", "m1", null, 0, false, Outcome.REFUSED, 0),
              new UsageRecord("r-7", T0, "a", "m1", "1.0.0", 2, true, Outcome.SUCCESS, 0)));
    }
    List<UsageTotals> usage = LedgerReader.read(dir).usage(BillingPeriod.MONTH, ZoneOffset.UTC);
    assertEquals(
        List.of(
            new UsageTotals(
                "a", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 4, 3, 1, 7, 2),
            new UsageTotals(
                "a", "m2", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 1, 1, 0, 10, 0),
            new UsageTotals(
                "a", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-12-01"), 1, 1, 0, 100, 0),
            new UsageTotals(
                "b", "m1", BillingPeriod.MONTH, LocalDate.parse("2026-11-01"), 1, 1, 0, 1, 0)),
        usage);
    assertEquals("2026-11", usage.get(0).periodLabel());
  }
}
