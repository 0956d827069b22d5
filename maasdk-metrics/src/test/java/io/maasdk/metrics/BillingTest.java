package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.CallOptions;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.testkit.TestModels;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BillingTest {
  private static final Currency EUR = Currency.getInstance("EUR");

  static final PricePlan PRO =
      PricePlan.builder("pro", EUR)
          .price("digits*", new BigDecimal("0.37"))
          .defaultPrice(new BigDecimal("2.00"))
          .freeUnitsPerPeriod(1_000)
          .build();
  static final PricePlan BASIC =
      PricePlan.builder("basic", EUR).defaultPrice(new BigDecimal("1.13")).build();
  static final PricePlan STARTER =
      PricePlan.builder("starter", EUR)
          .price("digits", new BigDecimal("0.0999"))
          .price("echo", new BigDecimal("0.50"))
          .freeUnitsPerPeriod(50_000)
          .build();

  @Test
  void invoice_fromLedgerOfRealCalls_reconcilesToTheCent(@TempDir Path dir) throws Exception {
    InMemoryUsageSink memory = new InMemoryUsageSink();
    UsageMeters meters = UsageMeters.builder().meter("digits", UsageMeter.inputBytes()).build();
    Metering metering =
        Metering.builder()
            .meters(meters)
            .sink(memory)
            .sink(LedgerSink.open(dir, FsyncPolicy.every(Duration.ofMillis(100))))
            .build();
    Map<String, Integer> calls = Map.of("acme", 37, "globex", 23, "initech", 211);
    float[][] x = TestModels.digitsTestSet().features();
    try (ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build()) {
      runtime.deploy(ModelSpecs.digits());
      runtime.deploy(Fixtures.echo("echo"));
      ModelHandle<float[], float[]> digits =
          runtime.handle("digits", "latest", float[].class, float[].class);
      ModelHandle<float[], float[]> echo =
          runtime.handle("echo", "latest", float[].class, float[].class);
      calls.forEach(
          (tenant, n) -> {
            CallOptions opts = CallOptions.builder().tenant(tenant).build();
            for (int i = 0; i < n; i++) {
              digits.predict(x[i % x.length], opts);
            }
            echo.predict(new float[4], opts);
            assertThrows(InvalidInputException.class, () -> digits.predict(new float[3], opts));
          });
    }
    metering.close();

    Billing billing =
        Billing.builder().plan("acme", PRO).plan("initech", STARTER).defaultPlan(BASIC).build();
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(memory.records(), ledger.records(), "the ledger holds what was acknowledged");
    List<Invoice> invoices = billing.invoices(ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC));
    assertEquals(
        invoices,
        billing.invoices(
            UsageTotals.aggregate(memory.records(), BillingPeriod.MONTH, ZoneOffset.UTC)));
    assertEquals(3, invoices.size());

    // Independently: price each ledger record exactly, deduct the free tier, round per line.
    BigDecimal grandTotal = BigDecimal.ZERO;
    for (Invoice invoice : invoices) {
      PricePlan plan = billing.planOf(invoice.tenant()).orElseThrow();
      Map<String, BigDecimal> exact = new TreeMap<>();
      Map<String, Long> units = new TreeMap<>();
      for (UsageRecord r : ledger.records()) {
        if (r.tenant().equals(invoice.tenant()) && r.billable()) {
          exact.merge(
              r.model(),
              plan.requirePricePer1000(r.model())
                  .multiply(BigDecimal.valueOf(r.units()))
                  .divide(BigDecimal.valueOf(1000)),
              BigDecimal::add);
          units.merge(r.model(), r.units(), Long::sum);
        }
      }
      long free = plan.freeUnitsPerPeriod();
      BigDecimal expectedTotal = BigDecimal.ZERO;
      for (InvoiceLine line : invoice.lines()) {
        long used = Math.min(free, units.get(line.model()));
        free -= used;
        BigDecimal freeValue =
            plan.requirePricePer1000(line.model())
                .multiply(BigDecimal.valueOf(used))
                .divide(BigDecimal.valueOf(1000));
        BigDecimal expected =
            exact.get(line.model()).subtract(freeValue).setScale(2, RoundingMode.HALF_EVEN);
        assertEquals(expected, line.amount(), invoice.tenant() + " " + line.model());
        expectedTotal = expectedTotal.add(expected);
      }
      assertEquals(0, expectedTotal.compareTo(invoice.total()));
      grandTotal = grandTotal.add(invoice.total());
      long digitsUnits = units.get("digits");
      assertEquals(calls.get(invoice.tenant()) * 256L, digitsUnits, "64 floats = 256 bytes");
    }
    // acme: 37*256 = 9472 units, 1000 free, 8472 * 0.37/1000 = 3.13464 -> 3.13; echo 1 unit free
    Invoice acme = invoices.get(0);
    assertEquals("acme", acme.tenant());
    assertEquals(new BigDecimal("3.13"), acme.total());
    assertEquals(List.of("digits", "echo"), acme.lines().stream().map(InvoiceLine::model).toList());
    assertEquals(38, acme.lines().get(0).calls(), "37 successes and 1 invalid input");

    // Exports carry the same money.
    StringBuilder csv = new StringBuilder(Invoice.CSV_HEADER).append('\n');
    invoices.forEach(i -> i.appendCsvRows(csv));
    BigDecimal csvTotal = BigDecimal.ZERO;
    String[] rows = csv.toString().split("\n");
    assertEquals(Invoice.CSV_HEADER, rows[0]);
    for (int r = 1; r < rows.length; r++) {
      String[] f = rows[r].split(",");
      assertEquals(15, f.length);
      csvTotal = csvTotal.add(new BigDecimal(f[14]));
    }
    assertEquals(0, grandTotal.compareTo(csvTotal));
    BigDecimal jsonTotal = BigDecimal.ZERO;
    for (Invoice i : invoices) {
      Matcher m = Pattern.compile("\"amount\":\"([0-9.]+)\"").matcher(i.toJson());
      BigDecimal lines = BigDecimal.ZERO;
      while (m.find()) {
        lines = lines.add(new BigDecimal(m.group(1)));
      }
      assertTrue(i.toJson().endsWith("\"total\":\"" + i.total().toPlainString() + "\"}"));
      assertEquals(0, lines.compareTo(i.total()));
      jsonTotal = jsonTotal.add(lines);
    }
    assertEquals(0, grandTotal.compareTo(jsonTotal));
  }

  @Test
  void cacheHits_billedOrNot_perPlan() {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    List<UsageRecord> records =
        List.of(
            new UsageRecord("1", t, "a", "m", "1", 1000, false, Outcome.SUCCESS, 0),
            new UsageRecord("2", t, "a", "m", "1", 3000, true, Outcome.SUCCESS, 0),
            new UsageRecord("3", t, "a", "m", "1", 0, false, Outcome.FAILED, 0));
    List<UsageTotals> usage = UsageTotals.aggregate(records, BillingPeriod.MONTH, ZoneOffset.UTC);
    PricePlan billed = PricePlan.builder("b", EUR).defaultPrice(BigDecimal.ONE).build();
    PricePlan free =
        PricePlan.builder("f", EUR).defaultPrice(BigDecimal.ONE).billCacheHits(false).build();
    Invoice withHits = Billing.builder().defaultPlan(billed).build().invoices(usage).get(0);
    Invoice withoutHits = Billing.builder().defaultPlan(free).build().invoices(usage).get(0);
    assertEquals(new BigDecimal("4.00"), withHits.total());
    assertEquals(new BigDecimal("1.00"), withoutHits.total());
    assertEquals(3, withoutHits.lines().get(0).calls());
    assertEquals(LocalDate.parse("2026-11-01"), withHits.periodStart());
  }

  @Test
  void invoice_unpricedModelOrTenant_failsWithAdvice() {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    List<UsageTotals> usage =
        UsageTotals.aggregate(
            List.of(new UsageRecord("1", t, "a", "other", "1", 1, false, Outcome.SUCCESS, 0)),
            BillingPeriod.MONTH,
            ZoneOffset.UTC);
    IllegalStateException noPrice =
        assertThrows(
            IllegalStateException.class,
            () -> Billing.builder().defaultPlan(STARTER).build().invoices(usage));
    assertTrue(noPrice.getMessage().contains("no price for model other"), noPrice.getMessage());
    IllegalStateException noPlan =
        assertThrows(IllegalStateException.class, () -> Billing.builder().build().invoices(usage));
    assertTrue(noPlan.getMessage().contains("tenant a has no price plan"), noPlan.getMessage());
  }

  @Test
  void csv_quotesFieldsWithCommas() {
    Invoice i =
        new Invoice(
            "a,b",
            "p",
            EUR,
            BillingPeriod.DAY,
            LocalDate.parse("2026-11-23"),
            List.of(
                new InvoiceLine(
                    "m\"x", 1, 1, 10, 0, 10, 0, 10, BigDecimal.ONE, new BigDecimal("0.01"))),
            new BigDecimal("0.01"));
    assertEquals(
        Invoice.CSV_HEADER
            + "\n\"a,b\",p,2026-11-23,\"m\"\"x\",units,1,1,10,0,10,0,10,1,EUR,"
            + "0.01\n",
        i.toCsv());
  }

  @Test
  void outputAndComputeUnits_pricedPerKind_invoicedAndChargedToMoneyBudget(@TempDir Path dir)
      throws Exception {
    UsageMeters meters =
        UsageMeters.builder()
            .meter("digits", UsageMeter.perCall())
            .meter("digits", "output_values", call -> ((float[]) call.output()).length)
            .meter("digits", "compute_us", CallMeter.computeMicros())
            .meter("*", "output_items", CallMeter.outputItems())
            .build();
    PricePlan plan =
        PricePlan.builder("metered", EUR)
            .price("digits", new BigDecimal("1.00")) // per 1,000 calls
            .price("digits", "output_values", new BigDecimal("0.10")) // per 1,000 values returned
            .price("digits", "compute_us", new BigDecimal("0.002")) // EUR 0.002 per ms
            .build();
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(meters)
            .policy(
                "acme",
                QuotaPolicy.builder()
                    .moneyBudget(new BigDecimal("100"), plan, BillingPeriod.MONTH)
                    .build())
            .build();
    Metering metering =
        Metering.builder()
            .meters(meters)
            .sink(LedgerSink.open(dir, FsyncPolicy.always()))
            .durable(true)
            .build();
    float[][] x = TestModels.digitsTestSet().features();
    try (ModelRuntime runtime =
        quotas.installOn(Fixtures.runtimeBuilder()).listener(metering).build()) {
      runtime.deploy(ModelSpecs.digits());
      ModelHandle<float[], float[]> digits =
          runtime.handle("digits", "latest", float[].class, float[].class);
      for (int i = 0; i < 20; i++) {
        digits.predict(x[i], CallOptions.builder().tenant("acme").build());
      }
    } finally {
      metering.close();
    }
    LedgerReader ledger = LedgerReader.read(dir);
    assertEquals(20, ledger.records().size());
    long computeUs = 0;
    for (UsageRecord r : ledger.records()) {
      assertEquals(10L, r.extraUnits().get("output_values"), "10 class scores per call");
      assertEquals(1L, r.extraUnits().get("output_items"));
      assertTrue(r.units("compute_us") > 0, "device time measured: " + r);
      computeUs += r.units("compute_us");
    }
    BigDecimal exact =
        new BigDecimal("0.020") // 20 calls
            .add(new BigDecimal("0.020")) // 200 values
            .add(
                new BigDecimal("0.002")
                    .multiply(BigDecimal.valueOf(computeUs))
                    .divide(BigDecimal.valueOf(1000)));
    assertEquals(
        0,
        exact.compareTo(quotas.moneyUsed("acme")),
        "the money budget saw every kind: " + quotas.moneyUsed("acme") + " vs " + exact);
    QuotaInterceptor restarted =
        QuotaInterceptor.builder()
            .meters(meters)
            .policy(
                "acme",
                QuotaPolicy.builder()
                    .moneyBudget(new BigDecimal("100"), plan, BillingPeriod.MONTH)
                    .build())
            .restoreFrom(ledger)
            .build();
    restarted.beforeCall(
        new io.maasdk.spi.CallContext(
            "digits",
            io.maasdk.VersionSelector.latest(),
            x[0],
            CallOptions.builder().tenant("acme").build()));
    assertEquals(
        0,
        exact.add(new BigDecimal("0.001")).compareTo(restarted.moneyUsed("acme")),
        "restored from the ledger, plus the new call's reservation");

    Invoice invoice =
        Billing.builder()
            .defaultPlan(plan)
            .build()
            .invoices(ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC))
            .get(0);
    assertEquals(
        List.of("units", "compute_us", "output_values"),
        invoice.lines().stream().map(InvoiceLine::unit).toList(),
        "unpriced output_items: none");
    InvoiceLine compute = invoice.lines().get(1);
    assertEquals(computeUs, compute.billedUnits());
    assertEquals(
        new BigDecimal("0.002")
            .multiply(BigDecimal.valueOf(computeUs))
            .divide(BigDecimal.valueOf(1000))
            .setScale(2, RoundingMode.HALF_EVEN),
        compute.amount());
    assertEquals(new BigDecimal("0.02"), invoice.lines().get(2).amount());
    assertEquals(
        invoice.lines().stream().map(InvoiceLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add),
        invoice.total());
    assertTrue(invoice.toCsv().contains(",digits,compute_us,20,20,"), invoice.toCsv());
  }

  @Test
  void usageRecord_extraUnits_jsonRoundTrip_andOldLinesStillRead() {
    UsageRecord r =
        new UsageRecord(
            "id-1",
            Instant.parse("2026-11-23T10:00:00Z"),
            "t",
            "m",
            "1.0.0",
            3,
            false,
            Outcome.SUCCESS,
            10,
            Map.of("output_tokens", 42L, "compute_us", 7L));
    assertTrue(
        r.toJson().endsWith(",\"units.compute_us\":7,\"units.output_tokens\":42}"), r.toJson());
    assertEquals(r, UsageRecord.fromJson(r.toJson()));
    String old =
        "{\"id\":\"x\",\"ts\":\"2026-11-23T10:00:00Z\",\"tenant\":\"t\",\"model\":\"m\","
            + "\"version\":null,\"units\":1,\"cacheHit\":false,\"outcome\":\"SUCCESS\","
            + "\"latencyNanos\":5}";
    assertEquals(Map.of(), UsageRecord.fromJson(old).extraUnits());
    assertThrows(
        IllegalArgumentException.class,
        () -> UsageMeters.builder().meter("*", "units", CallMeter.outputItems()));
  }
}
