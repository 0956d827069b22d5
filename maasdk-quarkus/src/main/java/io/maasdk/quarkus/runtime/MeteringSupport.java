package io.maasdk.quarkus.runtime;

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
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * Metering into a ledger, quotas and a price plan from {@code maasdk.metering.*}, {@code
 * maasdk.quotas.*} and {@code maasdk.pricing.*} (the Spring Boot starter's properties), built with
 * maasdk-metrics' builders and added to the runtime being built. Loaded only when maasdk-metrics is
 * on the classpath. An application's own {@code Metering} listener bean or {@code QuotaInterceptor}
 * interceptor bean replaces the one built here, and its {@code UsageMeters} or {@code PricePlan}
 * bean is used instead of the configured one. The runtime closes the metering (delivering buffered
 * records, fsyncing the ledger) after it has drained.
 */
final class MeteringSupport {
  private static final Logger LOG = Logger.getLogger(MeteringSupport.class);

  private MeteringSupport() {}

  /**
   * Adds the configured metering and quotas to {@code interceptors} and {@code listeners}.
   *
   * @throws IllegalStateException naming the property that is wrong
   * @throws UncheckedIOException naming the folder if the ledger cannot be opened or read
   */
  static void install(
      MaasdkConfig config, List<CallInterceptor> interceptors, List<InferenceListener> listeners) {
    MaasdkConfig.Metering m = config.metering();
    MaasdkConfig.Quotas q = config.quotas();
    boolean metering = m.enabled() && m.ledgerDir().isPresent();
    boolean quotas = q.enabled() && quotasDeclared(q);
    if (!metering && !quotas) {
      return;
    }
    UsageMeters meters = bean(UsageMeters.class);
    if (meters == null) {
      meters = meters(m.meters());
    }
    // Built before the metering: a bad quota fails the start before a ledger file is opened.
    QuotaInterceptor quota = null;
    if (quotas && interceptors.stream().noneMatch(QuotaInterceptor.class::isInstance)) {
      quota = quotas(config, meters);
    } else if (quotas) {
      LOG.info("maasdk: the application's QuotaInterceptor bean replaces maasdk.quotas");
    }
    if (metering && listeners.stream().noneMatch(Metering.class::isInstance)) {
      Metering built = metering(m, meters);
      listeners.add(built);
      MeterRegistry registry = micrometerRegistry();
      if (registry != null) {
        built.bindTo(registry);
      }
    } else if (metering) {
      LOG.info("maasdk: the application's Metering bean replaces maasdk.metering");
    }
    if (quota != null) {
      interceptors.add(quota);
      listeners.add(quota); // gives back the reservations of calls that did not succeed
    }
  }

  private static boolean quotasDeclared(MaasdkConfig.Quotas q) {
    return !unlimited(q.defaults()) || !q.tenants().isEmpty();
  }

  private static boolean unlimited(MaasdkConfig.Quota q) {
    return MaasdkRecorder.unlimited(q);
  }

  private static UsageMeters meters(Map<String, MaasdkConfig.Meter> configured) {
    UsageMeters.Builder b = UsageMeters.builder();
    inOrder(
        configured,
        (pattern, meter) ->
            b.meter(
                pattern,
                switch (meter) {
                  case PER_CALL -> UsageMeter.perCall();
                  case ITEMS -> UsageMeter.items();
                  case INPUT_BYTES -> UsageMeter.inputBytes();
                }));
    return b.build();
  }

  /**
   * Model-name patterns, most specific first: Quarkus's configuration does not keep a file's order,
   * so "first match wins" is made deterministic as names without {@code *} first, then the longest
   * pattern, then alphabetically.
   */
  static <V> void inOrder(Map<String, V> byPattern, BiConsumer<String, V> action) {
    List<String> patterns = new ArrayList<>(byPattern.keySet());
    patterns.sort(
        Comparator.<String, Boolean>comparing(p -> p.contains("*"))
            .thenComparing(Comparator.comparingInt(String::length).reversed())
            .thenComparing(Comparator.naturalOrder()));
    for (String p : patterns) {
      action.accept(p, byPattern.get(p));
    }
  }

  private static Metering metering(MaasdkConfig.Metering m, UsageMeters meters) {
    Path dir = m.ledgerDir().orElseThrow();
    FsyncPolicy fsync =
        switch (m.fsync()) {
          case ALWAYS -> FsyncPolicy.always();
          case EVERY -> FsyncPolicy.every(m.fsyncInterval());
          case NEVER -> FsyncPolicy.never();
        };
    if (m.durable() && m.fsync() != MaasdkConfig.Fsync.ALWAYS) {
      LOG.warnf(
          "maasdk: maasdk.metering.durable=true with fsync=%s: a machine crash can still"
              + " lose records of calls that returned; use maasdk.metering.fsync=always",
          m.fsync().name().toLowerCase(Locale.ROOT));
    }
    LedgerSink ledger;
    try {
      ledger = LedgerSink.builder(dir).fsync(fsync).build();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "maasdk.metering.ledger-dir "
              + dir
              + " cannot be opened as a usage ledger: "
              + e.getMessage(),
          e);
    }
    Metering metering;
    try {
      metering =
          Metering.builder()
              .meters(meters)
              .sink(ledger)
              .durable(m.durable())
              .bufferCapacity(m.bufferCapacity())
              .offerTimeout(m.offerTimeout())
              .build();
    } catch (IllegalArgumentException e) {
      closeQuietly(ledger, e);
      throw new IllegalStateException(
          "maasdk.metering: "
              + e.getMessage()
              + " (buffer-capacity "
              + m.bufferCapacity()
              + ", offer-timeout "
              + m.offerTimeout()
              + ")",
          e);
    }
    LOG.infof(
        "maasdk: metering every call into the ledger %s (%s, %s)",
        dir, fsync, m.durable() ? "durable" : "asynchronous");
    return metering;
  }

  private static void closeQuietly(LedgerSink ledger, Exception failure) {
    try {
      ledger.close();
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  private static PricePlan pricePlan(MaasdkConfig.Pricing p) {
    PricePlan own = bean(PricePlan.class);
    if (own != null || p.currency().isEmpty()) {
      return own;
    }
    String code = p.currency().get();
    Currency currency;
    try {
      currency = Currency.getInstance(code.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "maasdk.pricing.currency: '"
              + code
              + "' is not an ISO 4217 currency code (expected e.g. EUR or USD)",
          e);
    }
    try {
      PricePlan.Builder b =
          PricePlan.builder(p.name(), currency)
              .freeUnitsPerPeriod(p.freeUnitsPerPeriod())
              .billCacheHits(p.billCacheHits());
      inOrder(p.prices(), b::price);
      p.defaultPrice().ifPresent(b::defaultPrice);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("maasdk.pricing: " + e.getMessage(), e);
    }
  }

  private static QuotaInterceptor quotas(MaasdkConfig config, UsageMeters meters) {
    MaasdkConfig.Quotas q = config.quotas();
    ZoneId zone;
    try {
      zone = ZoneId.of(q.zone());
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "maasdk.quotas.zone: '"
              + q.zone()
              + "' is not a time zone (expected e.g. UTC or Europe/Berlin)",
          e);
    }
    PricePlan plan = pricePlan(config.pricing());
    QuotaInterceptor.Builder b = QuotaInterceptor.builder().meters(meters).zone(zone);
    if (!unlimited(q.defaults())) {
      b.defaultPolicy(policy("maasdk.quotas.defaults", q.defaults(), plan));
    }
    q.tenants()
        .forEach(
            (tenant, quota) ->
                b.policy(tenant, policy("maasdk.quotas.tenants." + tenant, quota, plan)));
    MaasdkConfig.Metering m = config.metering();
    if (q.restoreFromLedger()
        && m.enabled()
        && m.ledgerDir().isPresent()
        && java.nio.file.Files.isDirectory(m.ledgerDir().get())) {
      Path dir = m.ledgerDir().get();
      try {
        b.restoreFrom(LedgerReader.read(dir));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "maasdk.quotas: the ledger "
                + dir
                + " cannot be read to restore spent budgets: "
                + e.getMessage(),
            e);
      }
    }
    LOG.infof(
        "maasdk: quotas for %d named tenants%s",
        q.tenants().size(), unlimited(q.defaults()) ? "" : " and a default for the others");
    return b.build();
  }

  private static QuotaPolicy policy(String prefix, MaasdkConfig.Quota q, PricePlan plan) {
    QuotaPolicy.Builder b = QuotaPolicy.builder();
    try {
      q.requestsPerSecond()
          .ifPresent(rate -> b.requestsPerSecond(rate, q.requestBurst().orElse(burst(rate))));
      q.unitsPerSecond()
          .ifPresent(rate -> b.unitsPerSecond(rate, q.unitBurst().orElse(burst(rate))));
      BillingPeriod period = period(q.budgetPeriod());
      q.unitBudget().ifPresent(units -> b.unitBudget(units, period));
      if (q.moneyBudget().isPresent()) {
        if (plan == null) {
          throw new IllegalArgumentException(
              "money-budget needs a price plan: set"
                  + " maasdk.pricing.currency and maasdk.pricing.prices, or define a PricePlan bean");
        }
        b.moneyBudget(q.moneyBudget().get(), plan, period);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // the message says it all; the property is what the reader needs first
      throw new IllegalStateException(prefix + ": " + e.getMessage(), e);
    }
  }

  private static long burst(double rate) {
    return Math.max(1, (long) Math.ceil(rate));
  }

  private static BillingPeriod period(String text) {
    try {
      return BillingPeriod.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("budget-period '" + text + "' is not day or month");
    }
  }

  /** The application's one bean of this type, or null. */
  private static <T> T bean(Class<T> type) {
    InjectableInstance<T> i = Arc.container().select(type);
    return i.isResolvable() ? i.get() : null;
  }

  /** Quarkus-micrometer's registry, when the application has it. */
  private static MeterRegistry micrometerRegistry() {
    try {
      Class.forName(
          "io.micrometer.core.instrument.MeterRegistry",
          false,
          Thread.currentThread().getContextClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
    return bean(MeterRegistry.class);
  }
}
