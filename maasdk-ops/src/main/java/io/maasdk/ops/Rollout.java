package io.maasdk.ops;

import io.maasdk.AliasTarget;
import io.maasdk.Version;
import java.time.Instant;
import java.util.Objects;

/**
 * A snapshot of one rollout: which alias moves from what to which candidate, where it is, and why
 * it ended if it did. Immutable; get one from {@link Rollouts#get} or {@link Rollouts#list}.
 *
 * @param model the model
 * @param alias the alias being moved
 * @param from the alias's target before the rollout (what a rollback restores)
 * @param candidate the version rolled out
 * @param state where it is
 * @param step index into {@link #steps()} of the current (or last) step
 * @param steps the policy's steps, in percent
 * @param stepCalls calls the candidate answered in this step so far (not kept across restarts)
 * @param stepErrors of those, failures
 * @param shadowCompared in a shadow step, the candidate's answers compared so far
 * @param shadowAgreed of those, the ones that agreed with the current version's
 * @param shadowDropped in a shadow step, copies dropped under load (never computed)
 * @param evaluation the evaluation gate's verdict once it ran, else empty
 * @param startedAt when it started
 * @param updatedAt when its state last changed
 * @param reason why it is paused or ended (the gate that failed), else empty
 */
public record Rollout(
    String model,
    String alias,
    AliasTarget from,
    Version candidate,
    State state,
    int step,
    int[] steps,
    long stepCalls,
    long stepErrors,
    long shadowCompared,
    long shadowAgreed,
    long shadowDropped,
    String evaluation,
    Instant startedAt,
    Instant updatedAt,
    String reason) {

  /** Where a rollout is. */
  public enum State {
    /** Moving through its steps. */
    RUNNING,
    /** Holding its current split; {@link Rollouts#resume} goes on. */
    PAUSED,
    /** Ended: the alias points at the candidate. */
    PROMOTED,
    /** Ended: a gate failed and the alias was restored. */
    ROLLED_BACK,
    /** Ended: aborted by an operator and the alias restored. */
    ABORTED;

    /**
     * Whether the rollout is over.
     *
     * @return {@code true} once promoted, rolled back or aborted
     */
    public boolean ended() {
      return this == PROMOTED || this == ROLLED_BACK || this == ABORTED;
    }
  }

  /**
   * Checks that no component is null and copies {@code steps}.
   *
   * @param model the model
   * @param alias the alias being moved
   * @param from the alias's target before the rollout (what a rollback restores)
   * @param candidate the version rolled out
   * @param state where it is
   * @param step index into {@link #steps()} of the current (or last) step
   * @param steps the policy's steps, in percent
   * @param stepCalls calls the candidate answered in this step so far (not kept across restarts)
   * @param stepErrors of those, failures
   * @param shadowCompared in a shadow step, the candidate's answers compared so far
   * @param shadowAgreed of those, the ones that agreed with the current version's
   * @param shadowDropped in a shadow step, copies dropped under load (never computed)
   * @param evaluation the evaluation gate's verdict once it ran, else empty
   * @param startedAt when it started
   * @param updatedAt when its state last changed
   * @param reason why it is paused or ended (the gate that failed), else empty
   */
  public Rollout {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(alias, "alias");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(state, "state");
    steps = steps.clone();
    Objects.requireNonNull(evaluation, "evaluation");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * The policy's steps, in percent.
   *
   * @return a copy of the steps
   */
  @Override
  public int[] steps() {
    return steps.clone();
  }

  /**
   * Whether it is in its shadow step (the candidate computes copies; callers never see them).
   *
   * @return whether the current step is the shadow step
   */
  public boolean shadowing() {
    return !state.ended() && steps[step] == 0;
  }

  /**
   * The candidate's share now, in percent (0 in a shadow step, once rolled back or aborted).
   *
   * @return the percentage of calls the candidate answers now
   */
  public int percent() {
    return state == State.ROLLED_BACK || state == State.ABORTED ? 0 : steps[step];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rollout r
        && model.equals(r.model)
        && alias.equals(r.alias)
        && from.equals(r.from)
        && candidate.equals(r.candidate)
        && state == r.state
        && step == r.step
        && java.util.Arrays.equals(steps, r.steps)
        && stepCalls == r.stepCalls
        && stepErrors == r.stepErrors
        && shadowCompared == r.shadowCompared
        && shadowAgreed == r.shadowAgreed
        && shadowDropped == r.shadowDropped
        && evaluation.equals(r.evaluation)
        && startedAt.equals(r.startedAt)
        && updatedAt.equals(r.updatedAt)
        && reason.equals(r.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, alias, candidate, state, step, startedAt);
  }

  @Override
  public String toString() {
    return "Rollout["
        + model
        + ":"
        + alias
        + " "
        + from
        + " -> "
        + candidate
        + " "
        + state
        + " step "
        + (step + 1)
        + "/"
        + steps.length
        + " ("
        + (shadowing() ? "shadow" : percent() + "%")
        + ")"
        + (reason.isEmpty() ? "" : ": " + reason)
        + "]";
  }
}
