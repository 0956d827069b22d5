package io.maasdk.spi;

import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelSpec;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a deployed version turns a batch of inputs into a batch of outputs: DJL in this JVM (the
 * default, used when {@link ModelSpec#backend()} is {@code null}) or a model served elsewhere
 * (maasdk-remote). Everything before and after that step (interceptors, version resolution, aliases
 * and their fallback, the response cache, admission, the circuit breaker, batching, completion and
 * listeners) is the runtime's and the same for every backend.
 *
 * <p>A backend is a factory set on {@link ModelSpec.Builder#backend}: at deploy the runtime asks it
 * where the replicas run ({@link #place}), {@link #load}s the version once per distinct device, and
 * makes one {@link Session} per replica. A session is used by one thread at a time (a replica's
 * lock) and is replaced by a fresh one ({@link Loaded#newSession}) when a known-good input fails on
 * it too: for DJL a new {@code Predictor}, for a remote endpoint a new connection.
 *
 * <p>Implementations must be thread-safe: one backend instance may serve several deploys at once.
 */
public interface Backend {

  /** A short name for {@link io.maasdk.DeploymentInfo#engine()}, e.g. {@code "oip-rest"}. */
  String engine();

  /**
   * Where the spec's replicas run. {@code null} (the default) lets the runtime place them on
   * devices with the spec's {@link io.maasdk.DevicePolicy}; a remote backend returns one placement
   * per replica whose device names the endpoint, e.g. {@code remote:host:port}, which calls then
   * report as {@link io.maasdk.Prediction#device()} and {@link InferenceEvent#device()}.
   */
  default @Nullable List<Placement> place(ModelSpec<?, ?> spec) {
    return null;
  }

  /**
   * Makes {@code spec} ready on {@code placement}'s device: called once per distinct device, on the
   * deploying thread, with no lock held.
   *
   * @throws io.maasdk.MaasdkException (typically {@link io.maasdk.ModelLoadException}) naming the
   *     model, the version and what failed; the deploy fails and nothing is published
   */
  <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement);

  /** One version ready on one device; shared by that device's replicas. Thread-safe. */
  interface Loaded<I, O> extends AutoCloseable {
    /**
     * A new session (a DJL Predictor, a connection). Called once per replica at deploy, and again
     * to replace a session that failed a known-good input.
     *
     * @throws RuntimeException if none can be made now; the replica is down and retried with
     *     backoff
     */
    Session<I, O> newSession();

    /**
     * Proves the device computes when the spec has no warm-up inputs (DJL allocates a tensor on a
     * GPU); the default does nothing. Failing it fails the replica's verification.
     */
    default void verify(Placement placement) {}

    /** Frees what {@link #load} took, after every session is closed. Must not throw. */
    @Override
    void close();
  }

  /**
   * Computes batches for one replica; used by one thread at a time, never concurrently.
   *
   * <p>Failures are attributed by what is thrown: {@link InvalidInputException} says the input is
   * at fault (the caller gets it; no restart, no breaker count); {@link DeadlineExceededException},
   * {@link OverloadedException} and {@link io.maasdk.AccessDeniedException} are the call's answer
   * as they are (nothing is judged, the breaker does not count them); {@link
   * io.maasdk.ModelUnavailableException} says the backend cannot be reached (the session is
   * replaced and the breaker counts it, so an alias's fallback takes over); anything else is judged
   * by the runtime with a known-good input, then a fresh session, and counts for the circuit
   * breaker only when the fresh session fails the known-good input too.
   */
  interface Session<I, O> extends AutoCloseable {
    /**
     * Computes {@code calls} (one or more, in order) and returns one output per call, in the same
     * order.
     */
    List<O> predict(List<Call<I>> calls) throws Exception;

    /**
     * The input tokens the backend's server counted for each call of the last {@link #predict} that
     * returned normally, in the calls' order (e.g. from an OpenAI-compatible server's {@code
     * usage}), or {@code null} (the default) when the backend does not count tokens. The runtime
     * reads it right after {@code predict} returns, on the same thread, and puts each call's count
     * on its {@link InferenceEvent#promptTokens()}, where metering reads it.
     */
    default long @Nullable [] promptTokens() {
      return null;
    }

    /** Releases the session; must not throw. */
    @Override
    void close();
  }

  /**
   * One call handed to a backend.
   *
   * @param input the caller's input, already validated
   * @param options the caller's options (tenant, credentials, routing key)
   * @param timeLeft how long until the call's deadline when the batch was handed over, {@code null}
   *     without a deadline; a backend must not start work for a call whose time is zero or less
   */
  record Call<I>(I input, CallOptions options, @Nullable Duration timeLeft) {
    /** A call with default options and no deadline (warm-up, known-good probes). */
    public static <I> Call<I> of(I input) {
      return new Call<>(input, CallOptions.ofDefaults(), null);
    }
  }
}
