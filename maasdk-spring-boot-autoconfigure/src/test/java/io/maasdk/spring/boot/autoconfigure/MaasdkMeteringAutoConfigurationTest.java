package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.PricePlan;
import io.maasdk.metrics.QuotaInterceptor;
import io.maasdk.metrics.QuotaRefusedException;
import io.maasdk.metrics.UsageRecord;
import io.maasdk.testkit.TestModels;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Metering, the ledger, quotas and the price plan from {@code maasdk.metering.*}, {@code
 * maasdk.quotas.*} and {@code maasdk.pricing.*}, on the real digits model: records land in a real
 * ledger folder, budgets refuse real calls, and a restart resumes the spend from the ledger.
 */
class MaasdkMeteringAutoConfigurationTest {

  @TempDir static Path tmp;
  static Path repository;
  static float[] sample;

  @BeforeAll
  static void models() {
    repository = TestModels.writeDigitsRepository(tmp.resolve("models"));
    sample = TestModels.digitsTestSet().features()[0];
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MaasdkAutoConfiguration.class, MaasdkMeteringAutoConfiguration.class))
          .withPropertyValues(
              "maasdk.drain-timeout=2s",
              "maasdk.repository.root=" + repository,
              "maasdk.models.digits-mlp.input-length=64");

  private static ModelHandle<float[], float[]> digits(ModelRuntime runtime) {
    return runtime.handle("digits-mlp", "2.0.0", float[].class, float[].class);
  }

  private static CallOptions as(String tenant) {
    return CallOptions.builder().tenant(tenant).build();
  }

  @Test
  void ledgerDir_meteringWritesOneRecordPerCall_withTheConfiguredMeter() throws Exception {
    Path ledger = tmp.resolve("ledger-basic");
    runner
        .withPropertyValues(
            "maasdk.metering.ledger-dir=" + ledger,
            "maasdk.metering.fsync=always",
            "maasdk.metering.durable=true",
            "maasdk.metering.meters[digits-*]=input-bytes")
        .run(
            ctx -> {
              assertThat(ctx)
                  .hasNotFailed()
                  .hasSingleBean(Metering.class)
                  .doesNotHaveBean(QuotaInterceptor.class);
              Metering metering = ctx.getBean(Metering.class);
              assertThat(metering.isDurable()).isTrue();
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              h.predict(sample, as("acme"));
              h.predict(sample, as("acme"));
              h.predict(sample, as("globex"));
              // durable: each record is in the ledger before predict returned
              List<UsageRecord> records = LedgerReader.read(ledger).records();
              assertEquals(3, records.size(), records.toString());
              assertThat(records)
                  .allSatisfy(
                      r -> {
                        assertEquals("digits-mlp", r.model());
                        assertEquals(64 * 4, r.units());
                      });
              assertThat(records)
                  .extracting(UsageRecord::tenant)
                  .containsExactly("acme", "acme", "globex");
            });
  }

  @Test
  void asynchronousMetering_isFlushedIntoTheLedger_whenTheContextCloses() throws Exception {
    Path ledger = tmp.resolve("ledger-async");
    runner
        .withPropertyValues("maasdk.metering.ledger-dir=" + ledger, "maasdk.metering.fsync=never")
        .run(
            ctx -> {
              assertThat(ctx.getBean(Metering.class).isDurable()).isFalse();
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              for (int i = 0; i < 5; i++) {
                h.predict(sample, as("acme"));
              }
            });
    List<UsageRecord> records = LedgerReader.read(ledger).records();
    assertEquals(5, records.size());
    assertThat(records).allSatisfy(r -> assertEquals(1, r.units())); // per call by default
  }

  @Test
  void withoutLedgerDir_noMetering() {
    runner.run(
        ctx ->
            assertThat(ctx)
                .hasNotFailed()
                .doesNotHaveBean(Metering.class)
                .doesNotHaveBean(QuotaInterceptor.class)
                .doesNotHaveBean(PricePlan.class));
  }

  @Test
  void meteringOff_byProperty() {
    runner
        .withPropertyValues(
            "maasdk.metering.ledger-dir=" + tmp.resolve("ledger-off"),
            "maasdk.metering.enabled=false")
        .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(Metering.class));
  }

  @Test
  void metricsModuleAbsent_noMeteringNorQuotas_runtimeStillServes() {
    runner
        .withClassLoader(new FilteredClassLoader(Metering.class))
        .withPropertyValues(
            "maasdk.metering.ledger-dir=" + tmp.resolve("ledger-absent"),
            "maasdk.quotas.defaults.unit-budget=1")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(MaasdkMeteringAutoConfiguration.class);
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              h.predict(sample);
              h.predict(sample);
            });
  }

  @Test
  void unitBudgetPerTenant_refusesTheCallPastIt_andARestartResumesFromTheLedger() {
    Path ledger = tmp.resolve("ledger-quota");
    ApplicationContextRunner app =
        runner.withPropertyValues(
            "maasdk.metering.ledger-dir=" + ledger,
            "maasdk.metering.fsync=always",
            "maasdk.metering.durable=true",
            "maasdk.quotas.tenants.free-co.unit-budget=2",
            "maasdk.quotas.tenants.free-co.budget-period=day");
    app.run(
        ctx -> {
          assertThat(ctx).hasNotFailed().hasSingleBean(QuotaInterceptor.class);
          ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
          h.predict(sample, as("free-co"));
          h.predict(sample, as("free-co"));
          QuotaRefusedException e =
              assertThrows(QuotaRefusedException.class, () -> h.predict(sample, as("free-co")));
          assertEquals("free-co", e.tenant());
          for (int i = 0; i < 5; i++) {
            h.predict(sample, as("paying-co")); // tenants not named are not limited
          }
        });
    app.run(
        ctx -> {
          ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
          assertThrows(QuotaRefusedException.class, () -> h.predict(sample, as("free-co")));
        });
    app.withPropertyValues("maasdk.quotas.restore-from-ledger=false")
        .run(ctx -> digits(ctx.getBean(ModelRuntime.class)).predict(sample, as("free-co")));
  }

  @Test
  void defaultRateLimit_appliesToEveryTenant() {
    runner
        .withPropertyValues(
            "maasdk.quotas.defaults.requests-per-second=0.001",
            "maasdk.quotas.defaults.request-burst=2")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(Metering.class);
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              h.predict(sample, as("a"));
              h.predict(sample, as("a"));
              assertThrows(QuotaRefusedException.class, () -> h.predict(sample, as("a")));
              h.predict(sample, as("b"));
            });
  }

  @Test
  void moneyBudget_atThePricePlansPrices() {
    runner
        .withPropertyValues(
            "maasdk.pricing.currency=EUR",
            "maasdk.pricing.prices[digits-*]=1000", // 1.00 EUR a call
            "maasdk.quotas.tenants.acme.money-budget=2.50")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertEquals("EUR", ctx.getBean(PricePlan.class).currency().getCurrencyCode());
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              h.predict(sample, as("acme"));
              h.predict(sample, as("acme"));
              assertThrows(QuotaRefusedException.class, () -> h.predict(sample, as("acme")));
              assertThat(ctx.getBean(QuotaInterceptor.class).moneyUsed("acme"))
                  .isEqualByComparingTo(new BigDecimal("2.00"));
            });
  }

  @Test
  void moneyBudgetWithoutAPricePlan_failsStartup_namingTheProperty() {
    runner
        .withPropertyValues("maasdk.quotas.tenants.acme.money-budget=2.50")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk.quotas.tenants.acme")
                  .hasMessageContaining("maasdk.pricing.currency");
            });
  }

  @Test
  void wrongBudgetPeriod_failsStartup_namingTheProperty() {
    runner
        .withPropertyValues(
            "maasdk.quotas.tenants.acme.unit-budget=5",
            "maasdk.quotas.tenants.acme.budget-period=week")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk.quotas.tenants.acme")
                  .hasMessageContaining("week");
            });
  }

  @Test
  void quotasOff_byProperty() {
    runner
        .withPropertyValues("maasdk.quotas.defaults.unit-budget=1", "maasdk.quotas.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed().doesNotHaveBean(QuotaInterceptor.class);
              ModelHandle<float[], float[]> h = digits(ctx.getBean(ModelRuntime.class));
              h.predict(sample);
              h.predict(sample);
            });
  }
}
