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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
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
 *     .defaultPolicy(QuotaPolicy.ofDefaults())
 *     .build();
 * ModelRuntime runtime = quotas.installOn(ModelRuntime.builder()).build();
 * }</pre>
 *
 * <p><b>How budgets stay exact.</b> A call's units (from its {@link UsageMeter}, on its input) are
 * reserved against the budget before it is admitted, under the tenant's lock, so concurrent callers
 * can never spend more than the budget. A call that then does not succeed (failed, overloaded,
 * timed out, refused by a later interceptor) gets exactly its reservation back, once, when the
 * runtime reports it; that needs this object registered as a listener too ({@link #installOn} does
 * both). A call that never reached this interceptor — refused by an earlier interceptor (a wrong
 * API key, another quota) or with an input of the wrong type — reserved nothing and gets nothing
 * back. Reservations are matched to their calls by the identity of the input object (and, for a
 * refusal, by the thread it ran on); the one case this cannot tell apart is the same input object
 * passed to two calls of one tenant at once from one thread with {@code predictAsync}, the second
 * of which an earlier interceptor refuses. Rate-limit tokens are not given back: a refused or
 * failed request still counts as a request.
 *
 * <p><b>Units of other kinds</b> ({@link CallMeter}: output tokens, device time) are known only
 * after a call: their price under a money budget's plan is added to the tenant's spend when a call
 * succeeds, so one call can pass the budget by its own output's price; the next is then refused.
 * Unit budgets and unit rates count {@link UsageMeter} units only.
 *
 * <p><b>Restarts.</b> With {@link Builder#restoreFrom(LedgerReader)} the budgets start from what
 * the ledger says each tenant already spent in the current period (successful calls' units, and
 * their price under the money budget's plan), so a restart never resets a tenant's spend. What the
 * ledger lacks — records lost in a crash in {@link Metering}'s asynchronous mode, calls in flight —
 * is not counted; {@link Metering.Builder#durable(boolean) durable metering} leaves out no call
 * that returned a result.
 *
 * <p><b>Time.</b> Token buckets use a monotonic nanosecond source, budgets a {@link Clock} and a
 * zone for calendar periods; both are injectable for tests. A reservation is refunded only to the
 * period it was made in: after a roll-over there is nothing left to give back.
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

  /** Budget reservations waiting for their call's event, by the identity of the call's input. */
  private final ConcurrentHashMap<InputKey, Reservation> reserved = new ConcurrentHashMap<>();

  /** The reservation the last beforeCall on this thread made, for a refusal after it. */
  private final ThreadLocal<@Nullable Reservation> lastReserved = new ThreadLocal<>();

  private final AtomicLong outstanding = new AtomicLong();
  private volatile boolean listening;

  /** Billable records of the current periods, per tenant, from the ledger at start. */
  private final Map<String, List<UsageRecord>> restored;

  private QuotaInterceptor(Builder b) {
    this.meters = b.meters;
    this.policies = Map.copyOf(b.policies);
    this.defaultPolicy = b.defaultPolicy;
    this.clock = b.clock;
    this.zone = b.zone;
    this.nanoTime = b.nanoTime;
    Map<String, List<UsageRecord>> byTenant = new HashMap<>();
    if (b.ledger != null) {
      // Budgets are at most monthly: older records can never count.
      Instant from =
          BillingPeriod.MONTH.start(clock.instant(), zone).atStartOfDay(zone).toInstant();
      for (UsageRecord r : b.ledger.records()) {
        if (r.billable() && !r.timestamp().isBefore(from)) {
          byTenant.computeIfAbsent(r.tenant(), t -> new ArrayList<>()).add(r);
        }
      }
    }
    this.restored = byTenant;
  }

  /** Identity of a call's input object: the link between its reservation and its event. */
  private static final class InputKey {
    final Object input;

    InputKey(Object input) {
      this.input = input;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof InputKey k && k.input == input;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(input);
    }
  }

  /**
   * Units and money one admitted call reserved, in the periods it reserved them in. Reservations of
   * calls with the same input object form a chain ({@code next}), changed only inside the map's
   * atomic compute of their key.
   */
  private static final class Reservation {
    final String tenant;
    final String model;
    final Object input;
    final TenantState state;
    final long units;
    final BigDecimal cost;
    final @Nullable LocalDate unitPeriod;
    final @Nullable LocalDate moneyPeriod;
    @Nullable Reservation next;

    Reservation(
        String tenant,
        String model,
        Object input,
        TenantState state,
        long units,
        BigDecimal cost,
        @Nullable LocalDate unitPeriod,
        @Nullable LocalDate moneyPeriod) {
      this.tenant = tenant;
      this.model = model;
      this.input = input;
      this.state = state;
      this.units = units;
      this.cost = cost;
      this.unitPeriod = unitPeriod;
      this.moneyPeriod = moneyPeriod;
    }

    boolean sameCall(InferenceEvent e) {
      return input == e.input() && tenant.equals(e.tenant()) && model.equals(e.modelName());
    }

    /** This chain without {@code r}; the head, or {@code null} if it is empty. */
    @Nullable Reservation without(Reservation r) {
      if (this == r) {
        return next;
      }
      for (Reservation p = this; p.next != null; p = p.next) {
        if (p.next == r) {
          p.next = r.next;
          break;
        }
      }
      return this;
    }
  }

  /**
   * A builder with no limits for any tenant.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds this as both interceptor and listener (needed for refunds) to {@code builder}.
   *
   * @param builder the runtime's builder
   * @return {@code builder}, for chaining
   */
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
      throw new UnmeteredInputException(
          ctx.modelName(),
          "cannot count the units of this input for "
              + ctx.modelName()
              + " (tenant "
              + tenant
              + "): "
              + e.getMessage()
              + ". Use a UsageMeter that accepts this input type.",
          e,
          this);
    }
    BigDecimal cost =
        policy.moneyPlan == null
            ? BigDecimal.ZERO
            : policy.moneyPlan.exactCost(ctx.modelName(), units);
    TenantState state = states.computeIfAbsent(tenant, t -> new TenantState(t, policy));
    Reservation r =
        state.acquire(
            this,
            ctx.modelName(),
            tenant,
            ctx.input(),
            units,
            cost,
            nanoTime.getAsLong(),
            clock.instant());
    if (r != null && (listening || outstanding.get() < 100_000)) {
      // Without refunds (not registered as a listener) tracking would only grow: stop it.
      outstanding.incrementAndGet();
      reserved.compute(
          new InputKey(ctx.input()),
          (k, head) -> {
            r.next = head;
            return r;
          });
      lastReserved.set(r);
    }
  }

  @Override
  public void onEvent(InferenceEvent e) {
    listening = true;
    Throwable error = e.error();
    if (error instanceof QuotaRefusedException q && q.owner == this
        || error instanceof UnmeteredInputException u && u.owner == this) {
      return; // refused here: nothing was reserved
    }
    Reservation r = claim(e);
    if (r != null && !e.outcome().isSuccess()) {
      r.state.refund(r, clock.instant());
    }
    if (e.outcome().isSuccess() && meters.hasExtraKinds()) {
      TenantState state = states.get(e.tenant());
      PricePlan plan = state == null ? null : state.p.moneyPlan;
      if (state != null && plan != null && state.p.moneyBudgetPeriod != null) {
        BigDecimal cost = plan.exactCost(e.modelName(), meters.extraUnits(e));
        if (cost.signum() > 0) {
          state.charge(cost, clock.instant());
        }
      }
    }
  }

  /** Takes the reservation {@code e}'s call made, if it made one; each is taken once. */
  private @Nullable Reservation claim(InferenceEvent e) {
    if (e.outcome() == Outcome.INVALID_INPUT && e.version() == null) {
      return null; // the input's type was refused before any interceptor ran
    }
    Reservation mine = lastReserved.get();
    boolean refusal = e.outcome() == Outcome.REFUSED;
    if (refusal) {
      // Refused by an interceptor, on the caller's thread, right after they ran: it reserved only
      // if this interceptor ran for it, i.e. the last reservation on this thread is for this input.
      if (mine == null || !mine.sameCall(e)) {
        return null;
      }
    }
    Reservation[] taken = new Reservation[1];
    reserved.computeIfPresent(
        new InputKey(e.input()),
        (k, head) -> {
          for (Reservation c = head; c != null; c = c.next) {
            if (refusal ? c == mine : c.sameCall(e)) {
              taken[0] = c;
              return head.without(c);
            }
          }
          return head;
        });
    Reservation r = taken[0];
    if (r != null) {
      outstanding.decrementAndGet();
      if (r == mine) {
        lastReserved.remove();
      }
    }
    return r;
  }

  /**
   * Units of {@code tenant}'s unit budget used in the current period (0 if none).
   *
   * @param tenant the tenant
   * @return the units used
   */
  public long unitsUsed(String tenant) {
    TenantState s = states.get(tenant);
    return s == null ? 0 : s.unitsUsed(clock.instant());
  }

  /**
   * Money of {@code tenant}'s money budget used in the current period (0 if none).
   *
   * @param tenant the tenant
   * @return the money used, in the budget plan's currency
   */
  public BigDecimal moneyUsed(String tenant) {
    TenantState s = states.get(tenant);
    return s == null ? BigDecimal.ZERO : s.moneyUsed(clock.instant());
  }

  /** Per-tenant buckets and budget counters; every method holds the state's lock. */
  private final class TenantState {
    private final QuotaPolicy p;
    private final String tenant;
    private double requestTokens;
    private double unitTokens;
    private long lastRefill;
    private @Nullable LocalDate unitPeriod;
    private long unitsUsed;
    private @Nullable LocalDate moneyPeriod;
    private BigDecimal moneyUsed = BigDecimal.ZERO;

    TenantState(String tenant, QuotaPolicy p) {
      this.p = p;
      this.tenant = tenant;
      this.requestTokens = p.requestBurst;
      this.unitTokens = p.unitBurst;
      this.lastRefill = nanoTime.getAsLong();
      List<UsageRecord> spent = restored.get(tenant);
      if (spent != null) {
        restore(spent, clock.instant());
      }
    }

    /** Starts the budgets from the spend the ledger shows in the current periods. */
    private synchronized void restore(List<UsageRecord> spent, Instant now) {
      rollOver(now);
      for (UsageRecord r : spent) {
        if (unitPeriod != null
            && p.unitBudgetPeriod != null
            && unitPeriod.equals(p.unitBudgetPeriod.start(r.timestamp(), zone))) {
          unitsUsed += r.units();
        }
        if (moneyPeriod != null
            && p.moneyBudgetPeriod != null
            && p.moneyPlan != null
            && moneyPeriod.equals(p.moneyBudgetPeriod.start(r.timestamp(), zone))) {
          moneyUsed =
              moneyUsed
                  .add(p.moneyPlan.exactCost(r.model(), r.units()))
                  .add(p.moneyPlan.exactCost(r.model(), r.extraUnits()));
        }
      }
    }

    /**
     * Takes tokens and reserves budget, or throws; returns the reservation if there is a budget.
     */
    synchronized @Nullable Reservation acquire(
        Object owner,
        String model,
        String tenant,
        Object input,
        long units,
        BigDecimal cost,
        long now,
        Instant instant) {
      refill(now);
      rollOver(instant);
      if (p.requestBurst > 0 && requestTokens < 1) {
        Duration wait = seconds((1 - requestTokens) / p.requestRate);
        throw refusal(
            model,
            tenant,
            Limit.REQUEST_RATE,
            owner,
            String.format("%.2f of %d requests left in the bucket", requestTokens, p.requestBurst),
            wait,
            "request rate limit of "
                + rate(p.requestRate)
                + " requests/s (burst "
                + p.requestBurst
                + ")");
      }
      if (p.unitBurst > 0 && unitTokens < units) {
        @Nullable Duration wait =
            units > p.unitBurst ? null : seconds((units - unitTokens) / p.unitRate);
        throw refusal(
            model,
            tenant,
            Limit.UNIT_RATE,
            owner,
            String.format(
                "%.2f of %d units left in the bucket, call needs %d",
                unitTokens, p.unitBurst, units),
            wait,
            "unit rate limit of " + rate(p.unitRate) + " units/s (burst " + p.unitBurst + ")");
      }
      if (p.unitBudgetPeriod != null && unitsUsed + units > p.unitBudget) {
        throw refusal(
            model,
            tenant,
            Limit.UNIT_BUDGET,
            owner,
            unitsUsed
                + " of "
                + p.unitBudget
                + " units used in "
                + p.unitBudgetPeriod.label(Objects.requireNonNull(unitPeriod))
                + ", call needs "
                + units,
            units > p.unitBudget
                ? null
                : Duration.between(instant, p.unitBudgetPeriod.end(instant, zone)),
            adjective(p.unitBudgetPeriod) + " budget of " + p.unitBudget + " units");
      }
      PricePlan plan = p.moneyPlan;
      if (p.moneyBudgetPeriod != null
          && plan != null
          && p.moneyBudget != null
          && moneyUsed.add(cost).compareTo(p.moneyBudget) > 0) {
        String cur = plan.currency().getCurrencyCode();
        throw refusal(
            model,
            tenant,
            Limit.MONEY_BUDGET,
            owner,
            cur
                + " "
                + moneyUsed.toPlainString()
                + " of "
                + p.moneyBudget.toPlainString()
                + " used in "
                + p.moneyBudgetPeriod.label(Objects.requireNonNull(moneyPeriod))
                + ", call costs "
                + cost.toPlainString(),
            cost.compareTo(p.moneyBudget) > 0
                ? null
                : Duration.between(instant, p.moneyBudgetPeriod.end(instant, zone)),
            adjective(p.moneyBudgetPeriod)
                + " budget of "
                + cur
                + " "
                + p.moneyBudget.toPlainString()
                + " (plan "
                + plan.name()
                + ")");
      }
      if (p.requestBurst > 0) {
        requestTokens -= 1;
      }
      if (p.unitBurst > 0) {
        unitTokens -= units;
      }
      unitsUsed += units;
      moneyUsed = moneyUsed.add(cost);
      if (!p.hasBudget()) {
        return null;
      }
      return new Reservation(tenant, model, input, this, units, cost, unitPeriod, moneyPeriod);
    }

    /** Adds the price of a finished call's output-based units to the money budget. */
    synchronized void charge(BigDecimal cost, Instant instant) {
      rollOver(instant);
      moneyUsed = moneyUsed.add(cost);
    }

    /** Gives {@code r} back, to the period it was made in only. */
    synchronized void refund(Reservation r, Instant instant) {
      rollOver(instant);
      if (unitPeriod != null && unitPeriod.equals(r.unitPeriod)) {
        unitsUsed = Math.max(0, unitsUsed - r.units);
      }
      if (moneyPeriod != null && moneyPeriod.equals(r.moneyPeriod)) {
        moneyUsed = moneyUsed.subtract(r.cost).max(BigDecimal.ZERO);
      }
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

  private static QuotaRefusedException refusal(
      String model,
      String tenant,
      Limit limit,
      Object owner,
      String usage,
      @Nullable Duration retry,
      String what) {
    String when =
        retry == null
            ? "this call can never pass this limit; split it or raise the limit"
            : "retry in " + human(retry);
    return new QuotaRefusedException(
        model,
        tenant,
        limit,
        usage,
        retry,
        "tenant "
            + tenant
            + " exceeded its "
            + what
            + " calling "
            + model
            + ": "
            + usage
            + "; "
            + when,
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
    return h >= 48
        ? d.toDays() + "d " + (h % 24) + "h"
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
    private UsageMeters meters = UsageMeters.ofDefaults();
    private final Map<String, QuotaPolicy> policies = new HashMap<>();
    private @Nullable QuotaPolicy defaultPolicy;
    private Clock clock = Clock.systemUTC();
    private ZoneId zone = ZoneOffset.UTC;
    private LongSupplier nanoTime = System::nanoTime;
    private @Nullable LedgerReader ledger;

    private Builder() {}

    /**
     * Starts each tenant's budgets from its spend in the current period as recorded in {@code
     * ledger} (the {@link LedgerSink} directory {@link Metering} writes to, read at start), so a
     * restart does not reset spend. Uses the same {@link UsageMeters} units the records carry.
     *
     * @param ledger the ledger, read at start
     * @return this builder
     */
    public Builder restoreFrom(LedgerReader ledger) {
      this.ledger = Objects.requireNonNull(ledger, "ledger");
      return this;
    }

    /**
     * How units are counted; use the same {@link UsageMeters} as {@link Metering}.
     *
     * @param meters how units are counted
     * @return this builder
     */
    public Builder meters(UsageMeters meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /**
     * The limits of {@code tenant}.
     *
     * @param tenant the tenant
     * @param policy its limits
     * @return this builder
     */
    public Builder policy(String tenant, QuotaPolicy policy) {
      policies.put(
          Objects.requireNonNull(tenant, "tenant"), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * The limits of tenants not named; default none. Each tenant gets its own buckets.
     *
     * @param policy the limits of every tenant not named
     * @return this builder
     */
    public Builder defaultPolicy(QuotaPolicy policy) {
      this.defaultPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * The clock for calendar periods; default UTC system clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The zone in which budget periods start; default UTC.
     *
     * @param zone the time zone
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * The monotonic time source for token buckets; default {@link System#nanoTime()}.
     *
     * @param nanoTime the monotonic time, in nanoseconds
     * @return this builder
     */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /**
     * Builds the interceptor; install it with {@link QuotaInterceptor#installOn}.
     *
     * @return the interceptor
     */
    public QuotaInterceptor build() {
      return new QuotaInterceptor(this);
    }
  }
}
