package io.maasdk.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Assigns a {@link PricePlan} to each tenant and turns usage into invoices. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Billing billing = Billing.builder().plan("acme", pro).defaultPlan(basic).build();
 * List<UsageTotals> usage = LedgerReader.read(dir).usage(BillingPeriod.MONTH, ZoneOffset.UTC);
 * for (Invoice invoice : billing.invoices(usage)) {
 *   System.out.print(invoice.toCsv());
 * }
 * }</pre>
 */
public final class Billing {
  private final Map<String, PricePlan> plans;
  private final @Nullable PricePlan defaultPlan;

  private Billing(Builder b) {
    this.plans = Map.copyOf(b.plans);
    this.defaultPlan = b.defaultPlan;
  }

  /**
   * A builder with no plans.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The plan {@code tenant} is on, if any.
   *
   * @param tenant the tenant
   * @return its plan, the default plan for a tenant not named, or empty
   */
  public Optional<PricePlan> planOf(String tenant) {
    PricePlan p = plans.get(tenant);
    return Optional.ofNullable(p != null ? p : defaultPlan);
  }

  /**
   * One invoice per tenant × period present in {@code usage}, in the order of the usage (by tenant,
   * then period, when it comes from {@link UsageTotals#aggregate}). *
   *
   * <p>Each model gets a line for its {@code units}, then one per other unit kind the plan prices
   * for it ({@link PricePlan.Builder#price(String, String, BigDecimal)}); a model the plan prices
   * only by other kinds gets no {@code units} line.
   *
   * @param usage usage totals, of one or more tenants and periods
   * @return one invoice per tenant and period
   * @throws IllegalStateException if a tenant has no plan, or its plan prices none of its models
   */
  public List<Invoice> invoices(List<UsageTotals> usage) {
    record Key(String tenant, BillingPeriod period, LocalDate start) {}
    Map<Key, List<UsageTotals>> groups = new LinkedHashMap<>();
    for (UsageTotals u : usage) {
      groups
          .computeIfAbsent(new Key(u.tenant(), u.period(), u.periodStart()), k -> new ArrayList<>())
          .add(u);
    }
    List<Invoice> out = new ArrayList<>();
    groups.forEach((k, rows) -> out.add(invoice(k.tenant(), k.period(), k.start(), rows)));
    return List.copyOf(out);
  }

  private Invoice invoice(
      String tenant, BillingPeriod period, LocalDate start, List<UsageTotals> rows) {
    PricePlan plan =
        planOf(tenant)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "tenant "
                            + tenant
                            + " has no price plan; add Billing.builder().plan(\""
                            + tenant
                            + "\", …) or .defaultPlan(…)"));
    Map<String, UsageTotals> byModel = new java.util.TreeMap<>();
    for (UsageTotals u : rows) {
      byModel.merge(
          u.model(),
          u,
          (a, b) ->
              new UsageTotals(
                  a.tenant(),
                  a.model(),
                  a.period(),
                  a.periodStart(),
                  a.calls() + b.calls(),
                  a.successes() + b.successes(),
                  a.cacheHits() + b.cacheHits(),
                  a.units() + b.units(),
                  a.cacheHitUnits() + b.cacheHitUnits(),
                  sum(a.extraUnits(), b.extraUnits()),
                  sum(a.cacheHitExtraUnits(), b.cacheHitExtraUnits())));
    }
    long freeLeft = plan.freeUnitsPerPeriod();
    List<InvoiceLine> lines = new ArrayList<>();
    BigDecimal total =
        BigDecimal.ZERO.setScale(
            plan.currency().getDefaultFractionDigits(), RoundingMode.UNNECESSARY);
    for (UsageTotals u : byModel.values()) {
      java.util.SortedSet<String> kinds = new java.util.TreeSet<>(u.extraUnits().keySet());
      kinds.addAll(u.cacheHitExtraUnits().keySet());
      kinds.removeIf(k -> plan.pricePer1000(u.model(), k).isEmpty());
      if (plan.pricePer1000(u.model()).isPresent() || kinds.isEmpty()) {
        long chargeable = u.units() + (plan.billsCacheHits() ? u.cacheHitUnits() : 0);
        long free = Math.min(freeLeft, chargeable);
        freeLeft -= free;
        long billed = chargeable - free;
        BigDecimal amount = plan.amount(u.model(), billed); // throws if the model has no price
        lines.add(
            new InvoiceLine(
                u.model(),
                u.calls(),
                u.successes(),
                u.units(),
                u.cacheHitUnits(),
                chargeable,
                free,
                billed,
                plan.requirePricePer1000(u.model()),
                amount));
        total = total.add(amount);
      }
      for (String kind : kinds) {
        BigDecimal price = plan.pricePer1000(u.model(), kind).orElseThrow();
        long units = u.extraUnits().getOrDefault(kind, 0L);
        long cached = u.cacheHitExtraUnits().getOrDefault(kind, 0L);
        long chargeable = units + (plan.billsCacheHits() ? cached : 0);
        BigDecimal amount =
            price
                .multiply(BigDecimal.valueOf(chargeable))
                .divide(BigDecimal.valueOf(1000))
                .setScale(plan.currency().getDefaultFractionDigits(), RoundingMode.HALF_EVEN);
        lines.add(
            new InvoiceLine(
                u.model(),
                kind,
                u.calls(),
                u.successes(),
                units,
                cached,
                chargeable,
                0,
                chargeable,
                price,
                amount));
        total = total.add(amount);
      }
    }
    return new Invoice(tenant, plan.name(), plan.currency(), period, start, lines, total);
  }

  private static Map<String, Long> sum(Map<String, Long> a, Map<String, Long> b) {
    Map<String, Long> out = new java.util.TreeMap<>(a);
    b.forEach((k, v) -> out.merge(k, v, Long::sum));
    return out;
  }

  /** Configures {@link Billing}. */
  public static final class Builder {
    private final Map<String, PricePlan> plans = new HashMap<>();
    private @Nullable PricePlan defaultPlan;

    private Builder() {}

    /**
     * Puts {@code tenant} on {@code plan}.
     *
     * @param tenant the tenant
     * @param plan its price plan
     * @return this builder
     */
    public Builder plan(String tenant, PricePlan plan) {
      plans.put(Objects.requireNonNull(tenant, "tenant"), Objects.requireNonNull(plan, "plan"));
      return this;
    }

    /**
     * The plan of tenants not named; without it, their usage cannot be invoiced.
     *
     * @param plan the plan of every tenant not named
     * @return this builder
     */
    public Builder defaultPlan(PricePlan plan) {
      this.defaultPlan = Objects.requireNonNull(plan, "plan");
      return this;
    }

    /**
     * Builds the billing.
     *
     * @return the billing
     */
    public Billing build() {
      return new Billing(this);
    }
  }
}
