package io.maasdk.metrics;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Usage of one model by one tenant in one calendar period. Immutable.
 *
 * @param tenant the tenant
 * @param model the model
 * @param period the kind of period
 * @param periodStart its first day
 * @param calls every recorded call, whatever its outcome
 * @param successes calls that produced an output (computed or from the cache)
 * @param cacheHits successful calls answered by the response cache
 * @param units units of successful calls computed by the model
 * @param cacheHitUnits units of successful calls answered by the cache
 * @param extraUnits units of other kinds ({@link CallMeter}) of computed successful calls, by kind
 * @param cacheHitExtraUnits units of other kinds of successful calls answered by the cache
 */
public record UsageTotals(
    String tenant,
    String model,
    BillingPeriod period,
    LocalDate periodStart,
    long calls,
    long successes,
    long cacheHits,
    long units,
    long cacheHitUnits,
    Map<String, Long> extraUnits,
    Map<String, Long> cacheHitExtraUnits) {

  /**
   * Totals without units of other kinds.
   *
   * @param tenant the tenant
   * @param model the model
   * @param period the kind of period
   * @param periodStart its first day
   * @param calls every recorded call, whatever its outcome
   * @param successes calls that produced an output (computed or from the cache)
   * @param cacheHits successful calls answered by the response cache
   * @param units units of successful calls computed by the model
   * @param cacheHitUnits units of successful calls answered by the cache
   */
  public UsageTotals(
      String tenant,
      String model,
      BillingPeriod period,
      LocalDate periodStart,
      long calls,
      long successes,
      long cacheHits,
      long units,
      long cacheHitUnits) {
    this(
        tenant,
        model,
        period,
        periodStart,
        calls,
        successes,
        cacheHits,
        units,
        cacheHitUnits,
        Map.of(),
        Map.of());
  }

  /**
   * Checks the components and copies {@code extraUnits}.
   *
   * @param tenant the tenant
   * @param model the model
   * @param period the kind of period
   * @param periodStart its first day
   * @param calls every recorded call, whatever its outcome
   * @param successes calls that produced an output (computed or from the cache)
   * @param cacheHits successful calls answered by the response cache
   * @param units units of successful calls computed by the model
   * @param cacheHitUnits units of successful calls answered by the cache
   * @param extraUnits units of other kinds ({@link CallMeter}) of computed successful calls, by
   *     kind
   * @param cacheHitExtraUnits units of other kinds of successful calls answered by the cache
   */
  public UsageTotals {
    extraUnits = Collections.unmodifiableMap(new TreeMap<>(extraUnits));
    cacheHitExtraUnits = Collections.unmodifiableMap(new TreeMap<>(cacheHitExtraUnits));
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(periodStart, "periodStart");
  }

  /**
   * The period's label, {@code 2026-11} or {@code 2026-11-23}.
   *
   * @return the period's label
   */
  public String periodLabel() {
    return period.label(periodStart);
  }

  /**
   * Sums records per tenant × model × period (periods in {@code zone}), sorted by tenant, period,
   * model.
   *
   * @param records the usage records
   * @param period the billing period to total by
   * @param zone the time zone that decides which day or month a record falls in
   * @return one totals per tenant, model and period
   */
  public static List<UsageTotals> aggregate(
      Iterable<UsageRecord> records, BillingPeriod period, ZoneId zone) {
    record Key(String tenant, LocalDate start, String model) {}
    record Sums(long[] n, Map<String, Long> extra, Map<String, Long> cachedExtra) {}
    Map<Key, Sums> sums =
        new TreeMap<>(
            Comparator.comparing(Key::tenant).thenComparing(Key::start).thenComparing(Key::model));
    for (UsageRecord r : records) {
      Sums s =
          sums.computeIfAbsent(
              new Key(r.tenant(), period.start(r.timestamp(), zone), r.model()),
              k -> new Sums(new long[5], new TreeMap<>(), new TreeMap<>()));
      s.n[0]++;
      if (r.billable()) {
        s.n[1]++;
        Map<String, Long> extra = r.cacheHit() ? s.cachedExtra : s.extra;
        r.extraUnits().forEach((kind, n) -> extra.merge(kind, n, Long::sum));
        if (r.cacheHit()) {
          s.n[2]++;
          s.n[4] += r.units();
        } else {
          s.n[3] += r.units();
        }
      }
    }
    List<UsageTotals> out = new ArrayList<>(sums.size());
    sums.forEach(
        (k, s) ->
            out.add(
                new UsageTotals(
                    k.tenant(),
                    k.model(),
                    period,
                    k.start(),
                    s.n[0],
                    s.n[1],
                    s.n[2],
                    s.n[3],
                    s.n[4],
                    s.extra,
                    s.cachedExtra)));
    return List.copyOf(out);
  }
}
