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
 * What a tenant pays: a price per 1,000 units per model (first matching pattern wins; {@code *} is a
 * wildcard), units free each period, and whether answers from the response cache are billed.
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

  private PricePlan(Builder b) {
    this.name = b.name;
    this.currency = b.currency;
    this.prices = List.copyOf(b.prices);
    this.patterns = List.copyOf(b.patterns);
    this.defaultPrice = b.defaultPrice;
    this.freeUnits = b.freeUnits;
    this.billCacheHits = b.billCacheHits;
  }

  public static Builder builder(String name, Currency currency) {
    return new Builder(name, currency);
  }

  public String name() {
    return name;
  }

  public Currency currency() {
    return currency;
  }

  /** Units each tenant on this plan gets free per billing period. */
  public long freeUnitsPerPeriod() {
    return freeUnits;
  }

  /** Whether cache hits cost their units like computed calls. */
  public boolean billsCacheHits() {
    return billCacheHits;
  }

  /** The price per 1,000 units of {@code model}, if this plan prices it. */
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
   * @throws IllegalStateException if the plan has no price for it
   */
  public BigDecimal requirePricePer1000(String model) {
    return pricePer1000(model).orElseThrow(() -> new IllegalStateException(
        "price plan " + name + " has no price for model " + model + " (patterns " + patterns
            + "); add .price(\"" + model + "\", …) or .defaultPrice(…)"));
  }

  /** {@code units} of {@code model} at this plan's price, rounded to the currency's minor unit. */
  public BigDecimal amount(String model, long units) {
    return requirePricePer1000(model).multiply(BigDecimal.valueOf(units))
        .divide(BigDecimal.valueOf(1000))
        .setScale(currency.getDefaultFractionDigits(), RoundingMode.HALF_EVEN);
  }

  /** The exact (unrounded) cost of {@code units} of {@code model}. */
  public BigDecimal exactCost(String model, long units) {
    return requirePricePer1000(model).multiply(BigDecimal.valueOf(units))
        .divide(BigDecimal.valueOf(1000));
  }

  @Override
  public String toString() {
    return "PricePlan[" + name + ", " + currency + ", prices " + patterns + ", default "
        + defaultPrice + ", free " + freeUnits + ", cache hits " + (billCacheHits ? "billed"
        : "free") + "]";
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

    private Builder(String name, Currency currency) {
      this.name = Objects.requireNonNull(name, "name");
      this.currency = Objects.requireNonNull(currency, "currency");
    }

    /** Price per 1,000 units of models matching {@code modelPattern}; first match wins. */
    public Builder price(String modelPattern, BigDecimal pricePer1000) {
      Objects.requireNonNull(modelPattern, "modelPattern");
      prices.add(Map.entry(Globs.compile(modelPattern), checkPrice(pricePer1000)));
      patterns.add(modelPattern);
      return this;
    }

    /** Price per 1,000 units of models no pattern matches; without it they cannot be billed. */
    public Builder defaultPrice(BigDecimal pricePer1000) {
      this.defaultPrice = checkPrice(pricePer1000);
      return this;
    }

    /** Units free for each tenant each period; default 0. */
    public Builder freeUnitsPerPeriod(long units) {
      if (units < 0) {
        throw new IllegalArgumentException("free units must be >= 0, was " + units);
      }
      this.freeUnits = units;
      return this;
    }

    /** Whether answers from the response cache are billed; default true. */
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

    public PricePlan build() {
      return new PricePlan(this);
    }
  }
}
