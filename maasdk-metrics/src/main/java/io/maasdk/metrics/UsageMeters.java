package io.maasdk.metrics;

import io.maasdk.metrics.internal.Globs;
import io.maasdk.spi.InferenceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Which {@link UsageMeter} counts each model's units: the first pattern that matches the model name
 * ({@code *} is a wildcard), else the default ({@link UsageMeter#perCall()} unless set). These are
 * a record's {@link UsageRecord#units() units}, what quotas reserve before a call.
 *
 * <p>Units of other kinds, named, may depend on the output and the compute ({@link CallMeter}): for
 * each kind, the first of its patterns that matches the model counts it; models no pattern of a
 * kind matches have none of that kind.
 *
 * <p>Immutable and thread-safe; share one between {@link Metering} and {@link QuotaInterceptor}.
 *
 * <pre>{@code
 * UsageMeters meters = UsageMeters.builder()
 *     .meter("digits-*", UsageMeter.items())
 *     .meter("embed", UsageMeter.tokens(text -> tokenizer.encode(text).getIds().length))
 *     .meter("digits-*", "compute_us", CallMeter.computeMicros())
 *     .build();
 * }</pre>
 */
public final class UsageMeters {
  private final List<Map.Entry<Pattern, UsageMeter>> rules;
  private final UsageMeter fallback;
  private final Map<String, UsageMeter> resolved = new ConcurrentHashMap<>();

  /** Per unit kind (sorted by name), its patterns in order. */
  private final Map<String, List<Map.Entry<Pattern, CallMeter>>> kinds;

  private final Map<String, Map<String, CallMeter>> resolvedKinds = new ConcurrentHashMap<>();

  private UsageMeters(Builder b) {
    this.rules = List.copyOf(b.rules);
    this.fallback = b.fallback;
    Map<String, List<Map.Entry<Pattern, CallMeter>>> k = new TreeMap<>();
    b.kinds.forEach((kind, list) -> k.put(kind, List.copyOf(list)));
    this.kinds = Collections.unmodifiableMap(k);
  }

  /**
   * One unit per call for every model (the default).
   *
   * @return the meters
   */
  public static UsageMeters ofDefaults() {
    return builder().build();
  }

  /**
   * A builder whose default meter counts one unit per call.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The meter for {@code model}.
   *
   * @param model the model's name
   * @return the first matching meter, or the default
   */
  public UsageMeter forModel(String model) {
    return resolved.computeIfAbsent(
        model,
        m -> {
          for (Map.Entry<Pattern, UsageMeter> rule : rules) {
            if (rule.getKey().matcher(m).matches()) {
              return rule.getValue();
            }
          }
          return fallback;
        });
  }

  /**
   * The units {@code input} costs on {@code model}.
   *
   * @param model the model's name
   * @param input the call's input
   * @return the units the input costs
   * @throws IllegalStateException if the meter returns a negative count
   */
  public long units(String model, Object input) {
    long units = forModel(model).units(input);
    if (units < 0) {
      throw new IllegalStateException(
          "UsageMeter for " + model + " returned " + units + " units; must be >= 0");
    }
    return units;
  }

  /**
   * The units of every other kind that metered {@code call} used, by kind name in name order; empty
   * for a call that did not succeed, or a model no kind's pattern matches.
   *
   * @param call the completed call
   * @return units by kind, for the kinds whose pattern matches the model
   * @throws IllegalStateException if a meter returns a negative count
   */
  public Map<String, Long> extraUnits(InferenceEvent call) {
    if (kinds.isEmpty() || !call.outcome().isSuccess()) {
      return Map.of();
    }
    Map<String, CallMeter> forModel =
        resolvedKinds.computeIfAbsent(
            call.modelName(),
            m -> {
              Map<String, CallMeter> out = new LinkedHashMap<>();
              kinds.forEach(
                  (kind, rules) -> {
                    for (Map.Entry<Pattern, CallMeter> rule : rules) {
                      if (rule.getKey().matcher(m).matches()) {
                        out.put(kind, rule.getValue());
                        break;
                      }
                    }
                  });
              return out;
            });
    if (forModel.isEmpty()) {
      return Map.of();
    }
    Map<String, Long> out = new TreeMap<>();
    forModel.forEach(
        (kind, meter) -> {
          long n = meter.units(call);
          if (n < 0) {
            throw new IllegalStateException(
                "CallMeter "
                    + kind
                    + " for "
                    + call.modelName()
                    + " returned "
                    + n
                    + " units; must be >= 0");
          }
          out.put(kind, n);
        });
    return Collections.unmodifiableMap(out);
  }

  /** Whether any unit kind besides {@code units} is metered. */
  boolean hasExtraKinds() {
    return !kinds.isEmpty();
  }

  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  /** A unit kind's name: lower case letters, digits and {@code _}, not {@code units}. */
  static String checkKind(String kind) {
    Objects.requireNonNull(kind, "unit kind");
    if (!KIND.matcher(kind).matches() || kind.equals(UsageRecord.UNITS)) {
      throw new IllegalArgumentException(
          "unit kind must match [a-z][a-z0-9_]{0,63} and not be"
              + " \"units\" (the input meter's kind), was \""
              + kind
              + "\"");
    }
    return kind;
  }

  /** Configures {@link UsageMeters}. */
  public static final class Builder {
    private final List<Map.Entry<Pattern, UsageMeter>> rules = new ArrayList<>();
    private UsageMeter fallback = UsageMeter.perCall();
    private final Map<String, List<Map.Entry<Pattern, CallMeter>>> kinds = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Models whose name matches {@code pattern} also count units of kind {@code unit} (for example
     * {@code "output_tokens"}, {@code "compute_us"}) with {@code meter}, after each successful
     * call; for each kind the first matching pattern wins.
     *
     * @param pattern a model name with {@code *} wildcards
     * @param unit the kind of unit the meter counts
     * @param meter the meter
     * @return this builder
     * @throws IllegalArgumentException if {@code unit} is not lower case letters, digits and {@code
     *     _}, or is {@code "units"}
     */
    public Builder meter(String pattern, String unit, CallMeter meter) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(meter, "meter");
      kinds
          .computeIfAbsent(checkKind(unit), k -> new ArrayList<>())
          .add(Map.entry(Globs.compile(pattern), meter));
      return this;
    }

    /**
     * Models whose name matches {@code pattern} use {@code meter}; first match wins.
     *
     * @param pattern a model name with {@code *} wildcards
     * @param meter the meter
     * @return this builder
     */
    public Builder meter(String pattern, UsageMeter meter) {
      rules.add(
          Map.entry(
              Globs.compile(Objects.requireNonNull(pattern, "pattern")),
              Objects.requireNonNull(meter, "meter")));
      return this;
    }

    /**
     * The meter for models no pattern matches; default one unit per call.
     *
     * @param meter the meter of models no pattern matches
     * @return this builder
     */
    public Builder defaultMeter(UsageMeter meter) {
      this.fallback = Objects.requireNonNull(meter, "meter");
      return this;
    }

    /**
     * Builds the meters.
     *
     * @return the meters
     */
    public UsageMeters build() {
      return new UsageMeters(this);
    }
  }
}
