package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.CallOptions;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.QuotaExceededException;
import io.maasdk.VersionSelector;
import io.maasdk.metrics.Fixtures.TestClock;
import io.maasdk.metrics.QuotaRefusedException.Limit;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QuotaTest {
  private static final Instant NOV_23 = Instant.parse("2026-11-23T10:00:00Z");
  private static final UsageMeters BYTES =
      UsageMeters.builder().defaultMeter(UsageMeter.inputBytes()).build();

  private static CallContext ctx(String tenant, Object input) {
    return new CallContext(
        "m", VersionSelector.parse("latest"), input, CallOptions.builder().tenant(tenant).build());
  }

  @Test
  void unitBudget_64Threads_neverOverspent_refusedBeforeQueueing() throws Exception {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(BYTES)
            .policy("acme", QuotaPolicy.builder().unitBudget(1_000, BillingPeriod.MONTH).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    InMemoryUsageSink sink = new InMemoryUsageSink();
    Metering metering = Metering.builder().meters(BYTES).sink(sink).build();
    AtomicInteger passedQuota = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    int threads = 64;
    int perThread = 4;
    try (ModelRuntime runtime =
        quotas
            .installOn(Fixtures.runtimeBuilder())
            .interceptor(
                new io.maasdk.spi.CallInterceptor() { // runs only after quotas let it pass
                  @Override
                  public Phase phase() {
                    return Phase.ADMISSION; // same phase as the quota, registered after it
                  }

                  @Override
                  public void beforeCall(io.maasdk.spi.CallContext ctx) {
                    passedQuota.incrementAndGet();
                  }
                })
            .listener(metering)
            .build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      CallOptions acme = CallOptions.builder().tenant("acme").build();
      Fixtures.concurrently(
          threads,
          t -> {
            for (int i = 0; i < perThread; i++) {
              try {
                echo.predict(new float[4], acme);
                ok.incrementAndGet();
              } catch (QuotaExceededException e) {
                assertTrue(e instanceof QuotaRefusedException);
                assertEquals(Limit.UNIT_BUDGET, ((QuotaRefusedException) e).limit());
                refused.incrementAndGet();
              }
            }
            return null;
          });
      assertEquals(threads * perThread, ok.get() + refused.get());
      assertEquals(62, ok.get(), "16 units a call: floor(1000 / 16) calls fit, no more");
      assertEquals(992, quotas.unitsUsed("acme"));
      assertEquals(62, passedQuota.get(), "a refused call never got past the interceptors");

      QuotaRefusedException e =
          assertThrows(QuotaRefusedException.class, () -> echo.predict(new float[4], acme));
      assertEquals(
          "tenant acme exceeded its monthly budget of 1000 units calling echo: 992 of"
              + " 1000 units used in 2026-11, call needs 16; retry in 7d 14h",
          e.getMessage());
      assertEquals(Duration.ofHours(7 * 24 + 14), e.retryAfter().orElseThrow());

      clock.advance(Duration.ofDays(8)); // December: a new budget
      echo.predict(new float[4], acme);
      assertEquals(16, quotas.unitsUsed("acme"));
    }
    metering.close();
    List<UsageRecord> records = sink.records();
    assertEquals(threads * perThread + 2, records.size(), "every call, refused or not, recorded");
    assertEquals(63, records.stream().filter(UsageRecord::billable).count());
    assertTrue(
        records.stream()
            .filter(r -> r.outcome() == Outcome.REFUSED)
            .allMatch(r -> r.version() == null && r.units() == 0));
  }

  @Test
  void unitBudget_callThatFails_getsItsUnitsBack() {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(BYTES)
            .defaultPolicy(QuotaPolicy.builder().unitBudget(100, BillingPeriod.DAY).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    try (ModelRuntime runtime = quotas.installOn(Fixtures.runtimeBuilder()).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      echo.predict(new float[4], CallOptions.builder().tenant("t").build());
      assertEquals(16, quotas.unitsUsed("t"));
      assertThrows(
          InvalidInputException.class,
          () -> echo.predict(new float[5], CallOptions.builder().tenant("t").build()));
      assertEquals(16, quotas.unitsUsed("t"), "invalid input (20 bytes) was refunded");
      for (int i = 0; i < 5; i++) {
        echo.predict(new float[4], CallOptions.builder().tenant("t").build());
      }
      assertEquals(96, quotas.unitsUsed("t"));
      QuotaRefusedException e =
          assertThrows(
              QuotaRefusedException.class,
              () -> echo.predict(new float[4], CallOptions.builder().tenant("t").build()));
      assertTrue(e.getMessage().contains("daily budget of 100 units"), e.getMessage());
      assertEquals(96, quotas.unitsUsed("t"), "a refusal reserves nothing and refunds nothing");
      assertEquals(0, quotas.unitsUsed("someone-else"), "default policy is per tenant");
    }
  }

  @Test
  void requestRate_64Threads_burstThenRefill_exactCounts() throws Exception {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .policy("acme", QuotaPolicy.builder().requestsPerSecond(10, 50).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    List<Integer> passed =
        Fixtures.concurrently(
            64,
            t -> {
              int n = 0;
              for (int i = 0; i < 4; i++) {
                try {
                  quotas.beforeCall(ctx("acme", new float[4]));
                  n++;
                } catch (QuotaRefusedException e) {
                  assertEquals(Limit.REQUEST_RATE, e.limit());
                }
              }
              return n;
            });
    assertEquals(50, passed.stream().mapToInt(Integer::intValue).sum(), "the burst, no more");
    QuotaRefusedException e =
        assertThrows(
            QuotaRefusedException.class, () -> quotas.beforeCall(ctx("acme", new float[4])));
    assertEquals(
        "tenant acme exceeded its request rate limit of 10 requests/s (burst 50) calling"
            + " m: 0.00 of 50 requests left in the bucket; retry in 100 ms",
        e.getMessage());
    assertEquals(Duration.ofMillis(100), e.retryAfter().orElseThrow());

    clock.advance(Duration.ofSeconds(1));
    List<Integer> refilled =
        Fixtures.concurrently(
            64,
            t -> {
              try {
                quotas.beforeCall(ctx("acme", new float[4]));
                return 1;
              } catch (QuotaRefusedException ex) {
                return 0;
              }
            });
    assertEquals(10, refilled.stream().mapToInt(Integer::intValue).sum(), "10/s for 1 s");
    quotas.beforeCall(ctx("unlimited-tenant", new float[4])); // no policy, no limit
  }

  @Test
  void unitRate_callBiggerThanBurst_neverPasses() {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(BYTES)
            .defaultPolicy(QuotaPolicy.builder().unitsPerSecond(32, 64).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    for (int i = 0; i < 4; i++) {
      quotas.beforeCall(ctx("t", new float[4]));
    }
    QuotaRefusedException e =
        assertThrows(QuotaRefusedException.class, () -> quotas.beforeCall(ctx("t", new float[4])));
    assertEquals(Limit.UNIT_RATE, e.limit());
    assertEquals(Duration.ofMillis(500), e.retryAfter().orElseThrow(), "16 units at 32/s");
    clock.advance(Duration.ofMillis(500));
    quotas.beforeCall(ctx("t", new float[4]));
    QuotaRefusedException tooBig =
        assertThrows(
            QuotaRefusedException.class, () -> quotas.beforeCall(ctx("t", new float[100])));
    assertTrue(tooBig.retryAfter().isEmpty());
    assertTrue(tooBig.getMessage().contains("can never pass"), tooBig.getMessage());
  }

  @Test
  void moneyBudget_atPlanPrices_refusesWhenNextCallWouldOverspend() {
    TestClock clock = new TestClock(NOV_23);
    PricePlan plan =
        PricePlan.builder("pro", Currency.getInstance("EUR"))
            .defaultPrice(new BigDecimal("0.50"))
            .build();
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(BYTES)
            .policy(
                "acme",
                QuotaPolicy.builder()
                    .moneyBudget(new BigDecimal("0.02"), plan, BillingPeriod.MONTH)
                    .build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    quotas.beforeCall(ctx("acme", new float[4])); // 16 units = EUR 0.008
    quotas.beforeCall(ctx("acme", new float[4]));
    QuotaRefusedException e =
        assertThrows(
            QuotaRefusedException.class, () -> quotas.beforeCall(ctx("acme", new float[4])));
    assertEquals(Limit.MONEY_BUDGET, e.limit());
    assertEquals("EUR 0.016 of 0.02 used in 2026-11, call costs 0.008", e.usage());
    assertEquals(0, new BigDecimal("0.016").compareTo(quotas.moneyUsed("acme")));
  }

  @Test
  void unmeterableInput_refusedAsInvalidInput() {
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(BYTES)
            .defaultPolicy(QuotaPolicy.builder().unitBudget(10, BillingPeriod.DAY).build())
            .build();
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> quotas.beforeCall(ctx("t", new Object())));
    assertTrue(e.getMessage().contains("cannot count the units"), e.getMessage());
  }

  @Test
  void refusedEarlierOrWrongInputType_neverRefunded_budget100AllowsExactly100() throws Exception {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .policy("acme", QuotaPolicy.builder().unitBudget(100, BillingPeriod.MONTH).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    AtomicInteger ok = new AtomicInteger();
    try (ModelRuntime runtime =
        quotas
            .installOn(
                Fixtures.runtimeBuilder()
                    .interceptor(
                        ctx -> { // runs before the quota: a wrong key
                          if ("wrong".equals(ctx.options().credentials())) {
                            throw new io.maasdk.AccessDeniedException(
                                ctx.modelName(), null, "bad key");
                          }
                        }))
            .clock(clock)
            .build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      @SuppressWarnings({"unchecked", "rawtypes"})
      ModelHandle<Object, float[]> raw = (ModelHandle) echo;
      CallOptions acme = CallOptions.builder().tenant("acme").build();
      CallOptions badKey = CallOptions.builder().tenant("acme").credentials("wrong").build();
      Fixtures.concurrently(
          16,
          t -> {
            for (int i = 0; i < 32; i++) {
              assertThrows(
                  io.maasdk.AccessDeniedException.class, () -> echo.predict(new float[4], badKey));
              assertThrows(InvalidInputException.class, () -> raw.predict("not floats", acme));
              try {
                echo.predict(new float[4], acme);
                ok.incrementAndGet();
              } catch (QuotaRefusedException e) {
                assertEquals(Limit.UNIT_BUDGET, e.limit());
              }
            }
            return null;
          });
    }
    assertEquals(100, ok.get(), "512 tries, a budget of 100");
    assertEquals(100, quotas.unitsUsed("acme"));
  }

  @Test
  void refusedByLaterQuota_earlierQuotaRefundsExactlyOnce() throws Exception {
    TestClock clock = new TestClock(NOV_23);
    QuotaInterceptor big =
        QuotaInterceptor.builder()
            .defaultPolicy(QuotaPolicy.builder().unitBudget(100, BillingPeriod.MONTH).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    QuotaInterceptor small =
        QuotaInterceptor.builder()
            .defaultPolicy(QuotaPolicy.builder().unitBudget(10, BillingPeriod.MONTH).build())
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    AtomicInteger ok = new AtomicInteger();
    try (ModelRuntime runtime =
        small.installOn(big.installOn(Fixtures.runtimeBuilder())).clock(clock).build()) {
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      Fixtures.concurrently(
          8,
          t -> {
            for (int i = 0; i < 8; i++) {
              try {
                echo.predict(new float[4], CallOptions.builder().tenant("t").build());
                ok.incrementAndGet();
              } catch (QuotaRefusedException e) {
                assertEquals(Limit.UNIT_BUDGET, e.limit());
              }
            }
            return null;
          });
    }
    assertEquals(10, ok.get());
    assertEquals(10, small.unitsUsed("t"));
    assertEquals(10, big.unitsUsed("t"), "54 refusals by the later quota, each refunded once");
  }

  @Test
  void restartMidPeriod_spendRebuiltFromLedger_budgetOf3AllowsNoMoreThan3(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    TestClock clock = new TestClock(NOV_23);
    QuotaPolicy three = QuotaPolicy.builder().unitBudget(3, BillingPeriod.MONTH).build();
    CallOptions acme = CallOptions.builder().tenant("acme").build();
    for (int restart = 0; restart < 2; restart++) {
      QuotaInterceptor quotas =
          QuotaInterceptor.builder()
              .policy("acme", three)
              .restoreFrom(LedgerReader.read(dir))
              .clock(clock)
              .nanoTime(clock::nanoTime)
              .build();
      Metering metering =
          Metering.builder().sink(LedgerSink.open(dir, FsyncPolicy.always())).durable(true).build();
      int passed = 0;
      try (ModelRuntime runtime =
          quotas.installOn(Fixtures.runtimeBuilder()).listener(metering).clock(clock).build()) {
        runtime.deploy(Fixtures.echo("echo"));
        ModelHandle<float[], float[]> echo =
            runtime.handle("echo", "latest", float[].class, float[].class);
        for (int i = 0; i < 3; i++) {
          try {
            echo.predict(new float[4], acme);
            passed++;
          } catch (QuotaRefusedException e) {
            assertEquals(Limit.UNIT_BUDGET, e.limit());
          }
        }
        assertEquals(3, quotas.unitsUsed("acme"));
      } finally {
        metering.close();
      }
      assertEquals(restart == 0 ? 3 : 0, passed, "after restart " + restart);
      clock.advance(Duration.ofDays(2)); // still November
    }
    clock.advance(Duration.ofDays(6)); // December: a new budget
    QuotaInterceptor december =
        QuotaInterceptor.builder()
            .policy("acme", three)
            .restoreFrom(LedgerReader.read(dir))
            .clock(clock)
            .nanoTime(clock::nanoTime)
            .build();
    december.beforeCall(ctx("acme", new float[4]));
    assertEquals(1, december.unitsUsed("acme"));
  }
}
