package io.maasdk.metrics;

import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The limits of one tenant: request and unit rates (token buckets with a burst), and a budget of
 * units or money per calendar period. Any combination; unset limits do not apply. Immutable.
 *
 * <pre>{@code
 * QuotaPolicy free = QuotaPolicy.builder()
 *     .requestsPerSecond(10, 20)                    // 10/s sustained, bursts of 20
 *     .unitBudget(10_000, BillingPeriod.MONTH)
 *     .build();
 * }</pre>
 */
public final class QuotaPolicy {
  final double requestRate;
  final long requestBurst;
  final double unitRate;
  final long unitBurst;
  final long unitBudget;
  final @Nullable BillingPeriod unitBudgetPeriod;
  final @Nullable BigDecimal moneyBudget;
  final @Nullable PricePlan moneyPlan;
  final @Nullable BillingPeriod moneyBudgetPeriod;

  private QuotaPolicy(Builder b) {
    this.requestRate = b.requestRate;
    this.requestBurst = b.requestBurst;
    this.unitRate = b.unitRate;
    this.unitBurst = b.unitBurst;
    this.unitBudget = b.unitBudget;
    this.unitBudgetPeriod = b.unitBudgetPeriod;
    this.moneyBudget = b.moneyBudget;
    this.moneyPlan = b.moneyPlan;
    this.moneyBudgetPeriod = b.moneyBudgetPeriod;
  }

  /**
   * No limits (the default).
   *
   * @return the policy without limits
   */
  public static QuotaPolicy ofDefaults() {
    return builder().build();
  }

  /**
   * A builder with no limits.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings, to derive a modified copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.requestRate = requestRate;
    b.requestBurst = requestBurst;
    b.unitRate = unitRate;
    b.unitBurst = unitBurst;
    b.unitBudget = unitBudget;
    b.unitBudgetPeriod = unitBudgetPeriod;
    b.moneyBudget = moneyBudget;
    b.moneyPlan = moneyPlan;
    b.moneyBudgetPeriod = moneyBudgetPeriod;
    return b;
  }

  boolean hasBudget() {
    return unitBudgetPeriod != null || moneyBudgetPeriod != null;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("QuotaPolicy[");
    if (requestBurst > 0) {
      b.append(" requests ").append(requestRate).append("/s burst ").append(requestBurst);
    }
    if (unitBurst > 0) {
      b.append(" units ").append(unitRate).append("/s burst ").append(unitBurst);
    }
    if (unitBudgetPeriod != null) {
      b.append(" budget ").append(unitBudget).append(" units/").append(unitBudgetPeriod);
    }
    if (moneyBudgetPeriod != null && moneyPlan != null) {
      b.append(" budget ")
          .append(moneyBudget)
          .append(' ')
          .append(moneyPlan.currency())
          .append('/')
          .append(moneyBudgetPeriod);
    }
    return b.append(" ]").toString();
  }

  /** Configures a {@link QuotaPolicy}; each setter validates at once. */
  public static final class Builder {
    private double requestRate;
    private long requestBurst;
    private double unitRate;
    private long unitBurst;
    private long unitBudget;
    private @Nullable BillingPeriod unitBudgetPeriod;
    private @Nullable BigDecimal moneyBudget;
    private @Nullable PricePlan moneyPlan;
    private @Nullable BillingPeriod moneyBudgetPeriod;

    private Builder() {}

    /**
     * At most {@code perSecond} calls per second on average, and {@code burst} at once.
     *
     * @param perSecond the average rate, positive
     * @param burst the most calls at once, at least 1
     * @return this builder
     */
    public Builder requestsPerSecond(double perSecond, long burst) {
      checkRate(perSecond, burst);
      this.requestRate = perSecond;
      this.requestBurst = burst;
      return this;
    }

    /**
     * At most {@code perSecond} units per second on average, and {@code burst} at once.
     *
     * @param perSecond the average rate, positive
     * @param burst the most units at once, at least 1
     * @return this builder
     */
    public Builder unitsPerSecond(double perSecond, long burst) {
      checkRate(perSecond, burst);
      this.unitRate = perSecond;
      this.unitBurst = burst;
      return this;
    }

    /**
     * At most {@code units} units per calendar {@code period}.
     *
     * @param units the most units per period, at least 0
     * @param period the calendar period it renews with
     * @return this builder
     */
    public Builder unitBudget(long units, BillingPeriod period) {
      if (units < 0) {
        throw new IllegalArgumentException("unit budget must be >= 0, was " + units);
      }
      this.unitBudget = units;
      this.unitBudgetPeriod = Objects.requireNonNull(period, "period");
      return this;
    }

    /**
     * At most {@code amount} spent per calendar {@code period}, at {@code plan}'s prices (free tier
     * not deducted, so the budget is never exceeded).
     *
     * @param amount the budget, in the plan's currency
     * @param plan the plan that prices the calls
     * @param period the calendar period it renews with
     * @return this builder
     */
    public Builder moneyBudget(BigDecimal amount, PricePlan plan, BillingPeriod period) {
      Objects.requireNonNull(amount, "amount");
      if (amount.signum() < 0) {
        throw new IllegalArgumentException("money budget must be >= 0, was " + amount);
      }
      this.moneyBudget = amount;
      this.moneyPlan = Objects.requireNonNull(plan, "plan");
      this.moneyBudgetPeriod = Objects.requireNonNull(period, "period");
      return this;
    }

    private static void checkRate(double perSecond, long burst) {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("rate must be a positive number, was " + perSecond);
      }
      if (burst < 1) {
        throw new IllegalArgumentException("burst must be >= 1, was " + burst);
      }
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public QuotaPolicy build() {
      return new QuotaPolicy(this);
    }
  }
}
