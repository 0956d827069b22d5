package io.maasdk.metrics;

import io.maasdk.metrics.internal.Globs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Which {@link UsageMeter} counts each model's units: the first pattern that matches the model name
 * ({@code *} is a wildcard), else the default ({@link UsageMeter#perCall()} unless set). Immutable
 * and thread-safe; share one between {@link Metering} and {@link QuotaInterceptor}.
 *
 * <pre>{@code
 * UsageMeters meters = UsageMeters.builder()
 *     .meter("digits-*", UsageMeter.items())
 *     .meter("embed", UsageMeter.tokens(text -> tokenizer.encode(text).getIds().length))
 *     .build();
 * }</pre>
 */
public final class UsageMeters {
  private final List<Map.Entry<Pattern, UsageMeter>> rules;
  private final UsageMeter fallback;
  private final Map<String, UsageMeter> resolved = new ConcurrentHashMap<>();

  private UsageMeters(Builder b) {
    this.rules = List.copyOf(b.rules);
    this.fallback = b.fallback;
  }

  /** One unit per call for every model. */
  public static UsageMeters perCall() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The meter for {@code model}. */
  public UsageMeter forModel(String model) {
    return resolved.computeIfAbsent(model, m -> {
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

  /** Configures {@link UsageMeters}. */
  public static final class Builder {
    private final List<Map.Entry<Pattern, UsageMeter>> rules = new ArrayList<>();
    private UsageMeter fallback = UsageMeter.perCall();

    private Builder() {}

    /** Models whose name matches {@code pattern} use {@code meter}; first match wins. */
    public Builder meter(String pattern, UsageMeter meter) {
      rules.add(Map.entry(Globs.compile(Objects.requireNonNull(pattern, "pattern")),
          Objects.requireNonNull(meter, "meter")));
      return this;
    }

    /** The meter for models no pattern matches; default one unit per call. */
    public Builder defaultMeter(UsageMeter meter) {
      this.fallback = Objects.requireNonNull(meter, "meter");
      return this;
    }

    public UsageMeters build() {
      return new UsageMeters(this);
    }
  }
}
