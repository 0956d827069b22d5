package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeteringTest {

  @Test
  void everyCall_concurrentMixedOutcomes_exactlyOneRecordEach() throws Exception {
    InMemoryUsageSink sink = new InMemoryUsageSink();
    Metering metering =
        Metering.builder()
            .meters(UsageMeters.builder().defaultMeter(UsageMeter.inputBytes()).build())
            .sink(sink)
            .build();
    int threads = 16;
    int perThread = 30;
    try (ModelRuntime runtime =
        Fixtures.runtimeBuilder()
            .listener(metering)
            .interceptor(
                ctx -> {
                  if (ctx.options().tenant().startsWith("blocked")) {
                    throw new AccessDeniedException("echo", null, "no");
                  }
                })
            .build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      Fixtures.concurrently(
          threads,
          t -> {
            for (int i = 0; i < perThread; i++) {
              switch (i % 3) {
                case 0 -> echo.predict(new float[4], CallOptions.builder().tenant("t" + t).build());
                case 1 ->
                    assertThrows(
                        InvalidInputException.class,
                        () ->
                            echo.predict(
                                new float[5], CallOptions.builder().tenant("t" + t).build()));
                default ->
                    assertThrows(
                        AccessDeniedException.class,
                        () ->
                            echo.predict(
                                new float[4], CallOptions.builder().tenant("blocked" + t).build()));
              }
            }
            return null;
          });
    }
    metering.flush(Duration.ofSeconds(10));
    metering.close();

    List<UsageRecord> records = sink.records();
    assertEquals(threads * perThread, records.size());
    assertEquals(threads * perThread, metering.acceptedRecords());
    assertEquals(0, metering.droppedRecords());
    Set<String> ids = new HashSet<>();
    Map<Outcome, Integer> byOutcome = new EnumMap<>(Outcome.class);
    long units = 0;
    for (UsageRecord r : records) {
      assertTrue(ids.add(r.id()), "unique id " + r.id());
      byOutcome.merge(r.outcome(), 1, Integer::sum);
      units += r.units();
      if (!r.billable()) {
        assertEquals(0, r.units(), "only successes carry units: " + r);
      }
    }
    assertEquals(
        Map.of(Outcome.SUCCESS, 160, Outcome.INVALID_INPUT, 160, Outcome.REFUSED, 160), byOutcome);
    assertEquals(160 * 16, units, "float[4] is 16 bytes");
  }

  @Test
  void fullBuffer_blocksBrieflyThenCountsDrops() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    InMemoryUsageSink memory = new InMemoryUsageSink();
    UsageSink slow =
        records -> {
          entered.countDown();
          try {
            if (!release.await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("the test never released the sink");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          memory.write(records);
        };
    Metering metering =
        Metering.builder().sink(slow).bufferCapacity(4).offerTimeout(Duration.ofMillis(2)).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metering.bindTo(registry);
    metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    // the delivery thread holds record 1 in the sink: the buffer is empty
    org.junit.jupiter.api.Assertions.assertTrue(entered.await(30, TimeUnit.SECONDS));
    for (int i = 0; i < 10; i++) {
      metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    }
    assertEquals(5, metering.acceptedRecords());
    assertEquals(6, metering.droppedRecords());
    assertEquals(6.0, registry.get("maasdk.metering.dropped").functionCounter().count());
    assertEquals(4.0, registry.get("maasdk.metering.buffer.size").gauge().value());
    release.countDown();
    metering.flush(Duration.ofSeconds(10));
    assertEquals(5, memory.records().size());
    metering.close();
    metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    assertEquals(7, metering.droppedRecords(), "after close, records are counted as dropped");
  }

  @Test
  void failingSink_countsFailedRecords_otherSinksStillGetThem() {
    InMemoryUsageSink good = new InMemoryUsageSink();
    Metering metering =
        Metering.builder()
            .sink(
                records -> {
                  throw new java.io.IOException("disk full");
                })
            .sink(good)
            .build();
    for (int i = 0; i < 3; i++) {
      metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    }
    java.io.UncheckedIOException e =
        assertThrows(
            java.io.UncheckedIOException.class, () -> metering.flush(Duration.ofSeconds(10)));
    assertTrue(
        e.getCause().getMessage().startsWith("3 usage record(s) could not be written"),
        e.getCause().getMessage());
    assertEquals(3, good.records().size());
    assertEquals(3, metering.failedRecords());
    metering.flush(Duration.ofSeconds(10)); // reported once
    metering.close();
  }

  @Test
  void diskFullThenSpaceBack_flushReportsFailure_failedCountExact_ledgerClean(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    FaultyDisk disk = new FaultyDisk();
    LedgerSink ledger = LedgerSink.builder(dir).fsync(FsyncPolicy.always()).opener(disk).build();
    Metering metering = Metering.builder().sink(ledger).build();
    try {
      for (int i = 0; i < 5; i++) {
        metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
      }
      metering.flush(Duration.ofSeconds(10));
      disk.spaceLeft.set(100); // a short write in the middle of the next record, then ENOSPC
      for (int i = 0; i < 4; i++) {
        metering.onEvent(Fixtures.event("b", "m", Outcome.SUCCESS, new float[4]));
      }
      java.io.UncheckedIOException e =
          assertThrows(
              java.io.UncheckedIOException.class, () -> metering.flush(Duration.ofSeconds(10)));
      assertTrue(e.getMessage().contains("usage sink failed"), e.getMessage());
      assertEquals(4, metering.failedRecords());
      disk.spaceBack();
      for (int i = 0; i < 3; i++) {
        metering.onEvent(Fixtures.event("c", "m", Outcome.SUCCESS, new float[4]));
      }
      metering.flush(Duration.ofSeconds(10));
    } finally {
      metering.close();
    }
    LedgerReader read = LedgerReader.read(dir);
    assertEquals(0, read.skippedLines(), "no glued or partial line: " + read.skipped());
    assertEquals(
        List.of("a", "a", "a", "a", "a", "c", "c", "c"),
        read.records().stream().map(UsageRecord::tenant).toList());
    assertEquals(
        metering.acceptedRecords() - metering.failedRecords(),
        read.records().size(),
        "every record is either in the ledger or counted as failed, never both");
  }

  @Test
  void asyncMode_windowOfLoss_isMetered(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LedgerSink ledger = LedgerSink.open(dir, FsyncPolicy.every(Duration.ofHours(1)));
    UsageSink slow =
        records -> {
          entered.countDown();
          try {
            assertTrue(release.await(30, java.util.concurrent.TimeUnit.SECONDS));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    Metering metering = Metering.builder().sink(slow).sink(ledger).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metering.bindTo(registry);
    metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    assertTrue(entered.await(30, java.util.concurrent.TimeUnit.SECONDS));
    for (int i = 0; i < 4; i++) {
      metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    }
    assertEquals(5, metering.pendingRecords(), "accepted, not yet written: a kill -9 loses them");
    assertEquals(5.0, registry.get("maasdk.metering.pending").gauge().value());
    release.countDown();
    // written but not fsynced (1 h interval): a power loss could lose them, a kill -9 cannot
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (metering.pendingRecords() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, metering.pendingRecords());
    assertEquals(5.0, registry.get("maasdk.metering.unsynced").gauge().value());
    metering.flush(Duration.ofSeconds(10));
    assertEquals(0.0, registry.get("maasdk.metering.unsynced").gauge().value());
    metering.close();
  }

  @Test
  void builtInMeters_countItemsBytesAndTokens() {
    assertEquals(1, UsageMeter.perCall().units(new float[100]));
    assertEquals(3, UsageMeter.items().units(new float[3][64]));
    assertEquals(2, UsageMeter.items().units(List.of("a", "b")));
    assertEquals(1, UsageMeter.items().units(new float[64]));
    assertEquals(256, UsageMeter.inputBytes().units(new float[64]));
    assertEquals(3 * 64 * 4, UsageMeter.inputBytes().units(new float[3][64]));
    assertEquals(5, UsageMeter.inputBytes().units("héllo".substring(0, 4)));
    assertEquals(7, UsageMeter.inputBytes().units(ByteBuffer.allocate(7)));
    assertThrows(IllegalArgumentException.class, () -> UsageMeter.inputBytes().units(new Object()));
    UsageMeter words = UsageMeter.tokens(s -> s.isBlank() ? 0 : s.trim().split("\\s+").length);
    assertEquals(4, words.units("the quick brown fox"));
    assertEquals(5, words.units(List.of("a b", "c d e")));
    UsageMeters meters =
        UsageMeters.builder().meter("digits-*", UsageMeter.items()).meter("embed*", words).build();
    assertEquals(2, meters.units("digits-mlp", new float[2][64]));
    assertEquals(1, meters.units("other", new float[2][64]));
    assertEquals(2, meters.units("embedder", "two words"));
  }

  @Test
  void usageRecord_jsonRoundTrip_escapesText() {
    UsageRecord r =
        new UsageRecord(
            "id-1",
            java.time.Instant.parse("2026-11-23T10:00:00.123Z"),
            "ten\"ant\n\\x",
            "m,odel",
            null,
            42,
            true,
            Outcome.SUCCESS,
            12345);
    assertEquals(r, UsageRecord.fromJson(r.toJson()));
    assertThrows(
        IllegalArgumentException.class, () -> UsageRecord.fromJson(r.toJson().substring(0, 40)));
  }

  @Test
  void usageRecord_fromJson_refusesAmbiguousOrHostileLines_ignoresNewFields() {
    String ok =
        new UsageRecord(
                "id-1",
                java.time.Instant.parse("2026-11-23T10:00:00Z"),
                "t",
                "m",
                "1.0.0",
                3,
                false,
                Outcome.SUCCESS,
                5)
            .toJson();
    String body = ok.substring(1, ok.length() - 1);
    assertEquals(
        3,
        UsageRecord.fromJson("{\"region\":{\"a\":[1,2]}," + body + "}").units(),
        "a field a later version adds is ignored");
    for (String bad :
        List.of(
            "{" + body + ",\"units\":999}", // two values for one key
            "{" + body + "} {}", // trailing content
            "[" + body + "]",
            "{" + body.replace("\"units\":3", "\"units\":99999999999999999999") + "}",
            "{" + body.replace("\"units\":3", "\"units\":-3") + "}",
            "{" + body.replace("\"units\":3", "\"units\":\"3\"") + "}",
            "{\"id\":\"" + "x".repeat(100_000) + "\"}",
            "{\"a\":" + "[".repeat(1000) + "}")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> UsageRecord.fromJson(bad),
              bad.length() > 100 ? bad.substring(0, 100) : bad);
      assertTrue(e.getMessage().startsWith("not a usage record"), e.getMessage());
      assertTrue(e.getMessage().length() < 1000, "the message does not echo a huge line");
    }
  }

  /** A sink whose flush (the fsync) the test holds until it lets go; counts writes and flushes. */
  static final class GatedSink implements UsageSink {
    final InMemoryUsageSink written = new InMemoryUsageSink();
    final java.util.concurrent.atomic.AtomicInteger flushes =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicLong durable =
        new java.util.concurrent.atomic.AtomicLong();
    volatile CountDownLatch hold = new CountDownLatch(0);
    final java.util.concurrent.Semaphore flushing = new java.util.concurrent.Semaphore(0);
    volatile boolean failWrites;

    @Override
    public void write(List<UsageRecord> records) throws java.io.IOException {
      if (failWrites) {
        throw new java.io.IOException("No space left on device");
      }
      written.write(records);
    }

    @Override
    public void flush() {
      flushing.release();
      try {
        assertTrue(hold.await(30, java.util.concurrent.TimeUnit.SECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flushes.incrementAndGet();
      durable.set(written.records().size());
    }
  }

  @Test
  void durableMode_resultReleasedOnlyAfterRecordIsDurable() throws Exception {
    GatedSink sink = new GatedSink();
    sink.hold = new CountDownLatch(1);
    Metering metering = Metering.builder().sink(sink).durable(true).build();
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      java.util.concurrent.CompletableFuture<float[]> call =
          echo.predictAsync(new float[] {1, 2, 3, 4}, CallOptions.builder().tenant("a").build());
      assertTrue(
          sink.flushing.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS),
          "the record reached the sink's fsync");
      assertEquals(1, sink.written.records().size());
      assertTrue(!call.isDone(), "no result while its record is not durable");
      sink.hold.countDown();
      assertEquals(2f, call.get(30, java.util.concurrent.TimeUnit.SECONDS)[0]);
      assertEquals(1, sink.durable.get());
    } finally {
      metering.close();
    }
  }

  @Test
  void durableMode_64ConcurrentCalls_groupCommit_oneFlushForAllThatQueuedMeanwhile()
      throws Exception {
    GatedSink sink = new GatedSink();
    Metering metering = Metering.builder().sink(sink).durable(true).build();
    int threads = 64;
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      sink.hold = new CountDownLatch(1); // the first fsync is slow: the other callers pile up
      java.util.concurrent.CompletableFuture<List<Object>> all =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Fixtures.concurrently(
                      threads,
                      t -> {
                        float[] out =
                            echo.predict(
                                new float[] {t, 0, 0, 0},
                                CallOptions.builder().tenant("t" + t).build());
                        assertEquals(2f * t, out[0]);
                        assertTrue(sink.durable.get() >= 1, "released only after a flush");
                        return null;
                      });
                } catch (Exception e) {
                  throw new java.util.concurrent.CompletionException(e);
                }
              });
      assertTrue(sink.flushing.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS));
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (sink.written.records().size() + metering.buffered() < threads
          && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // every call computed and waits for its record
      }
      assertEquals(threads, sink.written.records().size() + metering.buffered());
      assertTrue(!all.isDone(), "nobody released before the fsync");
      sink.hold.countDown();
      all.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      metering.close();
    }
    assertEquals(threads, sink.written.records().size());
    assertEquals(
        2,
        sink.flushes.get() - 1 /* close() */,
        "group commit: the first group, then one fsync for everything queued meanwhile");
  }

  @Test
  void durableMode_cacheHit_waitsForItsRecordToo() throws Exception {
    GatedSink sink = new GatedSink();
    Metering metering = Metering.builder().sink(sink).durable(true).build();
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build()) {
      runtime.deploy(
          io.maasdk.ModelSpec.builder("echo", float[].class, float[].class)
              .version("1.0.0")
              .source(
                  io.maasdk.ModelSource.classpath(io.maasdk.testkit.TestModels.resource("echo")))
              .translator(io.maasdk.codec.Codecs.floatVector(4))
              .devicePolicy(io.maasdk.DevicePolicy.cpu())
              .cachePolicy(io.maasdk.CachePolicy.ofDefaults())
              .build());
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      CallOptions a = CallOptions.builder().tenant("a").build();
      echo.predict(new float[] {1, 1, 1, 1}, a); // computed; its flush is not held
      assertTrue(sink.flushing.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS));
      sink.hold = new CountDownLatch(1);
      java.util.concurrent.CompletableFuture<io.maasdk.Prediction<float[]>> hit =
          echo.predictDetailedAsync(new float[] {1, 1, 1, 1}, a);
      assertTrue(sink.flushing.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(!hit.isDone(), "a cache hit is not released before its record is durable");
      sink.hold.countDown();
      assertTrue(hit.get(30, java.util.concurrent.TimeUnit.SECONDS).cacheHit());
      assertEquals(2, sink.written.records().size());
    } finally {
      metering.close();
    }
  }

  @Test
  void durableMode_sinkFails_callFailsInsteadOfReturningAnUnrecordedResult() throws Exception {
    GatedSink sink = new GatedSink();
    sink.failWrites = true;
    Metering metering = Metering.builder().sink(sink).durable(true).build();
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      io.maasdk.InferenceException e =
          assertThrows(
              io.maasdk.InferenceException.class,
              () -> echo.predict(new float[4], CallOptions.builder().tenant("a").build()));
      assertTrue(e.getMessage().contains("could not be made durable"), e.getMessage());
      assertEquals(1, metering.failedRecords());
      sink.failWrites = false;
      echo.predict(new float[4], CallOptions.builder().tenant("a").build());
      assertEquals(1, sink.written.records().size());
    } finally {
      metering.close();
    }
  }
}
