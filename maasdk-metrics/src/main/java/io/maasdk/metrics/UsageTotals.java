package io.maasdk.metrics;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
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
    long cacheHitUnits) {

  public UsageTotals {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(periodStart, "periodStart");
  }

  /** The period's label, {@code 2026-11} or {@code 2026-11-23}. */
  public String periodLabel() {
    return period.label(periodStart);
  }

  /**
   * Sums records per tenant × model × period (periods in {@code zone}), sorted by tenant, period,
   * model.
   */
  public static List<UsageTotals> aggregate(
      Iterable<UsageRecord> records, BillingPeriod period, ZoneId zone) {
    record Key(String tenant, LocalDate start, String model) {}
    Map<Key, long[]> sums = new TreeMap<>(Comparator.comparing(Key::tenant)
        .thenComparing(Key::start).thenComparing(Key::model));
    for (UsageRecord r : records) {
      long[] s = sums.computeIfAbsent(
          new Key(r.tenant(), period.start(r.timestamp(), zone), r.model()), k -> new long[5]);
      s[0]++;
      if (r.billable()) {
        s[1]++;
        if (r.cacheHit()) {
          s[2]++;
          s[4] += r.units();
        } else {
          s[3] += r.units();
        }
      }
    }
    List<UsageTotals> out = new ArrayList<>(sums.size());
    sums.forEach((k, s) ->
        out.add(new UsageTotals(k.tenant(), k.model(), period, k.start(), s[0], s[1], s[2], s[3],
            s[4])));
    return List.copyOf(out);
  }
}
