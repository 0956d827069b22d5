package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.metrics.BillingPeriod;
import io.maasdk.metrics.FsyncPolicy;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.LedgerSink;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.PricePlan;
import io.maasdk.metrics.QuotaInterceptor;
import io.maasdk.metrics.QuotaPolicy;
import io.maasdk.metrics.UsageMeter;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.spring.boot.autoconfigure.MaasdkProperties.Quota;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Currency;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Metering, a durable usage ledger, quotas and a price plan from properties, when maasdk-metrics is
 * on the classpath:
 *
 * <pre>
 * maasdk.metering.ledger-dir=/var/lib/app/ledger        # a Metering bean writing a LedgerSink
 * maasdk.metering.fsync=always                          # always | every (fsync-interval) | never
 * maasdk.metering.meters[digits-*]=items                # per-call (default) | items | input-bytes
 * maasdk.quotas.defaults.requests-per-second=50         # every tenant not named below
 * maasdk.quotas.tenants.free-co.unit-budget=10000       # per budget-period (month by default)
 * maasdk.quotas.tenants.acme.money-budget=25.00         # at maasdk.pricing's prices
 * maasdk.pricing.currency=EUR
 * maasdk.pricing.prices[digits-*]=0.40                  # per 1,000 units
 * </pre>
 *
 * <p>{@link Metering} and {@link QuotaInterceptor} are beans that the runtime is built with (a
 * listener; an interceptor and listener), counting units with the one {@link UsageMeters} bean. The
 * runtime closes the metering (delivering buffered records, fsyncing the ledger) after it has
 * drained. With a ledger, budgets start from what it records as spent in the current period. The
 * application's own {@code Metering}, {@code QuotaInterceptor}, {@code UsageMeters} or {@code
 * PricePlan} bean replaces the one here. Off with {@code maasdk.metering.enabled=false} and {@code
 * maasdk.quotas.enabled=false}.
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "io.maasdk.metrics.Metering")
@ConditionalOnProperty(prefix = "maasdk", name = "enabled", matchIfMissing = true)
public class MaasdkMeteringAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(MaasdkMeteringAutoConfiguration.class);

  /**
   * Units per model, from {@code maasdk.metering.meters}; shared by metering and quotas.
   *
   * @param properties the {@code maasdk.*} configuration properties
   * @return the meters
   */
  @Bean
  @ConditionalOnMissingBean
  public UsageMeters maasdkUsageMeters(MaasdkProperties properties) {
    UsageMeters.Builder b = UsageMeters.builder();
    for (Map.Entry<String, MaasdkProperties.Meter> e :
        properties.getMetering().getMeters().entrySet()) {
      b.meter(
          e.getKey(),
          switch (e.getValue()) {
            case PER_CALL -> UsageMeter.perCall();
            case ITEMS -> UsageMeter.items();
            case INPUT_BYTES -> UsageMeter.inputBytes();
          });
    }
    return b.build();
  }

  /**
   * Metering into the ledger at {@code maasdk.metering.ledger-dir}.
   *
   * @throws UncheckedIOException naming the folder if the ledger cannot be opened
   * @param properties the {@code maasdk.*} configuration properties
   * @param meters counts the units each call uses
   * @return the metering that writes usage records to the ledger
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "maasdk.metering", name = "ledger-dir")
  @ConditionalOnProperty(prefix = "maasdk.metering", name = "enabled", matchIfMissing = true)
  public Metering maasdkMetering(MaasdkProperties properties, UsageMeters meters) {
    MaasdkProperties.Metering m = properties.getMetering();
    FsyncPolicy fsync =
        switch (m.getFsync()) {
          case ALWAYS -> FsyncPolicy.always();
          case EVERY -> FsyncPolicy.every(m.getFsyncInterval());
          case NEVER -> FsyncPolicy.never();
        };
    if (m.isDurable() && m.getFsync() != MaasdkProperties.Fsync.ALWAYS) {
      LOG.warn(
          "maasdk: maasdk.metering.durable=true with fsync={}: a machine crash can still lose"
              + " records of calls that returned; use maasdk.metering.fsync=always",
          m.getFsync().name().toLowerCase(Locale.ROOT));
    }
    LedgerSink ledger;
    try {
      ledger = LedgerSink.builder(m.getLedgerDir()).fsync(fsync).build();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "maasdk.metering.ledger-dir "
              + m.getLedgerDir()
              + " cannot be opened as a usage ledger: "
              + e.getMessage(),
          e);
    }
    LOG.info(
        "maasdk: metering every call into the ledger {} ({}, {})",
        m.getLedgerDir(),
        fsync,
        m.isDurable() ? "durable" : "asynchronous");
    return Metering.builder()
        .meters(meters)
        .sink(ledger)
        .durable(m.isDurable())
        .bufferCapacity(m.getBufferCapacity())
        .offerTimeout(m.getOfferTimeout())
        .build();
  }

  /**
   * The price plan of {@code maasdk.pricing}, when its currency is set.
   *
   * @param properties the {@code maasdk.*} configuration properties
   * @return the price plan of {@code maasdk.pricing}
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(prefix = "maasdk.pricing", name = "currency")
  public PricePlan maasdkPricePlan(MaasdkProperties properties) {
    MaasdkProperties.Pricing p = properties.getPricing();
    Currency currency;
    try {
      currency = Currency.getInstance(p.getCurrency().trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "maasdk.pricing.currency: '"
              + p.getCurrency()
              + "' is not an ISO 4217 currency code (expected e.g. EUR or USD)",
          e);
    }
    PricePlan.Builder b =
        PricePlan.builder(p.getName(), currency)
            .freeUnitsPerPeriod(p.getFreeUnitsPerPeriod())
            .billCacheHits(p.isBillCacheHits());
    p.getPrices().forEach(b::price);
    if (p.getDefaultPrice() != null) {
      b.defaultPrice(p.getDefaultPrice());
    }
    return b.build();
  }

  /**
   * Quotas of {@code maasdk.quotas}, restored from the ledger when there is one.
   *
   * @throws IllegalArgumentException naming the property that is wrong
   * @param properties the {@code maasdk.*} configuration properties
   * @param meters counts the units each call uses
   * @param plan the price plan, for budgets in money
   * @return the interceptor enforcing the quotas
   */
  @Bean
  @ConditionalOnMissingBean
  @Conditional(QuotasDeclared.class)
  @ConditionalOnProperty(prefix = "maasdk.quotas", name = "enabled", matchIfMissing = true)
  public QuotaInterceptor maasdkQuotas(
      MaasdkProperties properties, UsageMeters meters, ObjectProvider<PricePlan> plan) {
    MaasdkProperties.Quotas q = properties.getQuotas();
    ZoneId zone;
    try {
      zone = ZoneId.of(q.getZone());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "maasdk.quotas.zone: '"
              + q.getZone()
              + "' is not a time zone (expected e.g. UTC or Europe/Berlin)",
          e);
    }
    QuotaInterceptor.Builder b = QuotaInterceptor.builder().meters(meters).zone(zone);
    if (!q.getDefaults().isUnlimited()) {
      b.defaultPolicy(policy("maasdk.quotas.defaults", q.getDefaults(), plan));
    }
    q.getTenants()
        .forEach(
            (tenant, quota) ->
                b.policy(tenant, policy("maasdk.quotas.tenants." + tenant, quota, plan)));
    Path ledgerDir = properties.getMetering().getLedgerDir();
    if (q.isRestoreFromLedger() && ledgerDir != null && properties.getMetering().isEnabled()) {
      try {
        b.restoreFrom(LedgerReader.read(ledgerDir));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "maasdk.quotas: the ledger "
                + ledgerDir
                + " cannot be read to restore spent budgets: "
                + e.getMessage(),
            e);
      }
    }
    LOG.info(
        "maasdk: quotas for {} named tenants{}",
        q.getTenants().size(),
        q.getDefaults().isUnlimited() ? "" : " and a default for the others");
    return b.build();
  }

  static QuotaPolicy policy(String prefix, Quota q, ObjectProvider<PricePlan> plan) {
    QuotaPolicy.Builder b = QuotaPolicy.builder();
    try {
      if (q.getRequestsPerSecond() != null) {
        b.requestsPerSecond(
            q.getRequestsPerSecond(), burst(q.getRequestBurst(), q.getRequestsPerSecond()));
      }
      if (q.getUnitsPerSecond() != null) {
        b.unitsPerSecond(q.getUnitsPerSecond(), burst(q.getUnitBurst(), q.getUnitsPerSecond()));
      }
      BillingPeriod period = period(prefix, q.getBudgetPeriod());
      if (q.getUnitBudget() != null) {
        b.unitBudget(q.getUnitBudget(), period);
      }
      if (q.getMoneyBudget() != null) {
        PricePlan p = plan.getIfUnique();
        if (p == null) {
          throw new IllegalArgumentException(
              "money-budget needs a price plan: set"
                  + " maasdk.pricing.currency and maasdk.pricing.prices, or define a PricePlan bean");
        }
        b.moneyBudget(q.getMoneyBudget(), p, period);
      }
    } catch (IllegalArgumentException e) {
      // the message says it all; the property is what the reader needs first
      throw new IllegalArgumentException(prefix + ": " + e.getMessage());
    }
    return b.build();
  }

  private static long burst(Long burst, double rate) {
    return burst != null ? burst : Math.max(1, (long) Math.ceil(rate));
  }

  private static BillingPeriod period(String prefix, String text) {
    try {
      return BillingPeriod.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("budget-period '" + text + "' is not day or month");
    }
  }

  /** Some quota is declared: a default or a tenant's limits. */
  static final class QuotasDeclared extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      boolean declared =
          Binder.get(context.getEnvironment())
                  .bind("maasdk.quotas.defaults", Bindable.mapOf(String.class, Object.class))
                  .isBound()
              || Binder.get(context.getEnvironment())
                  .bind("maasdk.quotas.tenants", Bindable.mapOf(String.class, Object.class))
                  .isBound();
      return declared
          ? ConditionOutcome.match("maasdk.quotas declares limits")
          : ConditionOutcome.noMatch("no maasdk.quotas.defaults or maasdk.quotas.tenants");
    }
  }
}
