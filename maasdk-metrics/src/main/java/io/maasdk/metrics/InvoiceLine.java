package io.maasdk.metrics;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One model's charges for one kind of unit on an {@link Invoice}. Immutable.
 *
 * @param model the model
 * @param unit the kind of unit: {@code "units"} (the {@link UsageMeter}'s), or a {@link
 *     CallMeter}'s kind such as {@code "output_tokens"}
 * @param calls calls recorded (any outcome)
 * @param successes calls that produced an output
 * @param units units (of this kind) of computed successful calls
 * @param cacheHitUnits units of successful calls answered by the cache
 * @param chargeableUnits {@code units}, plus {@code cacheHitUnits} if the plan bills cache hits
 * @param freeUnits units of the plan's free tier used by this line ({@code 0} for other kinds)
 * @param billedUnits {@code chargeableUnits - freeUnits}
 * @param pricePer1000 the plan's price per 1,000 units of this kind of this model
 * @param amount {@code billedUnits × pricePer1000 / 1000}, rounded to the currency's minor unit
 */
public record InvoiceLine(
    String model,
    String unit,
    long calls,
    long successes,
    long units,
    long cacheHitUnits,
    long chargeableUnits,
    long freeUnits,
    long billedUnits,
    BigDecimal pricePer1000,
    BigDecimal amount) {
  /**
   * A line for {@code "units"}, the kind {@link UsageMeter}s count.
   *
   * @param model the model
   * @param calls calls recorded (any outcome)
   * @param successes calls that produced an output
   * @param units units (of this kind) of computed successful calls
   * @param cacheHitUnits units of successful calls answered by the cache
   * @param chargeableUnits {@code units}, plus {@code cacheHitUnits} if the plan bills cache hits
   * @param freeUnits units of the plan's free tier used by this line ({@code 0} for other kinds)
   * @param billedUnits {@code chargeableUnits - freeUnits}
   * @param pricePer1000 the plan's price per 1,000 units of this kind of this model
   * @param amount {@code billedUnits × pricePer1000 / 1000}, rounded to the currency's minor unit
   */
  public InvoiceLine(
      String model,
      long calls,
      long successes,
      long units,
      long cacheHitUnits,
      long chargeableUnits,
      long freeUnits,
      long billedUnits,
      BigDecimal pricePer1000,
      BigDecimal amount) {
    this(
        model,
        UsageRecord.UNITS,
        calls,
        successes,
        units,
        cacheHitUnits,
        chargeableUnits,
        freeUnits,
        billedUnits,
        pricePer1000,
        amount);
  }

  /**
   * Checks the components.
   *
   * @param model the model
   * @param unit the kind of unit: {@code "units"} (the {@link UsageMeter}'s), or a {@link
   *     CallMeter}'s kind such as {@code "output_tokens"}
   * @param calls calls recorded (any outcome)
   * @param successes calls that produced an output
   * @param units units (of this kind) of computed successful calls
   * @param cacheHitUnits units of successful calls answered by the cache
   * @param chargeableUnits {@code units}, plus {@code cacheHitUnits} if the plan bills cache hits
   * @param freeUnits units of the plan's free tier used by this line ({@code 0} for other kinds)
   * @param billedUnits {@code chargeableUnits - freeUnits}
   * @param pricePer1000 the plan's price per 1,000 units of this kind of this model
   * @param amount {@code billedUnits × pricePer1000 / 1000}, rounded to the currency's minor unit
   */
  public InvoiceLine {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(pricePer1000, "pricePer1000");
    Objects.requireNonNull(amount, "amount");
    if (billedUnits != chargeableUnits - freeUnits) {
      throw new IllegalArgumentException("billedUnits must be chargeableUnits - freeUnits");
    }
  }
}
