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
import org.junit.jupiter.api.Test;

class MeteringTest {

  @Test
  void everyCall_concurrentMixedOutcomes_exactlyOneRecordEach() throws Exception {
    InMemoryUsageSink sink = new InMemoryUsageSink();
    Metering metering = Metering.builder()
        .meters(UsageMeters.builder().defaultMeter(UsageMeter.inputBytes()).build())
        .sink(sink)
        .build();
    int threads = 16;
    int perThread = 30;
    try (ModelRuntime runtime = Fixtures.runtimeBuilder()
        .listener(metering)
        .interceptor(ctx -> {
          if (ctx.options().tenant().startsWith("blocked")) {
            throw new AccessDeniedException("echo", null, "no");
          }
        })
        .build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      Fixtures.concurrently(threads, t -> {
        for (int i = 0; i < perThread; i++) {
          switch (i % 3) {
            case 0 -> echo.predict(new float[4], CallOptions.builder().tenant("t" + t).build());
            case 1 -> assertThrows(InvalidInputException.class,
                () -> echo.predict(new float[5], CallOptions.builder().tenant("t" + t).build()));
            default -> assertThrows(AccessDeniedException.class,
                () -> echo.predict(new float[4],
                    CallOptions.builder().tenant("blocked" + t).build()));
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
    assertEquals(Map.of(Outcome.SUCCESS, 160, Outcome.INVALID_INPUT, 160, Outcome.REFUSED, 160),
        byOutcome);
    assertEquals(160 * 16, units, "float[4] is 16 bytes");
  }

  @Test
  void fullBuffer_blocksBrieflyThenCountsDrops() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    InMemoryUsageSink memory = new InMemoryUsageSink();
    UsageSink slow = records -> {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      memory.write(records);
    };
    Metering metering = Metering.builder().sink(slow).bufferCapacity(4)
        .offerTimeout(Duration.ofMillis(2)).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metering.bindTo(registry);
    metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    entered.await(); // the delivery thread holds record 1 in the sink: the buffer is empty
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
    Metering metering = Metering.builder()
        .sink(records -> {
          throw new java.io.IOException("disk full");
        })
        .sink(good)
        .build();
    for (int i = 0; i < 3; i++) {
      metering.onEvent(Fixtures.event("a", "m", Outcome.SUCCESS, new float[4]));
    }
    metering.flush(Duration.ofSeconds(10));
    assertEquals(3, good.records().size());
    assertEquals(3, metering.failedRecords());
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
    UsageMeters meters = UsageMeters.builder().meter("digits-*", UsageMeter.items())
        .meter("embed*", words).build();
    assertEquals(2, meters.units("digits-mlp", new float[2][64]));
    assertEquals(1, meters.units("other", new float[2][64]));
    assertEquals(2, meters.units("embedder", "two words"));
  }

  @Test
  void usageRecord_jsonRoundTrip_escapesText() {
    UsageRecord r = new UsageRecord("id-1", java.time.Instant.parse("2026-11-23T10:00:00.123Z"),
        "ten\"ant\n\\x", "m,odel", null, 42, true, Outcome.SUCCESS, 12345);
    assertEquals(r, UsageRecord.fromJson(r.toJson()));
    assertThrows(IllegalArgumentException.class,
        () -> UsageRecord.fromJson(r.toJson().substring(0, 40)));
  }
}
