package io.maasdk.internal;

import ai.djl.engine.EngineException;
import ai.djl.translate.TranslateException;
import io.maasdk.AccessDeniedException;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InferenceException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import io.maasdk.spi.Backend;
import io.maasdk.spi.Backend.Call;
import io.maasdk.spi.InferenceEvent.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 5b of the request path: one replica of a deployed version, that is one {@link
 * Backend.Session} (a DJL Predictor, which is not thread-safe, or a remote connection) bound to one
 * device. {@link #run} turns a batch of requests into one {@link Completion} each; the session is
 * used only under {@link #lock}, by its {@link Batcher}'s thread or by a caller running inline.
 *
 * <p><b>Whose fault is a failure.</b> One bad input must never cost other callers anything:
 *
 * <ul>
 *   <li>A failed batch is run again member by member, so only the members that fail alone fail,
 *       each with its own error (never a batch-mate's input or message). Errors ({@code
 *       AssertionError}, {@code StackOverflowError}) are handled like exceptions.
 *   <li>A member that fails alone is judged by a known-good input (the spec's first warm-up input,
 *       else the last input this replica computed): if the same predictor computes it, or a fresh
 *       predictor does and then reproduces the failure, the input is at fault: its caller gets
 *       {@link InvalidInputException}, the replica is not restarted and the circuit breaker does
 *       not count it. Only when a fresh predictor cannot compute the known-good input either is the
 *       engine at fault: the breaker counts it and the replica restarts with backoff.
 *   <li>Without any known-good input yet (no warm-up inputs, nothing computed), a failure is
 *       retried once on a fresh predictor; if that reproduces it, the input is at fault.
 * </ul>
 */
final class Replica<I, O> {
  private static final Logger LOG = LoggerFactory.getLogger(Replica.class);

  final Placement placement;
  final String name;
  final ReentrantLock lock = new ReentrantLock();
  private final Deployment<I, O> dv;
  private final ModelSpec<I, O> spec;
  private final Backend.Loaded<I, O> model;
  private Backend.Session<I, O> predictor; // guarded by lock

  /** The last input this replica computed, when the spec has no warm-up input to probe with. */
  private @Nullable I lastGood; // guarded by lock

  volatile boolean up = true;

  /** A failure could not recreate the predictor; the batcher retries with backoff. */
  volatile boolean restartPending;

  volatile boolean stopping;

  /** What this replica is computing now (its caller's futures are settled on close). */
  volatile List<Request<I, O>> running = List.of();

  private boolean closed; // guarded by lock

  Replica(Deployment<I, O> dv, Placement placement, Backend.Loaded<I, O> model) {
    this.dv = dv;
    this.spec = dv.spec;
    this.placement = placement;
    this.model = model;
    this.name = "maasdk-" + spec.name() + "@" + spec.version() + "-r" + placement.replica();
    this.predictor = model.newSession();
  }

  /** The session itself, for deploy-time checks (the caller holds no lock: not yet serving). */
  Backend.Session<I, O> predictor() {
    return predictor;
  }

  /** One input alone, with no options and no deadline: warm-up, batch check, known-good probe. */
  static <I, O> O predictOne(Backend.Session<I, O> session, I input) throws Exception {
    return session.predict(List.of(Call.of(input))).get(0);
  }

  /**
   * Computes {@code live} (none expired or cancelled) as one engine call and judges any failure.
   * The caller holds {@link #lock}.
   */
  List<Completion<I, O>> run(List<Request<I, O>> live) {
    running = live;
    try {
      return compute(live);
    } finally {
      running = List.of();
    }
  }

  private List<Completion<I, O>> compute(List<Request<I, O>> live) {
    long start = dv.ticker.read();
    List<Call<I>> calls = new ArrayList<>(live.size());
    for (Request<I, O> r : live) {
      calls.add(call(r, start));
    }
    List<O> outputs;
    try {
      outputs = predictor.predict(calls);
      if (outputs.size() != live.size()) {
        throw new IllegalStateException(
            "the backend returned " + outputs.size() + " outputs for " + live.size() + " inputs");
      }
    } catch (Throwable e) { // Errors too: one input's StackOverflowError must not fail the batch
      if (answered(e)) { // a deadline or an overload is the answer for the whole batch
        List<Completion<I, O>> out = new ArrayList<>(live.size());
        long took = dv.ticker.read() - start;
        for (Request<I, O> r : live) {
          out.add(passThrough(r, (MaasdkException) e, start, took, live.size()));
        }
        return out;
      }
      if (e instanceof ModelUnavailableException) { // the backend is unreachable: no input's fault
        List<Completion<I, O>> out = new ArrayList<>(live.size());
        long took = dv.ticker.read() - start;
        boolean replaced = recreate();
        for (Request<I, O> r : live) {
          out.add(engineFault(r, e, start, took));
        }
        LOG.debug("{}: backend unavailable; session replaced: {}", name, replaced);
        return out;
      }
      if (live.size() > 1) {
        return isolate(live);
      }
      Request<I, O> r = live.get(0);
      return List.of(judge(r, e, start, dv.ticker.read() - start));
    }
    long took = dv.ticker.read() - start;
    counted(live);
    succeeded(live, live.get(0).input);
    List<Completion<I, O>> out = new ArrayList<>(live.size());
    for (int i = 0; i < live.size(); i++) {
      Request<I, O> r = live.get(i);
      out.add(
          Completion.success(
              r, outputs.get(i), placement.device(), start - r.enqueuedNanos, took, live.size()));
    }
    return out;
  }

  /** Puts the tokens the session's server counted for its last predict on its requests. */
  private void counted(List<Request<I, O>> rs) {
    long[] tokens = predictor.promptTokens();
    if (tokens != null && tokens.length == rs.size()) {
      for (int i = 0; i < tokens.length; i++) {
        rs.get(i).promptTokens = tokens[i];
      }
    }
  }

  private void succeeded(List<Request<I, O>> rs, I input) {
    dv.admission.breaker.onSuccess();
    rs.forEach(Admission::judged);
    if (spec.warmup().isEmpty()) {
      lastGood = input;
    }
  }

  /**
   * Isolation: every member of a failed batch runs again alone. If some succeed on this predictor,
   * it is healthy and the others failed for their inputs; if none does, each is judged alone.
   */
  private List<Completion<I, O>> isolate(List<Request<I, O>> live) {
    List<Completion<I, O>> out = new ArrayList<>(live.size());
    List<Request<I, O>> failed = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    List<long[]> times = new ArrayList<>();
    boolean anyOk = false;
    for (Request<I, O> r : live) {
      long start = dv.ticker.read();
      try {
        O o = predictor.predict(List.of(call(r, start))).get(0);
        long took = dv.ticker.read() - start;
        counted(List.of(r));
        succeeded(List.of(r), r.input);
        anyOk = true;
        out.add(Completion.success(r, o, placement.device(), start - r.enqueuedNanos, took, 1));
      } catch (Throwable e) {
        if (answered(e)) {
          out.add(passThrough(r, (MaasdkException) e, start, dv.ticker.read() - start, 1));
          continue;
        }
        failed.add(r);
        errors.add(e);
        times.add(new long[] {start, dv.ticker.read() - start});
      }
    }
    if (failed.isEmpty()) {
      return out;
    }
    if (anyOk) { // this predictor computed batch-mates: each failure is its own input's
      for (int i = 0; i < failed.size(); i++) {
        out.add(
            inputFault(
                failed.get(i),
                errors.get(i),
                times.get(i)[0],
                times.get(i)[1],
                "its batch-mates were computed"));
      }
      return out;
    }
    // Every member failed alone: judge one; the verdict on the engine holds for the rest.
    Completion<I, O> first = judge(failed.get(0), errors.get(0), times.get(0)[0], times.get(0)[1]);
    out.add(first);
    boolean engineBroken = first.outcome() == Outcome.FAILED;
    for (int i = 1; i < failed.size(); i++) {
      Request<I, O> r = failed.get(i);
      long[] t = times.get(i);
      if (engineBroken) {
        out.add(engineFault(r, errors.get(i), t[0], t[1], false));
        continue;
      }
      long again = dv.ticker.read();
      try { // once more on the predictor the first member's judgement proved or replaced
        O o = predictor.predict(List.of(call(r, again))).get(0);
        counted(List.of(r));
        succeeded(List.of(r), r.input);
        out.add(
            Completion.success(
                r, o, placement.device(), again - r.enqueuedNanos, dv.ticker.read() - again, 1));
      } catch (Throwable e) {
        out.add(
            inputFault(
                r,
                e,
                t[0],
                t[1] + dv.ticker.read() - again,
                "a checked predictor reproduced the failure"));
      }
    }
    return out;
  }

  /**
   * Judges one input that failed alone: by a known-good probe on this predictor, then on a fresh
   * one; see the type's javadoc.
   */
  private Completion<I, O> judge(Request<I, O> r, Throwable e, long start, long took) {
    if (answered(e)) {
      return passThrough(r, (MaasdkException) e, start, took, 1);
    }
    if (e instanceof ModelUnavailableException) {
      recreate();
      return engineFault(r, e, start, took);
    }
    if (translationError(e)) {
      return inputFault(
          r,
          e,
          start,
          took,
          e instanceof InvalidInputException
              ? "its backend refused it"
              : "its translator refused it");
    }
    I probe = spec.warmup().isEmpty() ? lastGood : spec.warmup().get(0);
    if (probe != null && computes(probe)) {
      return inputFault(r, e, start, took, "this replica computed a known-good input right after");
    }
    // The predictor may be broken: replace it, then check again.
    if (!recreate()) {
      return engineFault(r, e, start, took);
    }
    if (probe != null && !computes(probe)) {
      return engineFault(r, e, start, took);
    }
    long again = dv.ticker.read();
    try {
      O o = predictor.predict(List.of(call(r, again))).get(0);
      long took2 = dv.ticker.read() - again;
      counted(List.of(r));
      succeeded(List.of(r), r.input);
      return Completion.success(r, o, placement.device(), again - r.enqueuedNanos, took2, 1);
    } catch (Throwable e2) {
      return inputFault(
          r,
          e2,
          start,
          took + dv.ticker.read() - again,
          "a fresh predictor reproduced the failure");
    }
  }

  private boolean computes(I probe) {
    try {
      predictOne(predictor, probe);
      return true;
    } catch (Throwable t) {
      LOG.debug("{}: the known-good probe failed", name, t);
      return false;
    }
  }

  private static boolean translationError(Throwable e) {
    return e instanceof InvalidInputException
        || e instanceof TranslateException && !(e.getCause() instanceof EngineException);
  }

  /**
   * A backend's answer that needs no judging: the call's deadline passed, the backend is
   * overloaded, or it refused the call's credentials.
   */
  private static boolean answered(Throwable e) {
    return e instanceof DeadlineExceededException
        || e instanceof OverloadedException
        || e instanceof AccessDeniedException;
  }

  /** The call as the backend sees it: its input, options and the time left to its deadline. */
  private static <I> Call<I> call(Request<I, ?> r, long now) {
    return new Call<>(
        r.input,
        r.options,
        r.deadlineNanos == Long.MAX_VALUE ? null : Duration.ofNanos(r.deadlineNanos - now));
  }

  private Completion<I, O> passThrough(
      Request<I, O> r, MaasdkException e, long start, long took, int batch) {
    return Completion.failure(
        r,
        e instanceof DeadlineExceededException
            ? Outcome.DEADLINE_EXCEEDED
            : e instanceof OverloadedException ? Outcome.OVERLOADED : Outcome.REFUSED,
        placement.device(),
        start - r.enqueuedNanos,
        took,
        batch,
        e);
  }

  private Completion<I, O> inputFault(
      Request<I, O> r, Throwable e, long start, long took, String evidence) {
    dv.failures.log(r, e);
    return Completion.failure(
        r,
        Outcome.INVALID_INPUT,
        placement.device(),
        start - r.enqueuedNanos,
        took,
        1,
        new InvalidInputException(
            spec.name(),
            spec.version(),
            spec.name()
                + "@"
                + spec.version()
                + " could not compute its input ("
                + Deployment.describe(r.input)
                + ", expected "
                + spec.inputType().getSimpleName()
                + " for "
                + translatorName()
                + "); the input is at fault, since "
                + evidence
                + ": "
                + message(e),
            e));
  }

  private Completion<I, O> engineFault(Request<I, O> r, Throwable e, long start, long took) {
    return engineFault(r, e, start, took, true);
  }

  /** The engine is at fault; {@code count} once per judgement, not per member of its batch. */
  private Completion<I, O> engineFault(
      Request<I, O> r, Throwable e, long start, long took, boolean count) {
    if (count) {
      dv.admission.breaker.onFailure();
      Admission.judged(r);
    }
    dv.failures.log(r, e);
    MaasdkException error =
        e instanceof MaasdkException me
            ? me
            : new InferenceException(
                spec.name(),
                spec.version(),
                "engine "
                    + dv.engine
                    + " failed computing "
                    + spec.name()
                    + "@"
                    + spec.version()
                    + " on "
                    + placement.device()
                    + " for input "
                    + Deployment.describe(r.input)
                    + " (expected "
                    + spec.inputType().getSimpleName()
                    + " for "
                    + translatorName()
                    + "), and failed a known-good input too: "
                    + message(e),
                e);
    return Completion.failure(
        r, Outcome.FAILED, placement.device(), start - r.enqueuedNanos, took, 1, error);
  }

  private String translatorName() {
    return spec.translator() == null
        ? "backend " + dv.engine
        : spec.translator().getClass().getSimpleName();
  }

  /** The gist of an engine or translator failure, on one line (no traceback). */
  static String message(Throwable e) {
    Throwable root = e;
    while ((root instanceof TranslateException || root instanceof EngineException)
        && root.getCause() != null
        && root.getMessage() != null
        && root.getMessage().equals(String.valueOf(root.getCause()))) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + firstLine(m));
  }

  /**
   * One line of an engine message: TorchScript puts a traceback first and the error itself ({@code
   * RuntimeError: poison input}) last.
   */
  private static String firstLine(String s) {
    String[] lines = s.strip().split("\\R");
    for (int i = lines.length - 1; i > 0; i--) {
      String l = lines[i].strip();
      if (l.matches("^[\\w.]*(Error|Exception): .*")) {
        return l;
      }
    }
    return lines.length == 1 ? lines[0] : lines[0] + " …";
  }

  /**
   * Recovery: closes the predictor and makes a new one from the loaded model, once. On failure the
   * replica is down and its batcher retries with backoff ({@link #restartWithBackoff}). The caller
   * holds {@link #lock}.
   */
  private boolean recreate() {
    try {
      predictor.close();
    } catch (RuntimeException e) {
      LOG.debug("{}: closing the failed predictor threw", name, e);
    }
    try {
      predictor = model.newSession();
      dv.restarts.incrementAndGet();
      LOG.warn("{}: predictor recreated after a failure", name);
      return true;
    } catch (RuntimeException e) {
      up = false;
      restartPending = true;
      LOG.error("{}: cannot recreate the predictor; its worker will retry", name, e);
      dv.wake(this);
      return false;
    }
  }

  /** The batcher's retry loop for a replica that is down; the caller holds {@link #lock}. */
  void restartWithBackoff() {
    long backoff = spec.failurePolicy().restartBackoff().toNanos();
    long max = spec.failurePolicy().maxRestartBackoff().toNanos();
    while (!stopping && restartPending) {
      try {
        predictor = model.newSession();
        dv.restarts.incrementAndGet();
        restartPending = false;
        up = true;
        LOG.warn("{}: predictor recreated", name);
        return;
      } catch (RuntimeException e) {
        LOG.error(
            "{}: cannot recreate the predictor; retrying in {} ms",
            name,
            TimeUnit.NANOSECONDS.toMillis(backoff),
            e);
        LockSupport.parkNanos(backoff);
        backoff = Math.min(max, Math.max(1, backoff * 2));
      }
    }
  }

  /**
   * Closes the predictor if nobody is using it; returns whether it is closed. A predictor in use by
   * a call that outlived the drain timeout is left to that call: {@link #closeIfStopping} closes it
   * when the call returns (and it leaks if it never does).
   */
  boolean tryClose() {
    if (!lock.tryLock()) {
      return false;
    }
    boolean now;
    try {
      now = closeLocked();
    } finally {
      lock.unlock();
    }
    if (now) {
      dv.replicaClosed();
    }
    return true;
  }

  /** After a run, by the thread that ran it: closes the predictor if the version is closing. */
  void closeIfStopping() {
    if (stopping) {
      tryClose();
    }
  }

  /** Closes the predictor once; {@code true} if this call closed it. */
  private boolean closeLocked() {
    if (closed) {
      return false;
    }
    closed = true;
    if (!restartPending) {
      try {
        predictor.close();
      } catch (RuntimeException e) {
        LOG.debug("{}: closing the predictor threw", name, e);
      }
    }
    return true;
  }
}
