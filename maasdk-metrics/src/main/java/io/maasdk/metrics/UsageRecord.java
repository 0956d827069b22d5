package io.maasdk.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.io.IOException;
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

  /**
   * A record without units of other kinds (the form before {@link CallMeter}s existed).
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
   */
  public UsageRecord(
      String id,
      Instant timestamp,
      String tenant,
      String model,
      @Nullable String version,
      long units,
      boolean cacheHit,
      Outcome outcome,
      long latencyNanos) {
    this(id, timestamp, tenant, model, version, units, cacheHit, outcome, latencyNanos, Map.of());
  }

  /**
   * Checks the components and copies {@code extraUnits}.
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
   * @param extraUnits units of other kinds ({@link CallMeter}s: output items or tokens, device
   *     time), by kind name; empty unless the call succeeded and such meters are configured
   */
  public UsageRecord {
    Objects.requireNonNull(extraUnits, "extraUnits");
    for (Map.Entry<String, Long> e : extraUnits.entrySet()) {
      UsageMeters.checkKind(e.getKey());
      if (e.getValue() == null || e.getValue() < 0) {
        throw new IllegalArgumentException(
            "units of " + e.getKey() + " must be >= 0, were " + e.getValue());
      }
    }
    extraUnits =
        extraUnits.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(extraUnits));
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(outcome, "outcome");
    if (units < 0) {
      throw new IllegalArgumentException("units must be >= 0, was " + units);
    }
  }

  /**
   * Whether a price plan may charge for it: the model produced an output.
   *
   * @return {@code true} for a successful call or a cache hit
   */
  public boolean billable() {
    return outcome.isSuccess();
  }

  /**
   * Units of kind {@code unit}: {@link #units()} for {@code "units"}, else from extraUnits.
   *
   * @param unit the unit kind
   * @return the units of that kind, 0 if none were counted
   */
  public long units(String unit) {
    return UNITS.equals(unit) ? units : extraUnits.getOrDefault(unit, 0L);
  }

  /**
   * This record as one line of JSON (no newline), the ledger's format; units of other kinds are
   * fields {@code "units.<kind>"}.
   *
   * @return the record as one line of JSON, without a line break
   */
  public String toJson() {
    return JsonSupport.write(this::writeJson);
  }

  /** Writes this record as one JSON object to {@code g} (the ledger's line, without newline). */
  void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("ts", timestamp.toString());
    g.writeStringField("tenant", tenant);
    g.writeStringField("model", model);
    if (version == null) {
      g.writeNullField("version");
    } else {
      g.writeStringField("version", version);
    }
    g.writeNumberField("units", units);
    g.writeBooleanField("cacheHit", cacheHit);
    g.writeStringField("outcome", outcome.name());
    g.writeNumberField("latencyNanos", latencyNanos);
    for (Map.Entry<String, Long> e : extraUnits.entrySet()) {
      g.writeNumberField(EXTRA_PREFIX + e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /**
   * Parses a line written by {@link #toJson()}. Fields it does not know are ignored.
   *
   * @param line one line of a ledger file
   * @return the record
   * @throws IllegalArgumentException if the line is not one complete record: not JSON, trailing
   *     content, a field missing or of the wrong type, a key twice
   */
  public static UsageRecord fromJson(String line) {
    try (JsonParser p = JsonSupport.parser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw notARecord(line, "not a JSON object");
      }
      String id = null;
      String ts = null;
      String tenant = null;
      String model = null;
      String version = null;
      Long units = null;
      Boolean cacheHit = null;
      String outcome = null;
      Long latency = null;
      Map<String, Long> extra = new TreeMap<>();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "id" -> id = text(p, v, line);
          case "ts" -> ts = text(p, v, line);
          case "tenant" -> tenant = text(p, v, line);
          case "model" -> model = text(p, v, line);
          case "version" -> version = v == JsonToken.VALUE_NULL ? null : text(p, v, line);
          case "units" -> units = number(p, v, line);
          case "cacheHit" -> {
            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
              throw notARecord(line, "cacheHit is not a boolean");
            }
            cacheHit = v == JsonToken.VALUE_TRUE;
          }
          case "outcome" -> outcome = text(p, v, line);
          case "latencyNanos" -> latency = number(p, v, line);
          default -> {
            if (name.startsWith(EXTRA_PREFIX)) {
              extra.put(name.substring(EXTRA_PREFIX.length()), number(p, v, line));
            } else {
              p.skipChildren(); // a field a later version added
            }
          }
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw notARecord(line, "not one complete object");
      }
      String rid = req(id, "id", line);
      Instant at = Instant.parse(req(ts, "ts", line));
      String who = req(tenant, "tenant", line);
      String what = req(model, "model", line);
      long n = req(units, "units", line);
      boolean hit = req(cacheHit, "cacheHit", line);
      String how = req(outcome, "outcome", line);
      long nanos = req(latency, "latencyNanos", line);
      try {
        return new UsageRecord(
            rid, at, who, what, version, n, hit, Outcome.valueOf(how), nanos, extra);
      } catch (IllegalArgumentException e) { // a value out of range, an unknown outcome
        throw notARecord(line, Objects.requireNonNullElse(e.getMessage(), e.toString()));
      }
    } catch (IOException | java.time.DateTimeException e) {
      throw notARecord(
          line, e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString());
    }
  }

  private static String text(JsonParser p, JsonToken v, String line) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw notARecord(line, p.currentName() + " is not a string");
    }
    return p.getText();
  }

  private static long number(JsonParser p, JsonToken v, String line) throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT) {
      throw notARecord(line, p.currentName() + " is not an integer");
    }
    return p.getLongValue(); // throws if it does not fit a long
  }

  private static <T> T req(@Nullable T value, String key, String line) {
    if (value == null) {
      throw notARecord(line, "lacks \"" + key + "\"");
    }
    return value;
  }

  private static IllegalArgumentException notARecord(String line, String why) {
    String shown = line.length() <= 300 ? line : line.substring(0, 300) + "…";
    return new IllegalArgumentException("not a usage record (" + why + "): " + shown);
  }
}
