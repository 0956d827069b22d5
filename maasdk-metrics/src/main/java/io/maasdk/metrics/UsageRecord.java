package io.maasdk.metrics;

import io.maasdk.metrics.internal.Json;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One call as metering saw it. Immutable; every call the runtime reports (whatever its outcome)
 * becomes exactly one record. Only {@linkplain #billable() successful} records carry units: a
 * refused, failed, overloaded or timed-out call is recorded with {@code units = 0}, so it is
 * accounted for but never billed.
 *
 * @param id unique id (a random per-process prefix and a sequence), so a reader can tell a record
 *     written twice from two calls
 * @param timestamp when the call ended
 * @param tenant the caller's tenant
 * @param model the model called
 * @param version the version that served it; {@code null} if none was resolved (refusals)
 * @param units what the model's {@link UsageMeter} counted; {@code 0} unless the call succeeded
 * @param cacheHit whether the answer came from the response cache
 * @param outcome how the call ended
 * @param latencyNanos queue wait plus inference time
 * @param extraUnits units of other kinds ({@link CallMeter}s: output items or tokens, device time),
 *     by kind name; empty unless the call succeeded and such meters are configured
 */
public record UsageRecord(
    String id,
    Instant timestamp,
    String tenant,
    String model,
    @Nullable String version,
    long units,
    boolean cacheHit,
    Outcome outcome,
    long latencyNanos,
    Map<String, Long> extraUnits) {

  /** The name of the kind {@link #units()} counts, for {@link PricePlan} and invoices. */
  public static final String UNITS = "units";

  private static final String EXTRA_PREFIX = "units.";

  /** A record without units of other kinds (the form before {@link CallMeter}s existed). */
  public UsageRecord(String id, Instant timestamp, String tenant, String model,
      @Nullable String version, long units, boolean cacheHit, Outcome outcome,
      long latencyNanos) {
    this(id, timestamp, tenant, model, version, units, cacheHit, outcome, latencyNanos, Map.of());
  }

  public UsageRecord {
    Objects.requireNonNull(extraUnits, "extraUnits");
    for (Map.Entry<String, Long> e : extraUnits.entrySet()) {
      UsageMeters.checkKind(e.getKey());
      if (e.getValue() == null || e.getValue() < 0) {
        throw new IllegalArgumentException("units of " + e.getKey() + " must be >= 0, were "
            + e.getValue());
      }
    }
    extraUnits = extraUnits.isEmpty() ? Map.of()
        : Collections.unmodifiableMap(new TreeMap<>(extraUnits));
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(outcome, "outcome");
    if (units < 0) {
      throw new IllegalArgumentException("units must be >= 0, was " + units);
    }
  }

  /** Whether a price plan may charge for it: the model produced an output. */
  public boolean billable() {
    return outcome.isSuccess();
  }

  /** Units of kind {@code unit}: {@link #units()} for {@code "units"}, else from extraUnits. */
  public long units(String unit) {
    return UNITS.equals(unit) ? units : extraUnits.getOrDefault(unit, 0L);
  }

  /**
   * This record as one line of JSON (no newline), the ledger's format; units of other kinds are
   * fields {@code "units.<kind>"}.
   */
  public String toJson() {
    StringBuilder extra = new StringBuilder();
    extraUnits.forEach((k, v) -> extra.append(",").append(Json.quote(EXTRA_PREFIX + k))
        .append(':').append(v));
    return "{\"id\":" + Json.quote(id)
        + ",\"ts\":" + Json.quote(timestamp.toString())
        + ",\"tenant\":" + Json.quote(tenant)
        + ",\"model\":" + Json.quote(model)
        + ",\"version\":" + Json.quote(version)
        + ",\"units\":" + units
        + ",\"cacheHit\":" + cacheHit
        + ",\"outcome\":" + Json.quote(outcome.name())
        + ",\"latencyNanos\":" + latencyNanos
        + extra
        + "}";
  }

  /**
   * Parses a line written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if the line is not a complete record
   */
  public static UsageRecord fromJson(String line) {
    Map<String, @Nullable Object> m = Json.parseFlatObject(line);
    try {
      Map<String, Long> extra = new TreeMap<>();
      for (Map.Entry<String, @Nullable Object> e : m.entrySet()) {
        if (e.getKey().startsWith(EXTRA_PREFIX)) {
          extra.put(e.getKey().substring(EXTRA_PREFIX.length()),
              ((BigDecimal) Objects.requireNonNull(e.getValue(), e.getKey())).longValueExact());
        }
      }
      return new UsageRecord(
          (String) req(m, "id"),
          Instant.parse((String) req(m, "ts")),
          (String) req(m, "tenant"),
          (String) req(m, "model"),
          (String) m.get("version"),
          ((BigDecimal) req(m, "units")).longValueExact(),
          (Boolean) req(m, "cacheHit"),
          Outcome.valueOf((String) req(m, "outcome")),
          ((BigDecimal) req(m, "latencyNanos")).longValueExact(),
          extra);
    } catch (ClassCastException | ArithmeticException | NullPointerException
        | java.time.DateTimeException e) {
      throw new IllegalArgumentException("not a usage record: " + line, e);
    }
  }

  private static Object req(Map<String, @Nullable Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("usage record lacks \"" + key + "\": " + m);
    }
    return v;
  }
}
