package io.maasdk.metrics;

import io.maasdk.metrics.internal.Globs;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What a tenant pays: a price per 1,000 units per model (first matching pattern wins; {@code *} is
 * a wildcard), units free each period, and whether answers from the response cache are billed.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * PricePlan pro = PricePlan.builder("pro", Currency.getInstance("EUR"))
 *     .price("digits-*", new BigDecimal("0.40"))   // EUR 0.40 per 1,000 units
 *     .defaultPrice(new BigDecimal("1.00"))
 *     .freeUnitsPerPeriod(1_000)
 *     .billCacheHits(false)
 *     .build();
 * }</pre>
 *
 * <p><b>Units of other kinds.</b> Units that {@link CallMeter}s count (output tokens, device time…)
 * are priced per kind with {@link Builder#price(String, String, BigDecimal)}; a kind the plan does
 * not price for a model is not billed. Free units and the default price apply to {@code units}
 * only.
 *
 * <p><b>Arithmetic.</b> A line's amount is {@code billedUnits × price / 1000}, rounded once to the
 * currency's minor unit (half-even); an invoice's total is the exact sum of its lines. Free units
 * are used up by the tenant's models in name order.
 */
public final class PricePlan {
  private final String name;
  private final Currency currency;
  private final List<Map.Entry<Pattern, BigDecimal>> prices;
  private final List<String> patterns;
  private final @Nullable BigDecimal defaultPrice;
  private final long freeUnits;
  private final boolean billCacheHits;

  /** Prices of other unit kinds: kind → patterns in order. */
  private final Map<String, List<Map.Entry<Pattern, BigDecimal>>> kindPrices;

  private PricePlan(Builder b) {
    Map<String, List<Map.Entry<Pattern, BigDecimal>>> k = new java.util.TreeMap<>();
    b.kindPrices.forEach((kind, list) -> k.put(kind, List.copyOf(list)));
    this.kindPrices = java.util.Collections.unmodifiableMap(k);
    this.name = b.name;
    this.currency = b.currency;
    this.prices = List.copyOf(b.prices);
    this.patterns = List.copyOf(b.patterns);
    this.defaultPrice = b.defaultPrice;
    this.freeUnits = b.freeUnits;
    this.billCacheHits = b.billCacheHits;
  }

  /**
   * A builder for a plan with no prices and no free units.
   *
   * @param name the plan's name, shown on invoices
   * @param currency the currency of its prices
   * @return a new builder
   */
  public static Builder builder(String name, Currency currency) {
    return new Builder(name, currency);
  }

  /**
   * The plan's name, shown on invoices.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The currency of the plan's prices and invoices.
   *
   * @return the currency
   */
  public Currency currency() {
    return currency;
  }

  /**
   * Units each tenant on this plan gets free per billing period.
   *
   * @return the free units per period
   */
  public long freeUnitsPerPeriod() {
    return freeUnits;
  }

  /**
   * Whether cache hits cost their units like computed calls.
   *
   * @return whether cache hits are billed
   */
  public boolean billsCacheHits() {
    return billCacheHits;
  }

  /**
   * The price per 1,000 units of {@code model}, if this plan prices it.
   *
   * @param model the model's name
   * @return the price, or empty
   */
  public Optional<BigDecimal> pricePer1000(String model) {
    for (Map.Entry<Pattern, BigDecimal> p : prices) {
      if (p.getKey().matcher(model).matches()) {
        return Optional.of(p.getValue());
      }
    }
    return Optional.ofNullable(defaultPrice);
  }

  /**
   * The price per 1,000 units of {@code model}.
   *
   * @param model the model's name
   * @return the price
   * @throws IllegalStateException if the plan has no price for it
   */
  public BigDecimal requirePricePer1000(String model) {
    return pricePer1000(model)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "price plan "
                        + name
                        + " has no price for model "
                        + model
                        + " (patterns "
                        + patterns
                        + "); add .price(\""
                        + model
                        + "\", …) or .defaultPrice(…)"));
  }

  /**
   * {@code units} of {@code model} at this plan's price, rounded to the currency's minor unit.
   *
   * @param model the model's name
   * @param units the units used
   * @return the amount, in this plan's currency
   */
  public BigDecimal amount(String model, long units) {
    return requirePricePer1000(model)
        .multiply(BigDecimal.valueOf(units))
        .divide(BigDecimal.valueOf(1000))
        .setScale(currency.getDefaultFractionDigits(), RoundingMode.HALF_EVEN);
  }

  /**
   * The exact (unrounded) cost of {@code units} of {@code model}.
   *
   * @param model the model's name
   * @param units the units used
   * @return the cost, in this plan's currency
   */
  public BigDecimal exactCost(String model, long units) {
    return requirePricePer1000(model)
        .multiply(BigDecimal.valueOf(units))
        .divide(BigDecimal.valueOf(1000));
  }

  /**
   * The price per 1,000 units of kind {@code unit} of {@code model}, if this plan prices it; for
   * {@code "units"} the same as {@link #pricePer1000(String)}.
   *
   * @param model the model's name
   * @param unit the unit kind
   * @return the price, or empty
   */
  public Optional<BigDecimal> pricePer1000(String model, String unit) {
    if (UsageRecord.UNITS.equals(unit)) {
      return pricePer1000(model);
    }
    for (Map.Entry<Pattern, BigDecimal> p : kindPrices.getOrDefault(unit, List.of())) {
      if (p.getKey().matcher(model).matches()) {
        return Optional.of(p.getValue());
      }
    }
    return Optional.empty();
  }

  /**
   * The unit kinds besides {@code units} this plan prices, in name order.
   *
   * @return the unit kinds, sorted
   */
  public java.util.Set<String> pricedKinds() {
    return kindPrices.keySet();
  }

  /**
   * The exact (unrounded) cost of the units of other kinds in {@code extraUnits} for {@code model};
   * kinds this plan does not price cost nothing.
   *
   * @param model the model's name
   * @param extraUnits units used by kind
   * @return the cost, in this plan's currency
   */
  public BigDecimal exactCost(String model, Map<String, Long> extraUnits) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Map.Entry<String, Long> e : extraUnits.entrySet()) {
      Optional<BigDecimal> price = pricePer1000(model, e.getKey());
      if (price.isPresent() && !UsageRecord.UNITS.equals(e.getKey())) {
        sum =
            sum.add(
                price
                    .get()
                    .multiply(BigDecimal.valueOf(e.getValue()))
                    .divide(BigDecimal.valueOf(1000)));
      }
    }
    return sum;
  }

  @Override
  public String toString() {
    return "PricePlan["
        + name
        + ", "
        + currency
        + ", prices "
        + patterns
        + ", default "
        + defaultPrice
        + ", free "
        + freeUnits
        + ", cache hits "
        + (billCacheHits ? "billed" : "free")
        + "]";
  }

  /** Configures a {@link PricePlan}; each setter validates at once. */
  public static final class Builder {
    private final String name;
    private final Currency currency;
    private final List<Map.Entry<Pattern, BigDecimal>> prices = new ArrayList<>();
    private final List<String> patterns = new ArrayList<>();
    private @Nullable BigDecimal defaultPrice;
    private long freeUnits;
    private boolean billCacheHits = true;
    private final Map<String, List<Map.Entry<Pattern, BigDecimal>>> kindPrices =
        new java.util.LinkedHashMap<>();

    private Builder(String name, Currency currency) {
      this.name = Objects.requireNonNull(name, "name");
      this.currency = Objects.requireNonNull(currency, "currency");
    }

    /**
     * Price per 1,000 units of models matching {@code modelPattern}; first match wins.
     *
     * @param modelPattern a model name with {@code *} wildcards
     * @param pricePer1000 the price of 1,000 units
     * @return this builder
     */
    public Builder price(String modelPattern, BigDecimal pricePer1000) {
      Objects.requireNonNull(modelPattern, "modelPattern");
      prices.add(Map.entry(Globs.compile(modelPattern), checkPrice(pricePer1000)));
      patterns.add(modelPattern);
      return this;
    }

    /**
     * Price per 1,000 units of kind {@code unit} (counted by a {@link CallMeter}, for example
     * {@code "output_tokens"} or {@code "compute_us"}) of models matching {@code modelPattern};
     * first match wins. {@code "units"} is the same as {@link #price(String, BigDecimal)}.
     *
     * @param modelPattern a model name with {@code *} wildcards
     * @param unit the unit kind
     * @param pricePer1000 the price of 1,000 units of that kind
     * @return this builder
     */
    public Builder price(String modelPattern, String unit, BigDecimal pricePer1000) {
      if (UsageRecord.UNITS.equals(unit)) {
        return price(modelPattern, pricePer1000);
      }
      Objects.requireNonNull(modelPattern, "modelPattern");
      kindPrices
          .computeIfAbsent(UsageMeters.checkKind(unit), k -> new ArrayList<>())
          .add(Map.entry(Globs.compile(modelPattern), checkPrice(pricePer1000)));
      return this;
    }

    /**
     * Price per 1,000 units of models no pattern matches; without it they cannot be billed.
     *
     * @param pricePer1000 the price of 1,000 units
     * @return this builder
     */
    public Builder defaultPrice(BigDecimal pricePer1000) {
      this.defaultPrice = checkPrice(pricePer1000);
      return this;
    }

    /**
     * Units free for each tenant each period; default 0.
     *
     * @param units the free units per tenant and period
     * @return this builder
     */
    public Builder freeUnitsPerPeriod(long units) {
      if (units < 0) {
        throw new IllegalArgumentException("free units must be >= 0, was " + units);
      }
      this.freeUnits = units;
      return this;
    }

    /**
     * Whether answers from the response cache are billed; default true.
     *
     * @param billed whether cache hits are billed
     * @return this builder
     */
    public Builder billCacheHits(boolean billed) {
      this.billCacheHits = billed;
      return this;
    }

    private static BigDecimal checkPrice(BigDecimal price) {
      Objects.requireNonNull(price, "price");
      if (price.signum() < 0) {
        throw new IllegalArgumentException("price must be >= 0, was " + price);
      }
      return price;
    }

    /**
     * Builds the plan.
     *
     * @return the plan
     */
    public PricePlan build() {
      return new PricePlan(this);
    }
  }
}
