package io.maasdk.ops;

import io.maasdk.AliasTarget;
import io.maasdk.DeploymentConflictException;
import io.maasdk.ModelNotFoundException;
import io.maasdk.Version;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.StateStore;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progressive delivery of a new version behind an alias: {@link #start} moves the alias from its
 * current version to a candidate in the {@link RolloutPolicy}'s steps, promotes while the gates
 * hold and rolls back by itself when one fails. Get it from {@link ModelOps#rollouts()}.
 *
 * <pre>{@code
 * Rollout r = ops.rollouts().start("digits", "stable", Version.parse("2.0.0"),
 *     RolloutPolicy.builder().steps(1, 10, 50, 100).minCallsPerStep(500)
 *         .evaluationGate("digits-test", EvaluationGate.macroF1(testSet, 0.01)).build());
 * ops.rollouts().get("digits", "stable");   // state, step, verdicts, why it ended
 * }</pre>
 *
 * <p><b>What callers see.</b> Every move is an ordinary atomic alias move, so no call fails because
 * of a rollout: calls already queued on a version finish there. A rollback is made with {@link
 * io.maasdk.ModelRuntime#rollbackTo}: interceptors (the audit log) see a {@code ROLLBACK} carrying
 * the failed gate as its reason, the alias's history records a {@code ROLLBACK}, and the {@code
 * maasdk.rollout.rollbacks} counter counts it. Moves are made with {@link
 * ModelOps.Builder#credentials} when given.
 *
 * <p><b>State.</b> One rollout per alias at a time. Each transition is written to the runtime's
 * {@link StateStore} (key {@code rollouts/<model>/<alias>}) before it is visible, and restored when
 * a runtime with this {@link ModelOps} is built: a rollout that was running goes on from the start
 * of the step it was in once its alias is restored (calls counted in that step before the restart
 * are not kept).
 *
 * <p><b>Threads.</b> Steps advance on the {@code maasdk-rollouts} thread, every {@link
 * ModelOps.Builder#checkInterval}, or on the caller's thread in {@link #advance()}. Evaluation
 * gates run on that thread without holding the lock, so {@link #pause}, {@link #abort} and {@link
 * #get} never wait for an evaluation. Thread-safe.
 */
public final class Rollouts {
  private static final Logger LOG = LoggerFactory.getLogger(Rollouts.class);
  private static final String KEY_PREFIX = "rollouts/";
  private static final String HEADER = "maasdk-rollout 1";

  /** Below this many calls in a step, the latency gate has too little to judge. */
  private static final long MIN_LATENCY_SAMPLES = 20;

  private static final long NOT_APPLIED = Long.MIN_VALUE;

  private final ModelOps ops;

  /** model → alias → run; guarded by this. */
  private final Map<String, Map<String, Run>> runs = new TreeMap<>();

  /** model → version → stats of the step in progress; read lock-free by the listener. */
  private final Map<String, Map<Version, VersionStats>> stats = new ConcurrentHashMap<>();

  /** model → the shadow steps in progress; read lock-free by the listener. */
  private final Map<String, List<ShadowTap>> taps = new ConcurrentHashMap<>();

  /** One rollout's mutable state; guarded by the Rollouts monitor. */
  private static final class Run {
    final String model;
    final String alias;
    final AliasTarget from;
    final Version current;
    final Version candidate;
    final RolloutPolicy policy;
    final int[] steps;
    final Instant startedAt;
    Rollout.State state;
    int step;
    String evaluation = "";
    Instant updatedAt;
    String reason = "";
    long stepStart = NOT_APPLIED;
    boolean evaluating;
    @Nullable ShadowTap tap;

    /** Restored without a gate or comparison it names: it may not resume in this process. */
    @Nullable String incomplete;

    Run(
        String model,
        String alias,
        AliasTarget from,
        Version candidate,
        RolloutPolicy policy,
        Instant startedAt) {
      this.model = model;
      this.alias = alias;
      this.from = from;
      this.current = from.weights().keySet().iterator().next();
      this.candidate = candidate;
      this.policy = policy;
      int[] s = policy.steps();
      if (policy.shadow() != null) { // a shadow step first: 0% of calls, copies to the candidate
        int[] withShadow = new int[s.length + 1];
        System.arraycopy(s, 0, withShadow, 1, s.length);
        s = withShadow;
      }
      this.steps = s;
      this.startedAt = startedAt;
      this.updatedAt = startedAt;
      this.state = Rollout.State.RUNNING;
    }

    String key() {
      return KEY_PREFIX + model + "/" + alias;
    }
  }

  Rollouts(ModelOps ops) {
    this.ops = ops;
  }

  // ------------------------------------------------------------------ operator API

  /**
   * Starts rolling {@code candidate} out to {@code alias}: the alias moves to the policy's first
   * step before this returns.
   *
   * @param model the model's name
   * @param alias the alias being rolled out
   * @param candidate the deployed version to roll out
   * @param policy the steps, holds and gates
   * @return the rollout, at its first step
   * @throws ModelNotFoundException if the alias does not exist
   * @throws DeploymentConflictException if the candidate is not deployed, is what the alias serves,
   *     the alias is split already, or a rollout of the alias is in progress
   */
  public synchronized Rollout start(
      String model, String alias, Version candidate, RolloutPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(candidate, "candidate");
    AliasTarget from = ops.runtime().aliases(model).get(alias);
    if (from == null) {
      throw new ModelNotFoundException(
          model,
          null,
          "model "
              + model
              + " has no alias '"
              + alias
              + "' to roll "
              + candidate
              + " out to; setAlias it to the current version first");
    }
    Run existing = run(model, alias);
    if (existing != null && !existing.state.ended()) {
      throw new DeploymentConflictException(
          model,
          candidate,
          "a rollout of "
              + model
              + ":"
              + alias
              + " is in progress ("
              + view(existing)
              + "); abort it first");
    }
    if (!from.isSingle()) {
      throw new DeploymentConflictException(
          model,
          candidate,
          "alias '"
              + alias
              + "' of "
              + model
              + " is split already ("
              + from
              + "); a rollout starts from one version");
    }
    if (from.includes(candidate) || candidate.equals(from.fallback())) {
      throw new DeploymentConflictException(
          model,
          candidate,
          "alias '" + alias + "' of " + model + " already names " + candidate + " (" + from + ")");
    }
    if (ops.runtime().describe(model, candidate).isEmpty()) {
      throw new DeploymentConflictException(
          model,
          candidate,
          model + "@" + candidate + " is not deployed; deploy it before rolling it out");
    }
    Run r = new Run(model, alias, from, candidate, policy, ops.clock().instant());
    track(r);
    persist(r);
    runs.computeIfAbsent(model, m -> new TreeMap<>()).put(alias, r);
    ops.meters().rolloutPercent(model, alias, this, x -> x.percentNow(model, alias));
    LOG.info("rollout {}:{} {} -> {} started: {}", model, alias, from, candidate, policy);
    applyStep(r);
    return view(r);
  }

  /**
   * The rollout of {@code alias} (running or the last one that ended), if any.
   *
   * @param model the model's name
   * @param alias the alias being rolled out
   * @return the rollout, or empty if the alias never had one
   */
  public synchronized Optional<Rollout> get(String model, String alias) {
    Run r = run(model, alias);
    return r == null ? Optional.empty() : Optional.of(view(r));
  }

  /**
   * Every rollout known (running or ended), by model and alias.
   *
   * @return a snapshot of every rollout
   */
  public synchronized List<Rollout> list() {
    List<Rollout> out = new ArrayList<>();
    runs.values().forEach(m -> m.values().forEach(r -> out.add(view(r))));
    return out;
  }

  /**
   * Holds the rollout at its current split until {@link #resume}.
   *
   * @param model the model's name
   * @param alias the alias being rolled out
   * @return the paused rollout
   * @throws IllegalStateException if it is not running
   */
  public synchronized Rollout pause(String model, String alias) {
    Run r = need(model, alias);
    if (r.state != Rollout.State.RUNNING) {
      throw new IllegalStateException("rollout " + view(r) + " is not running");
    }
    transition(r, Rollout.State.PAUSED, "paused by an operator");
    return view(r);
  }

  /**
   * Goes on with a paused rollout; its step's hold starts again.
   *
   * @param model the model's name
   * @param alias the alias being rolled out
   * @return the running rollout
   * @throws IllegalStateException if it is not paused
   */
  public synchronized Rollout resume(String model, String alias) {
    Run r = need(model, alias);
    if (r.state != Rollout.State.PAUSED) {
      throw new IllegalStateException("rollout " + view(r) + " is not paused");
    }
    if (r.incomplete != null) {
      throw new IllegalStateException(
          "rollout "
              + view(r)
              + " cannot resume: it was "
              + r.incomplete
              + ". Register it (ModelOps.Builder) and restart, or abort the rollout.");
    }
    transition(r, Rollout.State.RUNNING, "");
    r.stepStart = NOT_APPLIED;
    applyStep(r);
    return view(r);
  }

  /**
   * Ends the rollout and restores the alias to its target before the rollout.
   *
   * @param model the model's name
   * @param alias the alias being rolled out
   * @return the aborted rollout
   * @throws IllegalStateException if it has ended
   */
  public synchronized Rollout abort(String model, String alias) {
    Run r = need(model, alias);
    if (r.state.ended()) {
      throw new IllegalStateException("rollout " + view(r) + " has ended");
    }
    restore(r, Rollout.State.ABORTED, "aborted by an operator", null);
    return view(r);
  }

  /**
   * Checks every running rollout once and promotes or rolls back those whose step is over; what the
   * {@code maasdk-rollouts} thread does every check interval. Tests call it to move on without
   * waiting.
   */
  public void advance() {
    List<Run> due = new ArrayList<>();
    synchronized (this) {
      for (Map<String, Run> m : runs.values()) {
        for (Run r : m.values()) {
          if (r.state == Rollout.State.RUNNING && !r.evaluating) {
            due.add(r);
          }
        }
      }
    }
    for (Run r : due) {
      try {
        advance(r);
      } catch (RuntimeException e) {
        LOG.error("rollout {}:{} could not advance", r.model, r.alias, e);
      }
    }
  }

  // ------------------------------------------------------------------ the state machine

  private void advance(Run r) {
    EvaluationGate gate;
    synchronized (this) {
      if (r.state != Rollout.State.RUNNING || r.evaluating) {
        return;
      }
      if (r.stepStart == NOT_APPLIED) {
        applyStep(r);
        return;
      }
      VersionStats cand = stats(r.model, r.candidate);
      long calls = cand.calls.sum();
      long errors = cand.errors.sum();
      double budget = r.policy.maxErrorRate() * Math.max(calls, r.policy.minCallsPerStep());
      if (r.policy.maxErrorRate() < 1 && errors > 0 && errors > budget) {
        rollback(
            r,
            "error-rate",
            String.format(
                java.util.Locale.ROOT,
                "error rate of %s: %d of %d calls failed at %d%%, more than %s allows",
                r.candidate,
                errors,
                calls,
                r.steps[r.step],
                r.policy.maxErrorRate()));
        return;
      }
      boolean timeHeld = ops.ticker().read() - r.stepStart >= r.policy.minTimePerStep().toNanos();
      ShadowTap tap = r.tap;
      if (tap != null) { // the shadow step: held for comparisons, judged by agreement
        long compared = tap.compared.sum();
        if (compared < r.policy.shadowMinComparisons() || !timeHeld) {
          return;
        }
        double agreement = compared == 0 ? 1 : tap.agreed.sum() / (double) compared;
        if (agreement < r.policy.shadowMinAgreement()) {
          rollback(
              r,
              "shadow-agreement",
              String.format(
                  java.util.Locale.ROOT,
                  "shadow step: %s agreed with %s on %.4f of %d shadowed calls (%s), below %s",
                  r.candidate,
                  r.current,
                  agreement,
                  compared,
                  r.policy.shadow().name(),
                  r.policy.shadowMinAgreement()));
          return;
        }
        promote(r);
        return;
      }
      boolean held = calls >= r.policy.minCallsPerStep() && timeHeld;
      if (!held) {
        return;
      }
      String latency = latencyFailure(r);
      if (latency != null) {
        rollback(r, "p99-latency", latency);
        return;
      }
      gate = r.policy.evaluationGate();
      if (gate == null || !r.evaluation.isEmpty()) {
        promote(r);
        return;
      }
      r.evaluating = true;
    }
    // Outside the lock: evaluations take a while and must not block pause/abort/get.
    EvaluationGate.Verdict verdict;
    try {
      verdict = gate.check(ops, r.model, r.current, r.candidate);
    } catch (RuntimeException e) {
      verdict = new EvaluationGate.Verdict(false, "evaluation failed: " + e.getMessage());
    }
    synchronized (this) {
      r.evaluating = false;
      if (r.state != Rollout.State.RUNNING) {
        return; // paused or aborted meanwhile: the verdict is not kept
      }
      r.evaluation = (verdict.passed() ? "passed: " : "failed: ") + verdict.detail();
      if (!verdict.passed()) {
        rollback(
            r,
            "evaluation",
            "evaluation gate " + r.policy.evaluationGateName() + ": " + verdict.detail());
      } else {
        promote(r);
      }
    }
  }

  /** Under the lock: why the candidate's p99 fails, or null. */
  private @Nullable String latencyFailure(Run r) {
    if (r.policy.maxP99Ratio() <= 0) {
      return null;
    }
    VersionStats cand = stats(r.model, r.candidate);
    VersionStats cur = stats(r.model, r.current);
    if (cand.latencySamples() < MIN_LATENCY_SAMPLES || cur.latencySamples() < MIN_LATENCY_SAMPLES) {
      return null;
    }
    long c = cand.quantileNanos(0.99);
    long base = cur.quantileNanos(0.99);
    double limit = r.policy.maxP99Ratio() * base + r.policy.p99Slack().toNanos();
    if (c > limit) {
      return String.format(
          java.util.Locale.ROOT,
          "p99 latency of %s %.3f ms > %s x %s's %.3f ms + %d ms at %d%%",
          r.candidate,
          c / 1e6,
          r.policy.maxP99Ratio(),
          r.current,
          base / 1e6,
          r.policy.p99Slack().toMillis(),
          r.steps[r.step]);
    }
    return null;
  }

  /** Under the lock: the step's hold passed its gates: next step, or done. */
  private void promote(Run r) {
    removeTap(r);
    if (r.step == r.steps.length - 1) {
      transition(r, Rollout.State.PROMOTED, "");
      untrack(r);
      LOG.info("rollout {}:{} promoted {} ", r.model, r.alias, r.candidate);
      return;
    }
    r.step++;
    r.updatedAt = ops.clock().instant();
    persist(r);
    r.stepStart = NOT_APPLIED;
    applyStep(r);
  }

  /** Under the lock: moves the alias to the step's split (unless it is there) and starts it. */
  private void applyStep(Run r) {
    AliasTarget now = ops.runtime().aliases(r.model).get(r.alias);
    if (now == null) {
      return; // not restored yet: its versions are still being deployed
    }
    int p = r.steps[r.step];
    if (p == 0) { // the shadow step: the alias stays; the candidate computes copies
      try {
        ShadowComparison<?, ?> cmp = r.policy.shadow();
        ShadowTap tap =
            new ShadowTap(
                r.current,
                ops.runtime()
                    .handle(r.model, r.candidate.toString(), cmp.inputType(), cmp.outputType()),
                cmp,
                ops.shadowOptions(),
                ops.maxShadowInFlight());
        resetStats(r);
        removeTap(r);
        r.tap = tap;
        taps.computeIfAbsent(r.model, m -> new java.util.concurrent.CopyOnWriteArrayList<>())
            .add(tap);
      } catch (RuntimeException e) {
        transition(r, Rollout.State.PAUSED, "cannot shadow " + r.candidate + ": " + e.getMessage());
        LOG.error("rollout {}:{} paused: {}", r.model, r.alias, r.reason);
        return;
      }
      r.stepStart = ops.ticker().read();
      LOG.info("rollout {}:{} shadowing {} with {}", r.model, r.alias, r.candidate, r.current);
      return;
    }
    AliasTarget target =
        p >= 100
            ? AliasTarget.of(r.candidate)
            : AliasTarget.split(Map.of(r.current, 100 - p, r.candidate, p));
    Version fb = r.from.fallback();
    if (fb != null && !target.includes(fb)) {
      target = target.withFallback(fb);
    }
    if (!target.equals(now)) {
      try {
        ops.setAlias(r.model, r.alias, target);
      } catch (RuntimeException e) {
        transition(
            r, Rollout.State.PAUSED, "cannot move alias to " + target + ": " + e.getMessage());
        LOG.error("rollout {}:{} paused: {}", r.model, r.alias, r.reason);
        return;
      }
    }
    resetStats(r);
    r.stepStart = ops.ticker().read();
    LOG.info("rollout {}:{} at {}% ({})", r.model, r.alias, p, target);
  }

  private void rollback(Run r, String gate, String why) {
    restore(r, Rollout.State.ROLLED_BACK, why, gate);
  }

  /** Under the lock: puts the alias back to {@code from} and ends the rollout. */
  private void restore(Run r, Rollout.State end, String why, @Nullable String gate) {
    String reason = (gate == null ? "" : "rollout of " + r.candidate + " rolled back: ") + why;
    try {
      ops.rollbackTo(r.model, r.alias, r.from, reason);
    } catch (RuntimeException e) {
      transition(
          r,
          Rollout.State.PAUSED,
          "wanted to restore " + r.from + " (" + why + ") but could not: " + e.getMessage());
      LOG.error("rollout {}:{} paused: {}", r.model, r.alias, r.reason);
      return;
    }
    transition(r, end, reason);
    untrack(r);
    if (gate != null) {
      ops.meters().rollback(r.model, r.alias, gate);
      LOG.warn("rollout {}:{}: {}", r.model, r.alias, reason);
    }
  }

  private void transition(Run r, Rollout.State state, String reason) {
    Rollout.State before = r.state;
    String reasonBefore = r.reason;
    Instant updatedBefore = r.updatedAt;
    r.state = state;
    r.reason = reason;
    r.updatedAt = ops.clock().instant();
    try {
      persist(r);
    } catch (RuntimeException e) {
      r.state = before;
      r.reason = reasonBefore;
      r.updatedAt = updatedBefore;
      throw e;
    }
  }

  // ------------------------------------------------------------------ statistics

  /** What the runtime tells every listener; counts only versions under rollout. */
  void onEvent(InferenceEvent e) {
    Map<Version, VersionStats> m = stats.get(e.modelName());
    if (m == null || Evaluator.OPTIONS.tenant().equals(e.tenant())) {
      return;
    }
    if (ops.shadowOptions().tenant().equals(e.tenant())) { // a shadow copy's own outcome
      VersionStats s = e.version() == null ? null : m.get(e.version());
      if (s != null && e.outcome() == InferenceEvent.Outcome.FAILED) {
        s.error();
      } else if (s != null && e.outcome().isSuccess()) {
        s.calls.increment(); // queued behind live calls as BULK: its latency is not judged
      }
      return;
    }
    List<ShadowTap> shadowing = taps.get(e.modelName());
    if (shadowing != null && e.outcome().isSuccess() && e.output() != null) {
      for (ShadowTap tap : shadowing) {
        if (tap.current.equals(e.version())) {
          tap.mirror(e.input(), e.output());
        }
      }
    }
    if (e.failoverFrom() != null) {
      VersionStats primary = m.get(e.failoverFrom());
      if (primary != null) {
        primary.error(); // its fallback hid the failure from the caller, not from the rollout
      }
    }
    Version v = e.version();
    VersionStats s = v == null ? null : m.get(v);
    if (s == null) {
      return;
    }
    switch (e.outcome()) {
      case SUCCESS -> s.success(e.totalNanos());
      case FAILED, UNAVAILABLE -> s.error();
      default -> {} // the caller's doing (bad input, deadline, cancel) or before the model
    }
  }

  private void track(Run r) {
    Map<Version, VersionStats> m = stats.computeIfAbsent(r.model, k -> new ConcurrentHashMap<>());
    m.putIfAbsent(r.current, new VersionStats());
    m.putIfAbsent(r.candidate, new VersionStats());
  }

  private void resetStats(Run r) {
    Map<Version, VersionStats> m = stats.computeIfAbsent(r.model, k -> new ConcurrentHashMap<>());
    m.put(r.current, new VersionStats());
    m.put(r.candidate, new VersionStats());
  }

  private void removeTap(Run r) {
    ShadowTap tap = r.tap;
    if (tap != null) {
      r.tap = null;
      List<ShadowTap> l = taps.get(r.model);
      if (l != null) {
        l.remove(tap);
        if (l.isEmpty()) {
          taps.remove(r.model, l);
        }
      }
    }
  }

  private void untrack(Run r) {
    removeTap(r);
    Map<Version, VersionStats> m = stats.get(r.model);
    if (m == null) {
      return;
    }
    boolean other =
        runs.getOrDefault(r.model, Map.of()).values().stream()
            .anyMatch(x -> x != r && !x.state.ended());
    if (!other) {
      stats.remove(r.model);
    }
  }

  private VersionStats stats(String model, Version v) {
    Map<Version, VersionStats> m = stats.get(model);
    VersionStats s = m == null ? null : m.get(v);
    return s == null ? new VersionStats() : s;
  }

  synchronized double percentNow(String model, String alias) {
    Run r = run(model, alias);
    return r == null ? 0 : view(r).percent();
  }

  // ------------------------------------------------------------------ views and state

  private @Nullable Run run(String model, String alias) {
    Map<String, Run> m = runs.get(model);
    return m == null ? null : m.get(alias);
  }

  private Run need(String model, String alias) {
    Run r = run(model, alias);
    if (r == null) {
      throw new ModelNotFoundException(model, null, "no rollout of " + model + ":" + alias);
    }
    return r;
  }

  private Rollout view(Run r) {
    VersionStats s =
        r.state.ended() || r.stepStart == NOT_APPLIED
            ? new VersionStats()
            : stats(r.model, r.candidate);
    ShadowTap tap = r.tap;
    return new Rollout(
        r.model,
        r.alias,
        r.from,
        r.candidate,
        r.state,
        r.step,
        r.steps,
        s.calls.sum(),
        s.errors.sum(),
        tap == null ? 0 : tap.compared.sum(),
        tap == null ? 0 : tap.agreed.sum(),
        tap == null ? 0 : tap.dropped.sum(),
        r.evaluation,
        r.startedAt,
        r.updatedAt,
        r.reason);
  }

  private void persist(Run r) {
    Optional<StateStore> store = ops.runtime().stateStore();
    if (store.isEmpty()) {
      return;
    }
    Map<String, String> f = new LinkedHashMap<>();
    f.put("model", r.model);
    f.put("alias", r.alias);
    f.put("from", target(r.from));
    f.put("candidate", r.candidate.toString());
    f.put("state", r.state.name());
    f.put("step", Integer.toString(r.step));
    f.put("evaluation", r.evaluation);
    f.put("startedAt", r.startedAt.toString());
    f.put("updatedAt", r.updatedAt.toString());
    f.put("reason", r.reason);
    f.put("policy", r.policy.encode());
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    f.forEach((k, v) -> sb.append(k).append('=').append(enc(v)).append('\n'));
    store.get().write(r.key(), sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads every rollout from the store (when the runtime is built). A rollout whose state cannot be
   * read fails the build, naming the key; one whose evaluation gate is not registered comes back
   * paused, saying so.
   */
  synchronized void restore(
      StateStore store,
      Map<String, EvaluationGate> gates,
      Map<String, ShadowComparison<?, ?>> comparisons) {
    for (String key : store.keys(KEY_PREFIX)) {
      byte[] bytes = store.read(key).orElse(null);
      if (bytes == null) {
        continue;
      }
      Map<String, String> f = new LinkedHashMap<>();
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
      if (lines.length == 0 || !lines[0].equals(HEADER)) {
        throw new IllegalStateException(
            "state store key '" + key + "' is not a rollout; fix" + " or delete it");
      }
      for (int i = 1; i < lines.length; i++) {
        int eq = lines[i].indexOf('=');
        if (eq > 0) {
          f.put(lines[i].substring(0, eq), dec(lines[i].substring(eq + 1)));
        }
      }
      Run r;
      String pausedFor = null;
      try {
        RolloutPolicy policy;
        try {
          policy = RolloutPolicy.decode(f.get("policy"), gates, comparisons);
        } catch (IllegalArgumentException e) {
          policy =
              RolloutPolicy.decode(
                  f.get("policy")
                      .replaceAll(";gate=[^;]*", "")
                      .replaceAll(";shadow=[^;]*", ";shadow=top1"),
                  Map.of(),
                  Map.of());
          pausedFor = "restored without its evaluation gate: " + e.getMessage();
        }
        r =
            new Run(
                f.get("model"),
                f.get("alias"),
                parseTarget(f.get("from")),
                Version.parse(f.get("candidate")),
                policy,
                Instant.parse(f.get("startedAt")));
        r.state = Rollout.State.valueOf(f.get("state"));
        r.step = Integer.parseInt(f.get("step"));
        r.evaluation = f.get("evaluation");
        r.updatedAt = Instant.parse(f.get("updatedAt"));
        r.reason = f.get("reason");
      } catch (RuntimeException e) {
        throw new IllegalStateException(
            "state store key '"
                + key
                + "' holds a rollout that"
                + " cannot be read ("
                + e
                + "); fix or delete it",
            e);
      }
      if (pausedFor != null) {
        r.incomplete = pausedFor;
      }
      if (pausedFor != null && r.state == Rollout.State.RUNNING) {
        r.state = Rollout.State.PAUSED;
        r.reason = pausedFor;
        LOG.warn("rollout {}:{} {}", r.model, r.alias, pausedFor);
      }
      runs.computeIfAbsent(r.model, m -> new TreeMap<>()).put(r.alias, r);
      if (!r.state.ended()) {
        track(r);
        String model = r.model;
        String alias = r.alias;
        ops.meters().rolloutPercent(model, alias, this, x -> x.percentNow(model, alias));
        LOG.info("rollout restored: {}", view(r));
      }
    }
  }

  private static String target(AliasTarget t) {
    StringBuilder sb = new StringBuilder();
    t.weights()
        .forEach((v, w) -> sb.append(sb.length() == 0 ? "" : ",").append(v).append(':').append(w));
    if (t.fallback() != null) {
      sb.append(";fallback=").append(t.fallback());
    }
    return sb.toString();
  }

  private static AliasTarget parseTarget(String s) {
    String[] parts = s.split(";");
    Map<Version, Integer> w = new LinkedHashMap<>();
    for (String vw : parts[0].split(",")) {
      int c = vw.lastIndexOf(':');
      w.put(Version.parse(vw.substring(0, c)), Integer.parseInt(vw.substring(c + 1)));
    }
    Version fb = parts.length > 1 ? Version.parse(parts[1].substring("fallback=".length())) : null;
    return new AliasTarget(w, fb);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String dec(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
