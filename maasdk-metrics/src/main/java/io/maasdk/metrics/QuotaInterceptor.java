package io.maasdk.metrics;

import io.maasdk.InvalidInputException;
import io.maasdk.ModelRuntime;
import io.maasdk.metrics.QuotaRefusedException.Limit;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.spi.InferenceListener;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Enforces each tenant's {@link QuotaPolicy} before a call is queued, refusing with a {@link
 * QuotaRefusedException} (a {@link io.maasdk.QuotaExceededException}) that names the limit, the
 * usage and when to retry.
 *
 * <pre>{@code
 * QuotaInterceptor quotas = QuotaInterceptor.builder()
 *     .meters(meters)                                   // the same UsageMeters as Metering
 *     .policy("free-tier-co", QuotaPolicy.builder().requestsPerSecond(5, 10).build())
 *     .defaultPolicy(QuotaPolicy.unlimited())
 *     .build();
 * ModelRuntime runtime = quotas.installOn(ModelRuntime.builder()).build();
 * }</pre>
 *
 * <p><b>How budgets stay exact.</b> A call's units (from its {@link UsageMeter}, on its input) are
 * reserved against the budget before it is admitted, under the tenant's lock, so concurrent callers
 * can never spend more than the budget. A call that then does not succeed (failed, overloaded,
 * timed out, refused by a later interceptor) gets its reservation back when the runtime reports it;
 * that needs this object registered as a listener too ({@link #installOn} does both). Rate-limit
 * tokens are not given back: a refused or failed request still counts as a request.
 *
 * <p><b>Time.</b> Token buckets use a monotonic nanosecond source, budgets a {@link Clock} and a
 * zone for calendar periods; both are injectable for tests. A refund that arrives after the period
 * rolled over goes to the new period (never below zero).
 *
 * <p><b>Thread safety.</b> Thread-safe; one lock per tenant, held for a few arithmetic operations.
 * Tenants without a policy and no default are not limited and cost one map lookup.
 */
public final class QuotaInterceptor implements CallInterceptor, InferenceListener {
  private final UsageMeters meters;
  private final Map<String, QuotaPolicy> policies;
  private final @Nullable QuotaPolicy defaultPolicy;
  private final Clock clock;
  private final ZoneId zone;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, TenantState> states = new ConcurrentHashMap<>();

  private QuotaInterceptor(Builder b) {
    this.meters = b.meters;
    this.policies = Map.copyOf(b.policies);
    this.defaultPolicy = b.defaultPolicy;
    this.clock = b.clock;
    this.zone = b.zone;
    this.nanoTime = b.nanoTime;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Adds this as both interceptor and listener (needed for refunds) to {@code builder}. */
  public ModelRuntime.Builder installOn(ModelRuntime.Builder builder) {
    return builder.interceptor(this).listener(this);
  }

  private @Nullable QuotaPolicy policyOf(String tenant) {
    QuotaPolicy p = policies.get(tenant);
    return p != null ? p : defaultPolicy;
  }

  /** {@link Phase#ADMISSION}: runs after access control and every other check. */
  @Override
  public Phase phase() {
    return Phase.ADMISSION;
  }

  @Override
  public void beforeCall(CallContext ctx) {
    String tenant = ctx.options().tenant();
    QuotaPolicy policy = policyOf(tenant);
    if (policy == null) {
      return;
    }
    long units;
    try {
      units = meters.units(ctx.modelName(), ctx.input());
    } catch (RuntimeException e) {
      throw new UnmeteredInputException(ctx.modelName(),
          "cannot count the units of this input for " + ctx.modelName() + " (tenant " + tenant
              + "): " + e.getMessage() + ". Use a UsageMeter that accepts this input type.",
          e, this);
    }
    BigDecimal cost = policy.moneyPlan == null ? BigDecimal.ZERO
        : policy.moneyPlan.exactCost(ctx.modelName(), units);
    TenantState state = states.computeIfAbsent(tenant, t -> new TenantState(policy, nanoTime));
    state.acquire(this, ctx.modelName(), tenant, units, cost, nanoTime.getAsLong(),
        clock.instant());
  }

  @Override
  public void onEvent(InferenceEvent e) {
    if (e.outcome() == Outcome.SUCCESS) {
      return;
    }
    Throwable error = e.error();
    if (error instanceof QuotaRefusedException q && q.owner == this
        || error instanceof UnmeteredInputException u && u.owner == this) {
      return; // refused here: nothing was reserved
    }
    QuotaPolicy policy = policyOf(e.tenant());
    if (policy == null || !policy.hasBudget()) {
      return;
    }
    TenantState state = states.get(e.tenant());
    if (state == null) {
      return;
    }
    long units;
    try {
      units = meters.units(e.modelName(), e.input());
    } catch (RuntimeException ex) {
      return;
    }
    BigDecimal cost = policy.moneyPlan == null ? BigDecimal.ZERO
        : policy.moneyPlan.exactCost(e.modelName(), units);
    state.refund(units, cost, clock.instant());
  }

  /** Units of {@code tenant}'s unit budget used in the current period (0 if none). */
  public long unitsUsed(String tenant) {
    TenantState s = states.get(tenant);
    return s == null ? 0 : s.unitsUsed(clock.instant());
  }

  /** Money of {@code tenant}'s money budget used in the current period (0 if none). */
  public BigDecimal moneyUsed(String tenant) {
    TenantState s = states.get(tenant);
    return s == null ? BigDecimal.ZERO : s.moneyUsed(clock.instant());
  }

  /** Per-tenant buckets and budget counters; every method holds the state's lock. */
  private final class TenantState {
    private final QuotaPolicy p;
    private double requestTokens;
    private double unitTokens;
    private long lastRefill;
    private @Nullable LocalDate unitPeriod;
    private long unitsUsed;
    private @Nullable LocalDate moneyPeriod;
    private BigDecimal moneyUsed = BigDecimal.ZERO;

    TenantState(QuotaPolicy p, LongSupplier nanoTime) {
      this.p = p;
      this.requestTokens = p.requestBurst;
      this.unitTokens = p.unitBurst;
      this.lastRefill = nanoTime.getAsLong();
    }

    synchronized void acquire(Object owner, String model, String tenant, long units,
        BigDecimal cost, long now, Instant instant) {
      refill(now);
      rollOver(instant);
      if (p.requestBurst > 0 && requestTokens < 1) {
        Duration wait = seconds((1 - requestTokens) / p.requestRate);
        throw refusal(model, tenant, Limit.REQUEST_RATE, owner,
            String.format("%.2f of %d requests left in the bucket", requestTokens,
                p.requestBurst),
            wait, "request rate limit of " + rate(p.requestRate) + " requests/s (burst "
                + p.requestBurst + ")");
      }
      if (p.unitBurst > 0 && unitTokens < units) {
        @Nullable Duration wait = units > p.unitBurst ? null
            : seconds((units - unitTokens) / p.unitRate);
        throw refusal(model, tenant, Limit.UNIT_RATE, owner,
            String.format("%.2f of %d units left in the bucket, call needs %d", unitTokens,
                p.unitBurst, units),
            wait, "unit rate limit of " + rate(p.unitRate) + " units/s (burst " + p.unitBurst
                + ")");
      }
      if (p.unitBudgetPeriod != null && unitsUsed + units > p.unitBudget) {
        throw refusal(model, tenant, Limit.UNIT_BUDGET, owner,
            unitsUsed + " of " + p.unitBudget + " units used in "
                + p.unitBudgetPeriod.label(Objects.requireNonNull(unitPeriod))
                + ", call needs " + units,
            units > p.unitBudget ? null
                : Duration.between(instant, p.unitBudgetPeriod.end(instant, zone)),
            adjective(p.unitBudgetPeriod) + " budget of " + p.unitBudget
                + " units");
      }
      PricePlan plan = p.moneyPlan;
      if (p.moneyBudgetPeriod != null && plan != null && p.moneyBudget != null
          && moneyUsed.add(cost).compareTo(p.moneyBudget) > 0) {
        String cur = plan.currency().getCurrencyCode();
        throw refusal(model, tenant, Limit.MONEY_BUDGET, owner,
            cur + " " + moneyUsed.toPlainString() + " of " + p.moneyBudget.toPlainString()
                + " used in " + p.moneyBudgetPeriod.label(Objects.requireNonNull(moneyPeriod))
                + ", call costs " + cost.toPlainString(),
            cost.compareTo(p.moneyBudget) > 0 ? null
                : Duration.between(instant, p.moneyBudgetPeriod.end(instant, zone)),
            adjective(p.moneyBudgetPeriod) + " budget of " + cur + " "
                + p.moneyBudget.toPlainString() + " (plan " + plan.name() + ")");
      }
      if (p.requestBurst > 0) {
        requestTokens -= 1;
      }
      if (p.unitBurst > 0) {
        unitTokens -= units;
      }
      unitsUsed += units;
      moneyUsed = moneyUsed.add(cost);
    }

    synchronized void refund(long units, BigDecimal cost, Instant instant) {
      rollOver(instant);
      unitsUsed = Math.max(0, unitsUsed - units);
      moneyUsed = moneyUsed.subtract(cost).max(BigDecimal.ZERO);
    }

    synchronized long unitsUsed(Instant instant) {
      rollOver(instant);
      return unitsUsed;
    }

    synchronized BigDecimal moneyUsed(Instant instant) {
      rollOver(instant);
      return moneyUsed;
    }

    private void refill(long now) {
      double seconds = Math.max(0, now - lastRefill) / 1e9;
      lastRefill = Math.max(lastRefill, now);
      if (p.requestBurst > 0) {
        requestTokens = Math.min(p.requestBurst, requestTokens + seconds * p.requestRate);
      }
      if (p.unitBurst > 0) {
        unitTokens = Math.min(p.unitBurst, unitTokens + seconds * p.unitRate);
      }
    }

    private void rollOver(Instant instant) {
      if (p.unitBudgetPeriod != null) {
        LocalDate start = p.unitBudgetPeriod.start(instant, zone);
        if (!start.equals(unitPeriod)) {
          unitPeriod = start;
          unitsUsed = 0;
        }
      }
      if (p.moneyBudgetPeriod != null) {
        LocalDate start = p.moneyBudgetPeriod.start(instant, zone);
        if (!start.equals(moneyPeriod)) {
          moneyPeriod = start;
          moneyUsed = BigDecimal.ZERO;
        }
      }
    }
  }

  private static QuotaRefusedException refusal(String model, String tenant, Limit limit,
      Object owner, String usage, @Nullable Duration retry, String what) {
    String when = retry == null
        ? "this call can never pass this limit; split it or raise the limit"
        : "retry in " + human(retry);
    return new QuotaRefusedException(model, tenant, limit, usage, retry,
        "tenant " + tenant + " exceeded its " + what + " calling " + model + ": " + usage
            + "; " + when,
        owner);
  }

  private static String adjective(BillingPeriod period) {
    return period == BillingPeriod.DAY ? "daily" : "monthly";
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos((long) Math.ceil(s * 1e9));
  }

  private static String rate(double r) {
    return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
  }

  static String human(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return Math.max(1, (d.toNanos() + 999_999) / 1_000_000) + " ms";
    }
    if (d.compareTo(Duration.ofMinutes(2)) < 0) {
      return String.format("%.1f s", d.toMillis() / 1000.0);
    }
    long h = d.toHours();
    return h >= 48 ? d.toDays() + "d " + (h % 24) + "h"
        : h > 0 ? h + "h " + d.toMinutesPart() + "m" : d.toMinutes() + "m";
  }

  /** Thrown when the meter cannot count an input; marked so its event gets no refund. */
  static final class UnmeteredInputException extends InvalidInputException {
    private static final long serialVersionUID = 1L;
    final transient Object owner;

    UnmeteredInputException(String model, String message, Throwable cause, Object owner) {
      super(model, null, message, cause);
      this.owner = owner;
    }
  }

  /** Configures a {@link QuotaInterceptor}. */
  public static final class Builder {
    private UsageMeters meters = UsageMeters.perCall();
    private final Map<String, QuotaPolicy> policies = new HashMap<>();
    private @Nullable QuotaPolicy defaultPolicy;
    private Clock clock = Clock.systemUTC();
    private ZoneId zone = ZoneOffset.UTC;
    private LongSupplier nanoTime = System::nanoTime;

    private Builder() {}

    /** How units are counted; use the same {@link UsageMeters} as {@link Metering}. */
    public Builder meters(UsageMeters meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /** The limits of {@code tenant}. */
    public Builder policy(String tenant, QuotaPolicy policy) {
      policies.put(Objects.requireNonNull(tenant, "tenant"), Objects.requireNonNull(policy,
          "policy"));
      return this;
    }

    /** The limits of tenants not named; default none. Each tenant gets its own buckets. */
    public Builder defaultPolicy(QuotaPolicy policy) {
      this.defaultPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** The clock for calendar periods; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The zone in which budget periods start; default UTC. */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /** The monotonic time source for token buckets; default {@link System#nanoTime()}. */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    public QuotaInterceptor build() {
      return new QuotaInterceptor(this);
    }
  }
}
