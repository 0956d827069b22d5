package io.maasdk.ops;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link Rollouts rollout} moves an alias to a candidate: the traffic steps, how long each is
 * held, and the gates that must hold to go on. Immutable and thread-safe.
 *
 * <p>Each step sends {@code percent}% of the alias's calls to the candidate ({@link
 * io.maasdk.AliasTarget#split}, sticky per routing key) and holds until the candidate has answered
 * at least {@link Builder#minCallsPerStep} calls in this step <em>and</em> {@link
 * Builder#minTimePerStep} has passed (read from {@link ModelOps.Builder#ticker}). Then the gates
 * are checked; all passing promotes to the next step, any failing rolls back at once. The error
 * gate is also checked while a step holds: a candidate whose errors exceed what the whole step may
 * have is rolled back without waiting.
 *
 * <ul>
 *   <li><b>error rate</b>: the candidate's failed calls (engine faults, calls its breaker refused,
 *       calls its alias's fallback had to answer) over its calls in the step, at most {@link
 *       Builder#maxErrorRate} (default 0.01). Bad inputs are the caller's and do not count.
 *   <li><b>p99 latency</b>: the candidate's p99 in the step at most {@link Builder#maxP99Ratio}
 *       times the current version's in the same step plus {@link Builder#p99Slack} (default 1.5x +
 *       5 ms); skipped while either has fewer than 20 calls in the step.
 *   <li><b>evaluation</b>: an {@link EvaluationGate}, run once before leaving the first step that
 *       sends the candidate traffic.
 * </ul>
 */
public final class RolloutPolicy {
  private final int[] steps;
  private final long minCallsPerStep;
  private final Duration minTimePerStep;
  private final double maxErrorRate;
  private final double maxP99Ratio;
  private final Duration p99Slack;
  private final @Nullable String gateName;
  private final @Nullable EvaluationGate gate;
  private final @Nullable ShadowComparison<?, ?> shadow;
  private final long shadowMinComparisons;
  private final double shadowMinAgreement;

  private RolloutPolicy(Builder b) {
    this.steps = b.steps.clone();
    this.minCallsPerStep = b.minCallsPerStep;
    this.minTimePerStep = b.minTimePerStep;
    this.maxErrorRate = b.maxErrorRate;
    this.maxP99Ratio = b.maxP99Ratio;
    this.p99Slack = b.p99Slack;
    this.gateName = b.gateName;
    this.gate = b.gate;
    this.shadow = b.shadow;
    this.shadowMinComparisons = b.shadowMinComparisons;
    this.shadowMinAgreement = b.shadowMinAgreement;
  }

  /**
   * 1% → 10% → 50% → 100%, 100 calls per step, at most 1% errors, p99 within 1.5x + 5 ms.
   *
   * @return the default canary policy
   */
  public static RolloutPolicy ofDefaults() {
    return builder().build();
  }

  /**
   * A builder that starts from {@link #ofDefaults()}'s settings.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder starting from this policy's settings, to derive a modified copy.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.steps = steps.clone();
    b.minCallsPerStep = minCallsPerStep;
    b.minTimePerStep = minTimePerStep;
    b.maxErrorRate = maxErrorRate;
    b.maxP99Ratio = maxP99Ratio;
    b.p99Slack = p99Slack;
    b.gateName = gateName;
    b.gate = gate;
    b.shadow = shadow;
    b.shadowMinComparisons = shadowMinComparisons;
    b.shadowMinAgreement = shadowMinAgreement;
    return b;
  }

  /**
   * The candidate's share of traffic at each step, in percent, ascending, ending at 100.
   *
   * @return a copy of the steps
   */
  public int[] steps() {
    return steps.clone();
  }

  /**
   * Calls the candidate must answer in a step before it can be promoted.
   *
   * @return the least number of calls per step
   */
  public long minCallsPerStep() {
    return minCallsPerStep;
  }

  /**
   * Time each step is held at least.
   *
   * @return the shortest hold; zero for none
   */
  public Duration minTimePerStep() {
    return minTimePerStep;
  }

  /**
   * The largest error rate that passes; {@code 1} disables the gate.
   *
   * @return the largest error rate, in [0, 1]
   */
  public double maxErrorRate() {
    return maxErrorRate;
  }

  /**
   * The largest p99 ratio that passes; {@code 0} disables the gate.
   *
   * @return the largest ratio of the candidate's p99 to the current version's
   */
  public double maxP99Ratio() {
    return maxP99Ratio;
  }

  /**
   * What the candidate's p99 may exceed the ratio by, so that very fast models do not fail on
   * noise.
   *
   * @return the slack added to the current version's p99 times the ratio
   */
  public Duration p99Slack() {
    return p99Slack;
  }

  /**
   * The evaluation gate's name, if there is one.
   *
   * @return the name, or {@code null} without a gate
   */
  public @Nullable String evaluationGateName() {
    return gateName;
  }

  /**
   * The evaluation gate, if there is one.
   *
   * @return the gate, or {@code null} without one
   */
  public @Nullable EvaluationGate evaluationGate() {
    return gate;
  }

  /**
   * The shadow step's comparison, if the policy starts with one.
   *
   * @return the comparison, or {@code null} without a shadow step
   */
  public @Nullable ShadowComparison<?, ?> shadow() {
    return shadow;
  }

  /**
   * Comparisons the shadow step needs before it can end.
   *
   * @return the least number of compared answers
   */
  public long shadowMinComparisons() {
    return shadowMinComparisons;
  }

  /**
   * The least share of agreeing comparisons that passes the shadow step.
   *
   * @return the least share of agreeing answers, in [0, 1]
   */
  public double shadowMinAgreement() {
    return shadowMinAgreement;
  }

  /** One line that {@link #decode} reads back (the gate by name). */
  String encode() {
    StringBuilder sb = new StringBuilder();
    sb.append("steps=")
        .append(String.join(",", Arrays.stream(steps).mapToObj(Integer::toString).toList()));
    sb.append(";minCalls=").append(minCallsPerStep);
    sb.append(";minTimeNanos=").append(minTimePerStep.toNanos());
    sb.append(";maxErrorRate=").append(Double.toString(maxErrorRate));
    sb.append(";maxP99Ratio=").append(Double.toString(maxP99Ratio));
    sb.append(";p99SlackNanos=").append(p99Slack.toNanos());
    if (gateName != null) {
      sb.append(";gate=").append(gateName);
    }
    if (shadow != null) {
      sb.append(";shadow=")
          .append(shadow.name())
          .append(";shadowMin=")
          .append(shadowMinComparisons)
          .append(";shadowAgreement=")
          .append(Double.toString(shadowMinAgreement));
    }
    return sb.toString();
  }

  /**
   * Reads {@link #encode()}; the evaluation gate is looked up by name in {@code gates}.
   *
   * @throws IllegalArgumentException if the text is not a policy, or names a gate not in {@code
   *     gates}
   */
  static RolloutPolicy decode(
      String text,
      Map<String, EvaluationGate> gates,
      Map<String, ShadowComparison<?, ?>> comparisons) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String kv : text.split(";")) {
      int eq = kv.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("not a rollout policy: '" + text + "'");
      }
      f.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    Builder b =
        builder()
            .steps(Arrays.stream(f.get("steps").split(",")).mapToInt(Integer::parseInt).toArray())
            .minCallsPerStep(Long.parseLong(f.get("minCalls")))
            .minTimePerStep(Duration.ofNanos(Long.parseLong(f.get("minTimeNanos"))))
            .maxErrorRate(Double.parseDouble(f.get("maxErrorRate")))
            .maxP99Ratio(
                Double.parseDouble(f.get("maxP99Ratio")),
                Duration.ofNanos(Long.parseLong(f.get("p99SlackNanos"))));
    String g = f.get("gate");
    if (g != null) {
      EvaluationGate gate = gates.get(g);
      if (gate == null) {
        throw new IllegalArgumentException(
            "evaluation gate '"
                + g
                + "' is not registered"
                + " (ModelOps.Builder.evaluationGate); registered: "
                + gates.keySet());
      }
      b.evaluationGate(g, gate);
    }
    String sh = f.get("shadow");
    if (sh != null) {
      b.shadowFirst(
          ShadowComparison.named(sh, comparisons),
          Long.parseLong(f.get("shadowMin")),
          Double.parseDouble(f.get("shadowAgreement")));
    }
    return b.build();
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "RolloutPolicy[steps %s%%, %d calls and %s per step,"
            + " errors <= %s, p99 <= %sx + %s ms%s]",
        Arrays.toString(steps),
        minCallsPerStep,
        minTimePerStep,
        maxErrorRate,
        maxP99Ratio,
        p99Slack.toMillis(),
        (gateName == null ? "" : ", gate " + gateName)
            + (shadow == null
                ? ""
                : ", shadow first ("
                    + shadow.name()
                    + " agreement >= "
                    + shadowMinAgreement
                    + " over "
                    + shadowMinComparisons
                    + " calls)"));
  }

  /** Configures a {@link RolloutPolicy}. Not thread-safe. */
  public static final class Builder {
    private int[] steps = {1, 10, 50, 100};
    private long minCallsPerStep = 100;
    private Duration minTimePerStep = Duration.ZERO;
    private double maxErrorRate = 0.01;
    private double maxP99Ratio = 1.5;
    private Duration p99Slack = Duration.ofMillis(5);
    private @Nullable String gateName;
    private @Nullable EvaluationGate gate;
    private @Nullable ShadowComparison<?, ?> shadow;
    private long shadowMinComparisons;
    private double shadowMinAgreement;

    private Builder() {}

    /**
     * Starts with a shadow step: the alias does not move; each successful call the current version
     * answers is copied to the candidate (as a {@link io.maasdk.CallOptions.Priority#BULK} call of
     * the operator's tenant, {@link ModelOps.Builder#shadowTenant}), whose answer is compared with
     * {@code comparison} and discarded. The step holds until {@code minComparisons} answers were
     * compared (and {@link #minTimePerStep} passed) and passes when at least {@code minAgreement}
     * of them agree. Callers never see a shadow answer. Shadow copies are the first thing dropped
     * under load: at most {@link ModelOps.Builder#maxShadowInFlight} are in flight, and one the
     * candidate's queue refuses is dropped, never retried.
     *
     * @param comparison how the two answers are compared
     * @param minComparisons how many answers must be compared before the step can end
     * @param minAgreement the least share of comparisons that must agree, in [0, 1]
     * @return this builder
     * @throws IllegalArgumentException if {@code minAgreement} is not in [0, 1] or {@code
     *     minComparisons} is negative
     */
    public Builder shadowFirst(
        ShadowComparison<?, ?> comparison, long minComparisons, double minAgreement) {
      if (!(minAgreement >= 0 && minAgreement <= 1)) {
        throw new IllegalArgumentException("minAgreement must be in [0, 1], was " + minAgreement);
      }
      if (minComparisons < 0) {
        throw new IllegalArgumentException("minComparisons must be >= 0, was " + minComparisons);
      }
      this.shadow = java.util.Objects.requireNonNull(comparison, "comparison");
      this.shadowMinComparisons = minComparisons;
      this.shadowMinAgreement = minAgreement;
      return this;
    }

    /**
     * The candidate's share at each step, in percent: ascending, each in 1..100, the last 100.
     *
     * @param percents the candidate's share at each step
     * @return this builder
     * @throws IllegalArgumentException otherwise
     */
    public Builder steps(int... percents) {
      Objects.requireNonNull(percents, "percents");
      if (percents.length == 0 || percents[percents.length - 1] != 100) {
        throw new IllegalArgumentException(
            "rollout steps must end at 100%, were " + Arrays.toString(percents));
      }
      for (int i = 0; i < percents.length; i++) {
        if (percents[i] < 1 || percents[i] > 100 || (i > 0 && percents[i] <= percents[i - 1])) {
          throw new IllegalArgumentException(
              "rollout steps must ascend within 1..100%, were " + Arrays.toString(percents));
        }
      }
      this.steps = percents.clone();
      return this;
    }

    /**
     * Calls the candidate must answer in a step before it can be promoted; default 100.
     *
     * @param calls the least number of calls per step
     * @return this builder
     */
    public Builder minCallsPerStep(long calls) {
      if (calls < 0) {
        throw new IllegalArgumentException("minCallsPerStep must be >= 0, was " + calls);
      }
      this.minCallsPerStep = calls;
      return this;
    }

    /**
     * Time each step is held at least; default none.
     *
     * @param time the shortest hold of each step
     * @return this builder
     */
    public Builder minTimePerStep(Duration time) {
      Objects.requireNonNull(time, "time");
      if (time.isNegative()) {
        throw new IllegalArgumentException("minTimePerStep must not be negative, was " + time);
      }
      this.minTimePerStep = time;
      return this;
    }

    /**
     * The largest error rate that passes, in [0, 1]; 1 disables the gate. Default 0.01.
     *
     * @param rate the largest share of failed calls that passes
     * @return this builder
     */
    public Builder maxErrorRate(double rate) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException("maxErrorRate must be in [0, 1], was " + rate);
      }
      this.maxErrorRate = rate;
      return this;
    }

    /**
     * The candidate's p99 may be at most {@code ratio} times the current version's plus {@code
     * slack}; ratio 0 disables the gate. Default 1.5 and 5 ms.
     *
     * @param ratio the largest ratio of p99s, or 0 to disable the gate
     * @param slack what the candidate's p99 may exceed the ratio by
     * @return this builder
     */
    public Builder maxP99Ratio(double ratio, Duration slack) {
      if (!(ratio >= 0) || Double.isInfinite(ratio)) {
        throw new IllegalArgumentException("maxP99Ratio must be >= 0, was " + ratio);
      }
      Objects.requireNonNull(slack, "slack");
      if (slack.isNegative()) {
        throw new IllegalArgumentException("p99 slack must not be negative, was " + slack);
      }
      this.maxP99Ratio = ratio;
      this.p99Slack = slack;
      return this;
    }

    /**
     * An evaluation gate, by a name under which a restarted application registers it again ({@link
     * ModelOps.Builder#evaluationGate}) so a rollout restored from the state store can go on.
     *
     * @param name the name the gate is registered under
     * @param gate the gate, run before the alias moves to 100%
     * @return this builder
     */
    public Builder evaluationGate(String name, EvaluationGate gate) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException(
            "gate name '" + name + "': use letters, digits," + " '.', '_' or '-' (at most 64)");
      }
      this.gateName = name;
      this.gate = Objects.requireNonNull(gate, "gate");
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     */
    public RolloutPolicy build() {
      return new RolloutPolicy(this);
    }
  }
}
