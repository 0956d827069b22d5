package io.maasdk.examples;

import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.QuotaExceededException;
import io.maasdk.codec.Codecs;
import io.maasdk.metrics.Billing;
import io.maasdk.metrics.BillingPeriod;
import io.maasdk.metrics.FsyncPolicy;
import io.maasdk.metrics.Invoice;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.LedgerSink;
import io.maasdk.metrics.MaasdkMetrics;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.PricePlan;
import io.maasdk.metrics.QuotaInterceptor;
import io.maasdk.metrics.QuotaPolicy;
import io.maasdk.metrics.UsageMeter;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Pay-per-use in one program: three tenants on different price plans call a real digits classifier;
 * every call is metered to a durable ledger, one tenant hits its quota, and the program prints the
 * Micrometer meters and the month's invoices read back from the ledger.
 */
public final class UsageReport {
  private UsageReport() {}

  /**
   * Meters calls of several tenants to a durable ledger and prints the meters and the month's
   * invoices read back from it.
   *
   * @param args the ledger folder; a temporary one without any
   * @throws IOException if the ledger cannot be written or read
   */
  public static void main(String[] args) throws IOException {
    Path ledgerDir =
        args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("maasdk-ledger");
    Currency eur = Currency.getInstance("EUR");

    // 1. Plans: price per 1,000 units (here: one unit per image classified).
    PricePlan enterprise =
        PricePlan.builder("enterprise", eur)
            .price("digits", new BigDecimal("0.80"))
            .freeUnitsPerPeriod(100)
            .build();
    PricePlan payg =
        PricePlan.builder("pay-as-you-go", eur).price("digits", new BigDecimal("1.50")).build();
    PricePlan free = PricePlan.builder("free", eur).price("digits", BigDecimal.ZERO).build();
    Billing billing =
        Billing.builder()
            .plan("acme", enterprise)
            .plan("globex", payg)
            .plan("initech", free)
            .build();

    // 2. One UsageMeters for metering and quotas, so the budget and the bill agree.
    UsageMeters meters = UsageMeters.builder().meter("digits", UsageMeter.items()).build();
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(meters)
            .policy(
                "initech",
                QuotaPolicy.builder()
                    .requestsPerSecond(1_000, 200)
                    .unitBudget(150, BillingPeriod.MONTH)
                    .build())
            .restoreFrom(LedgerReader.read(ledgerDir)) // a restart keeps the month's spend
            .build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MaasdkMetrics metrics = MaasdkMetrics.builder().tenantTag(10).build();
    metrics.bindTo(registry);

    try (Metering metering =
        Metering.builder()
            .meters(meters)
            .sink(LedgerSink.open(ledgerDir, FsyncPolicy.every(Duration.ofMillis(100))))
            .build()) {
      metering.bindTo(registry);
      try (ModelRuntime runtime =
          quotas.installOn(ModelRuntime.builder()).listener(metrics).listener(metering).build()) {
        runtime.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("1.0.0")
                .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
                .translator(Codecs.floatVector(64))
                .devicePolicy(DevicePolicy.cpu())
                .build());
        metrics.monitor(runtime);
        ModelHandle<float[], float[]> digits =
            runtime.handle("digits", "latest", float[].class, float[].class);

        // 3. Traffic: acme 1,200 images, globex 300, initech 250 (its budget is 150).
        float[][] images = TestModels.digitsTestSet().features();
        Map<String, Integer> traffic = new LinkedHashMap<>();
        traffic.put("acme", 1_200);
        traffic.put("globex", 300);
        traffic.put("initech", 250);
        for (Map.Entry<String, Integer> t : traffic.entrySet()) {
          CallOptions opts = CallOptions.builder().tenant(t.getKey()).build();
          int refused = 0;
          String lastRefusal = null;
          for (int i = 0; i < t.getValue(); i++) {
            try {
              digits.predict(images[i % images.length], opts);
            } catch (QuotaExceededException e) {
              refused++;
              lastRefusal = e.getMessage();
            }
          }
          System.out.printf(
              "%-8s %5d calls, %d refused%s%n",
              t.getKey(),
              t.getValue(),
              refused,
              lastRefusal == null ? "" : " (" + lastRefusal + ")");
        }

        // 4. Meters, as any Micrometer registry would publish them.
        System.out.println("\n== meters ==");
        registry.getMeters().stream()
            .sorted(
                Comparator.comparing((Meter m) -> m.getId().getName())
                    .thenComparing(m -> m.getId().getTags().toString()))
            .forEach(
                m ->
                    System.out.printf(
                        "%-30s %s %s%n",
                        m.getId().getName(),
                        m.getId().getTags().stream()
                            .map(tag -> tag.getKey() + "=" + tag.getValue())
                            .collect(Collectors.joining(",", "{", "}")),
                        describe(m)));
      }
    } // closing Metering delivers and fsyncs every record

    // 5. The month's invoices, from the ledger on disk.
    LedgerReader ledger = LedgerReader.read(ledgerDir);
    List<Invoice> invoices = billing.invoices(ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC));
    System.out.printf("%n== invoices (%d records in %s) ==%n", ledger.records().size(), ledgerDir);
    StringBuilder csv = new StringBuilder(Invoice.CSV_HEADER).append('\n');
    invoices.forEach(invoice -> invoice.appendCsvRows(csv));
    System.out.print(csv);
    for (Invoice invoice : invoices) {
      System.out.printf(
          "%-8s %-14s %s %s%n",
          invoice.tenant(),
          invoice.plan(),
          invoice.currency().getCurrencyCode(),
          invoice.total().toPlainString());
    }
    System.out.println(invoices.get(0).toJson());
  }

  private static String describe(Meter m) {
    StringBuilder b = new StringBuilder();
    for (Measurement x : m.measure()) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(x.getStatistic().name().toLowerCase())
          .append('=')
          .append(String.format("%.4g", x.getValue()));
    }
    return b.toString();
  }
}
