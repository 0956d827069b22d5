package io.maasdk.remote;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.maasdk.AccessDeniedException;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.remote.grpc.InferenceService;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelReadyRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelReadyResponse;
import io.maasdk.spi.Backend;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Backend} that computes a deployed version on a server elsewhere over the Open Inference
 * Protocol's gRPC API ({@code inference.GRPCInferenceService/ModelInfer}) on grpc-java with the
 * shaded Netty transport: Triton, KServe, MLServer or another maasdk process ({@link GrpcServer}).
 * It is {@link RemoteBackend}'s twin over gRPC, and a version deployed with it is routed, aliased,
 * cached, metered, quota-checked, access-controlled and circuit-broken exactly like a local one;
 * its calls report the device {@code remote:host:port}.
 *
 * <pre>{@code
 * GrpcBackend remote = GrpcBackend.builder(URI.create("grpc://10.0.0.7:8001"))
 *     .model("digits-mlp")
 *     .input(TensorCodec.floats("input"))
 *     .output(TensorCodec.floats("output"))
 *     .build();
 * runtime.deploy(ModelSpec.builder("digits", float[].class, float[].class)
 *     .version("1.0.0").backend(remote).build());
 * }</pre>
 *
 * <p><b>Calls.</b> One batch of the version's batcher is one {@code ModelInfer} request. A call's
 * deadline becomes the gRPC deadline; a request whose calls' deadlines have all passed is never
 * sent. Credentials from {@link io.maasdk.CallOptions#credentials()} travel as metadata ({@code
 * authorization: Bearer <credentials>} by default; one request per distinct credential) and are
 * never logged nor put in a message.
 *
 * <p><b>Failures</b>: {@code INVALID_ARGUMENT} → {@link InvalidInputException}, {@code
 * UNAUTHENTICATED}/{@code PERMISSION_DENIED} → {@link AccessDeniedException}, {@code
 * RESOURCE_EXHAUSTED} → {@link OverloadedException}, {@code DEADLINE_EXCEEDED} → {@link
 * DeadlineExceededException}; {@code NOT_FOUND}, and {@code UNAVAILABLE} once no endpoint takes the
 * request → {@link io.maasdk.ModelUnavailableException}; others are judged like an engine failure.
 *
 * <p><b>Several endpoints</b> ({@link Builder#endpoint}) are balanced, ejected and re-admitted
 * (after a passing {@code ModelReady}) as {@link RemoteBackend} does, with the same bounded,
 * budgeted retries of requests an endpoint did not take ({@code UNAVAILABLE}: connection refused,
 * or a server's refusal before computing; with {@link Builder#retryUnanswered} also a connection
 * that broke before an answer).
 *
 * <p>Thread-safe. One channel per endpoint per deployed version, shut down when the version is
 * undeployed.
 */
public final class GrpcBackend implements Backend {
  private final List<URI> targets;
  private final int maxRetries;
  private final double retryRatio;
  private final long ejectNanos;
  private final long maxEjectNanos;
  private final boolean retryUnanswered;
  private final @Nullable String model;
  private final @Nullable String version;
  private final boolean unversioned;
  private final TensorCodec<?> input;
  private final TensorCodec<?> output;
  private final @Nullable ChannelCredentials tls;
  private final Metadata.Key<String> credentialsKey;
  private final String credentialsPrefix;
  private final Duration defaultTimeout;
  private final int maxResponseBytes;

  private GrpcBackend(Builder b) {
    this.targets = List.copyOf(b.targets);
    this.maxRetries = b.retries;
    this.retryRatio = b.retryRatio;
    this.ejectNanos = b.ejectFor.toNanos();
    this.maxEjectNanos = b.maxEjectFor.toNanos();
    this.retryUnanswered = b.retryUnanswered;
    this.model = b.model;
    this.version = b.version;
    this.unversioned = b.unversioned;
    this.input = Objects.requireNonNull(b.input, "input codec not set");
    this.output = Objects.requireNonNull(b.output, "output codec not set");
    this.tls = b.tls;
    this.credentialsKey = Metadata.Key.of(b.credentialsHeader, Metadata.ASCII_STRING_MARSHALLER);
    this.credentialsPrefix = b.credentialsPrefix;
    this.defaultTimeout = b.defaultTimeout;
    this.maxResponseBytes = b.maxResponseBytes;
  }

  /**
   * Starts a backend for the server at {@code endpoint}, {@code grpc://host:port} (TLS when {@link
   * Builder#tls} is set).
   *
   * @throws IllegalArgumentException if it is not {@code grpc://host:port}
   * @param endpoint the first server, {@code grpc://host:port}
   * @return a builder to configure the model, codecs and transport
   */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  @Override
  public String engine() {
    return "oip-grpc";
  }

  /**
   * {@code remote:host:port}; with several endpoints {@code remote:host1:port1,host2:port2}.
   *
   * @return the endpoints, as this backend reports its device
   */
  public String device() {
    StringBuilder b = new StringBuilder("remote:");
    for (URI u : targets) {
      b.append(b.length() > 7 ? "," : "").append(u.getHost()).append(':').append(u.getPort());
    }
    return b.toString();
  }

  /**
   * The endpoints' states of the most recently deployed version, in configured order.
   *
   * @return one status per endpoint; empty before the first deploy
   */
  public List<RemoteBackend.EndpointStatus> endpointStatus() {
    Target<?, ?> t = last;
    List<RemoteBackend.EndpointStatus> out = new ArrayList<>();
    if (t == null) {
      targets.forEach(u -> out.add(new RemoteBackend.EndpointStatus(u, true, 0)));
      return out;
    }
    for (Endpoints.Endpoint e : t.endpoints.all()) {
      out.add(
          new RemoteBackend.EndpointStatus(e.base, !t.endpoints.ejected(e), e.outstanding.get()));
    }
    return out;
  }

  private volatile @Nullable Target<?, ?> last;

  /** One placement per replica on {@link #device()}: the spec's device policy does not apply. */
  @Override
  public List<Placement> place(ModelSpec<?, ?> spec) {
    List<Placement> out = new ArrayList<>(spec.replicas());
    for (int r = 0; r < spec.replicas(); r++) {
      out.add(new Placement(r, device(), "remote gRPC endpoint " + targets.get(0)));
    }
    return out;
  }

  /**
   * Checks the codecs against the spec's types, opens one channel per endpoint and checks that the
   * remote model answers {@code ModelReady} on at least one of them.
   *
   * @throws ModelLoadException naming the model, the version and the endpoints' answers otherwise
   */
  @Override
  public <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement) {
    if (!spec.inputType().isAssignableFrom(input.type())
        || !spec.outputType().isAssignableFrom(output.type())) {
      throw new ModelLoadException(
          spec.name(),
          spec.version(),
          spec.name()
              + "@"
              + spec.version()
              + " takes "
              + spec.inputType().getSimpleName()
              + " -> "
              + spec.outputType().getSimpleName()
              + " but its remote codecs are "
              + input
              + " -> "
              + output);
    }
    @SuppressWarnings("unchecked")
    Target<I, O> t = new Target<>(spec, (TensorCodec<I>) input, (TensorCodec<O>) output);
    try {
      t.checkReady();
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
    last = t;
    return t;
  }

  @Override
  public String toString() {
    return "oip-grpc+"
        + targets.get(0)
        + (targets.size() > 1 ? " (+" + (targets.size() - 1) + " endpoints)" : "")
        + " model "
        + (model == null ? "<name>" : model)
        + (unversioned ? "" : " version " + (version == null ? "<version>" : version));
  }

  /** One version on the remote servers, with one channel per endpoint. */
  private final class Target<I, O> implements Loaded<I, O> {
    private final ModelSpec<I, O> spec;
    private final TensorCodec<I> in;
    private final TensorCodec<O> out;
    private final String remoteName;
    private final String remoteVersion;
    private final String subject;
    final Endpoints endpoints;
    private final Map<Endpoints.Endpoint, ManagedChannel> channels = new IdentityHashMap<>();

    Target(ModelSpec<I, O> spec, TensorCodec<I> in, TensorCodec<O> out) {
      this.spec = spec;
      this.in = in;
      this.out = out;
      this.remoteName = model != null ? model : spec.name();
      this.remoteVersion =
          unversioned ? "" : version != null ? version : OipVersions.toProtocol(spec.version());
      this.endpoints = new Endpoints(targets, ejectNanos, maxEjectNanos, retryRatio);
      for (Endpoints.Endpoint e : endpoints.all()) {
        channels.put(
            e,
            Grpc.newChannelBuilderForAddress(
                    e.base.getHost(),
                    e.base.getPort(),
                    tls != null ? tls : InsecureChannelCredentials.create())
                .maxInboundMessageSize(maxResponseBytes)
                .build());
      }
      this.subject =
          spec.name()
              + "@"
              + spec.version()
              + " (remote gRPC "
              + targets.get(0)
              + " model "
              + remoteName
              + (remoteVersion.isEmpty() ? "" : " version " + remoteVersion)
              + (targets.size() > 1 ? " and " + (targets.size() - 1) + " more endpoints" : "")
              + ")";
    }

    private ModelReadyRequest readyRequest() {
      return ModelReadyRequest.newBuilder().setName(remoteName).setVersion(remoteVersion).build();
    }

    void checkReady() {
      List<String> problems = new ArrayList<>();
      for (Endpoints.Endpoint e : endpoints.all()) {
        String problem;
        try {
          ModelReadyResponse r =
              ClientCalls.blockingUnaryCall(
                  channels.get(e),
                  InferenceService.MODEL_READY,
                  CallOptions.DEFAULT.withDeadlineAfter(
                      defaultTimeout.toMillis(), TimeUnit.MILLISECONDS),
                  readyRequest());
          problem = r.getReady() ? null : "its ModelReady answered not ready";
        } catch (StatusRuntimeException ex) {
          problem =
              "its ModelReady failed: "
                  + ex.getStatus().getCode()
                  + " "
                  + ex.getStatus().getDescription();
        }
        if (problem != null) {
          problems.add(e.base + ": " + problem);
          endpoints.failed(e, problem);
        }
      }
      if (problems.size() == endpoints.size()) {
        throw new ModelLoadException(
            spec.name(),
            spec.version(),
            "cannot deploy " + subject + ": " + String.join("; ", problems));
      }
    }

    @Override
    public Session<I, O> newSession() {
      // Channels are shared and multiplexed; a fresh session asks them to reconnect at once.
      channels.values().forEach(ManagedChannel::resetConnectBackoff);
      return new Session<>() {
        @Override
        public List<O> predict(List<Call<I>> calls) {
          return send(calls);
        }

        @Override
        public void close() {}
      };
    }

    private List<O> send(List<Call<I>> calls) {
      Map<String, List<Integer>> groups = new LinkedHashMap<>();
      for (int i = 0; i < calls.size(); i++) {
        String c = calls.get(i).options().credentials();
        groups.computeIfAbsent(c == null ? "" : c, k -> new ArrayList<>()).add(i);
      }
      if (groups.size() == 1) {
        return request(calls);
      }
      List<O> results = new ArrayList<>(calls.size());
      for (int i = 0; i < calls.size(); i++) {
        results.add(null);
      }
      for (List<Integer> idx : groups.values()) {
        List<Call<I>> part = new ArrayList<>(idx.size());
        idx.forEach(i -> part.add(calls.get(i)));
        List<O> got = request(part);
        for (int k = 0; k < idx.size(); k++) {
          results.set(idx.get(k), got.get(k));
        }
      }
      return results;
    }

    /** One request for calls sharing their credentials. */
    private List<O> request(List<Call<I>> calls) {
      Duration timeout = null;
      boolean unbounded = false;
      String routing = calls.get(0).options().routingKey();
      List<I> inputs = new ArrayList<>(calls.size());
      for (Call<I> c : calls) {
        inputs.add(c.input());
        if (c.timeLeft() == null) {
          unbounded = true;
        } else if (timeout == null || c.timeLeft().compareTo(timeout) > 0) {
          timeout = c.timeLeft();
        }
        if (!Objects.equals(routing, c.options().routingKey())) {
          routing = null;
        }
      }
      if (!unbounded && timeout != null && (timeout.isZero() || timeout.isNegative())) {
        throw new DeadlineExceededException(
            spec.name(),
            spec.version(),
            "call to " + subject + " passed its deadline before it was sent; it was not sent");
      }
      ModelInferRequest.Builder rb =
          ModelInferRequest.newBuilder().setModelName(remoteName).setModelVersion(remoteVersion);
      try {
        for (Tensor t : in.encode(inputs)) {
          rb.addInputs(GrpcTensors.input(t));
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(
            spec.name(),
            spec.version(),
            "cannot encode the input of " + subject + " with " + in + ": " + e.getMessage(),
            e);
      }
      for (String name : out.names()) {
        rb.addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(name));
      }
      ModelInferRequest request = rb.build();
      String credentials = calls.get(0).options().credentials();
      Metadata headers = new Metadata();
      if (credentials != null) {
        headers.put(credentialsKey, credentialsPrefix + credentials);
      }
      if (routing != null) {
        headers.put(GrpcServer.ROUTING, routing);
      }
      long deadline = unbounded || timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
      Set<Endpoints.Endpoint> tried = new HashSet<>();
      endpoints.requested();
      if (endpoints.size() > 1) {
        endpoints.probeDue(this::probe);
      }
      String failures = "";
      for (int attempt = 0; ; attempt++) {
        Endpoints.Endpoint ep = endpoints.pick(tried);
        if (ep == null) {
          throw new ModelUnavailableException(
              spec.name(),
              spec.version(),
              subject + " cannot be reached on any endpoint:" + failures);
        }
        long left = unbounded ? defaultTimeout.toNanos() : deadline - System.nanoTime();
        if (!unbounded && left <= 0) {
          throw new DeadlineExceededException(
              spec.name(),
              spec.version(),
              "call to "
                  + subject
                  + " passed its deadline before it could be sent"
                  + (attempt == 0 ? "" : " again after:" + failures)
                  + "; it was not sent");
        }
        io.grpc.Channel ch =
            io.grpc.ClientInterceptors.intercept(
                channels.get(ep), MetadataUtils.newAttachHeadersInterceptor(headers));
        String undelivered;
        StatusRuntimeException cause;
        ep.outstanding.incrementAndGet();
        try {
          ModelInferResponse r =
              ClientCalls.blockingUnaryCall(
                  ch,
                  InferenceService.MODEL_INFER,
                  CallOptions.DEFAULT.withDeadlineAfter(left, TimeUnit.NANOSECONDS),
                  request);
          endpoints.answered(ep);
          return answer(r, calls.size());
        } catch (StatusRuntimeException e) {
          Status s = e.getStatus();
          if (s.getCode() != Status.Code.UNAVAILABLE) {
            endpoints.answered(ep);
            throw failure(e, unbounded, left, ep, credentials != null);
          }
          boolean refused = isRefused(e);
          if (!refused && !retryUnanswered) {
            endpoints.failed(ep, "UNAVAILABLE " + s.getDescription());
            throw new ModelUnavailableException(
                spec.name(),
                spec.version(),
                subject
                    + " cannot be reached: the request to "
                    + ep.base
                    + " failed before an answer: "
                    + s.getDescription(),
                e);
          }
          undelivered =
              (refused ? "did not take the request: " : "broke before an answer: ")
                  + s.getDescription();
          cause = e;
        } finally {
          ep.outstanding.decrementAndGet();
        }
        endpoints.failed(ep, undelivered);
        tried.add(ep);
        failures += " " + ep.base + " " + undelivered + ";";
        if (attempt >= maxRetries || tried.size() >= endpoints.size() || !endpoints.tryRetry()) {
          throw new ModelUnavailableException(
              spec.name(),
              spec.version(),
              subject + " cannot be reached:" + failures + " (" + (attempt + 1) + " attempt(s))",
              cause);
        }
      }
    }

    /**
     * Whether an {@code UNAVAILABLE} certainly was not computed: the connection was refused, or a
     * maasdk endpoint said so in its trailers.
     */
    private boolean isRefused(StatusRuntimeException e) {
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof java.net.ConnectException) {
          return true;
        }
      }
      Metadata trailers = e.getTrailers();
      return trailers != null && "true".equals(trailers.get(GrpcServer.NOT_COMPUTED));
    }

    private RuntimeException failure(
        StatusRuntimeException e,
        boolean unbounded,
        long leftNanos,
        Endpoints.Endpoint ep,
        boolean sentCredentials) {
      Status s = e.getStatus();
      String error = s.getCode() + ": " + s.getDescription();
      String why = subject + " answered " + error;
      Version v = spec.version();
      return switch (s.getCode()) {
        case INVALID_ARGUMENT, OUT_OF_RANGE ->
            new InvalidInputException(
                spec.name(), v, subject + " refused the input: " + s.getDescription(), e);
        case UNAUTHENTICATED, PERMISSION_DENIED ->
            new AccessDeniedException(
                spec.name(),
                v,
                why + (sentCredentials ? "" : " (the call carried no credentials)"));
        case RESOURCE_EXHAUSTED -> new OverloadedException(spec.name(), v, why);
        case DEADLINE_EXCEEDED ->
            unbounded
                ? new ModelUnavailableException(
                    spec.name(),
                    v,
                    "no answer within " + defaultTimeout + " from " + ep.base + ": " + why,
                    e)
                : new DeadlineExceededException(
                    spec.name(),
                    v,
                    "call to "
                        + subject
                        + " did not finish within its timeout ("
                        + TimeUnit.NANOSECONDS.toMillis(leftNanos)
                        + " ms left when sent to "
                        + ep.base
                        + ")",
                    e);
        case NOT_FOUND -> new ModelUnavailableException(spec.name(), v, why, e);
        default -> new IllegalStateException(why, e);
      };
    }

    private List<O> answer(ModelInferResponse r, int n) {
      List<O> outputs;
      try {
        outputs = out.decode(OipJson.byName(GrpcTensors.outputs(r)));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            subject + " answered outputs that " + out + " cannot read: " + e.getMessage(), e);
      }
      if (outputs.size() != n) {
        throw new IllegalStateException(
            subject + " answered " + outputs.size() + " outputs for a batch of " + n);
      }
      return outputs;
    }

    /** An ejected endpoint's ModelReady, asynchronous; ready re-admits it. */
    private void probe(Endpoints.Endpoint e) {
      ManagedChannel ch = Objects.requireNonNull(channels.get(e), "every endpoint has a channel");
      if (ch.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        ch.resetConnectBackoff(); // it may be back: do not wait for the channel's own backoff
      }
      ClientCalls.asyncUnaryCall(
          ch.newCall(
              InferenceService.MODEL_READY,
              CallOptions.DEFAULT.withDeadlineAfter(
                  defaultTimeout.toMillis(), TimeUnit.MILLISECONDS)),
          readyRequest(),
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(ModelReadyResponse r) {
              if (r.getReady()) {
                endpoints.answered(e);
              } else {
                endpoints.failed(e, "ModelReady answered not ready");
              }
            }

            @Override
            public void onError(Throwable t) {
              endpoints.failed(e, "ModelReady: " + Status.fromThrowable(t).getCode());
              e.probing.set(false);
            }

            @Override
            public void onCompleted() {
              e.probing.set(false);
            }
          });
    }

    @Override
    public void close() {
      for (ManagedChannel ch : channels.values()) {
        ch.shutdown();
      }
      for (ManagedChannel ch : channels.values()) {
        try {
          if (!ch.awaitTermination(1, TimeUnit.SECONDS)) {
            ch.shutdownNow();
          }
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          ch.shutdownNow();
        }
      }
    }
  }

  /** Configures a {@link GrpcBackend}; not thread-safe. */
  public static final class Builder {
    private final List<URI> targets = new ArrayList<>();
    private int retries = 2;
    private double retryRatio = 0.2;
    private boolean retryUnanswered = true;
    private Duration ejectFor = Duration.ofSeconds(1);
    private Duration maxEjectFor = Duration.ofSeconds(30);
    private @Nullable String model;
    private @Nullable String version;
    private boolean unversioned;
    private @Nullable TensorCodec<?> input;
    private @Nullable TensorCodec<?> output;
    private @Nullable ChannelCredentials tls;
    private String credentialsHeader = "authorization";
    private String credentialsPrefix = "Bearer ";
    private Duration defaultTimeout = Duration.ofSeconds(60);
    private int maxResponseBytes = 64 << 20;

    private Builder(URI endpoint) {
      endpoint(endpoint);
    }

    /**
     * Another server of the same model ({@code grpc://host:port}), balanced, ejected and
     * re-admitted as {@link RemoteBackend.Builder#endpoint} describes.
     *
     * @param endpoint another server, {@code grpc://host:port}
     * @return this builder
     * @throws IllegalArgumentException if it is not {@code grpc://host:port}
     */
    public Builder endpoint(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (!"grpc".equals(endpoint.getScheme())
          || endpoint.getHost() == null
          || endpoint.getPort() < 0
          || endpoint.getUserInfo() != null
          || endpoint.getQuery() != null
          || !(endpoint.getRawPath() == null
              || endpoint.getRawPath().isEmpty()
              || endpoint.getRawPath().equals("/"))) {
        throw new IllegalArgumentException("endpoint must be grpc://host:port, was " + endpoint);
      }
      targets.add(endpoint);
      return this;
    }

    /**
     * See {@link RemoteBackend.Builder#retries}; default 2 and 0.2.
     *
     * @param retries attempts after the first, 0 to 10
     * @param retryRatio the share of calls that may be retried, 0 to 1
     * @return this builder
     */
    public Builder retries(int retries, double retryRatio) {
      if (retries < 0 || retries > 10 || retryRatio < 0 || retryRatio > 1) {
        throw new IllegalArgumentException(
            "need 0 <= retries <= 10 and 0 <= ratio <= 1, got " + retries + ", " + retryRatio);
      }
      this.retries = retries;
      this.retryRatio = retryRatio;
      return this;
    }

    /**
     * See {@link RemoteBackend.Builder#retryUnanswered}; default {@code true}.
     *
     * @param retry whether calls the server never answered may be retried on another endpoint
     * @return this builder
     */
    public Builder retryUnanswered(boolean retry) {
      this.retryUnanswered = retry;
      return this;
    }

    /**
     * How long a failing endpoint is ejected: {@code first}, doubling up to {@code max}.
     *
     * @param first how long an endpoint is ejected the first time
     * @param max the longest ejection
     * @return this builder
     */
    public Builder ejection(Duration first, Duration max) {
      if (first.isZero() || first.isNegative() || max.compareTo(first) < 0) {
        throw new IllegalArgumentException("need 0 < first <= max, got " + first + ", " + max);
      }
      this.ejectFor = first;
      this.maxEjectFor = max;
      return this;
    }

    /**
     * The model's name on the server; default: the spec's name.
     *
     * @param name the model's name on the server
     * @return this builder
     */
    public Builder model(String name) {
      this.model = Objects.requireNonNull(name, "model");
      return this;
    }

    /**
     * The version on the server ({@code "3"}, or for a maasdk endpoint any selector).
     *
     * @param version the version or selector sent with every call
     * @return this builder
     */
    public Builder version(String version) {
      this.version = Objects.requireNonNull(version, "version");
      this.unversioned = false;
      return this;
    }

    /**
     * Sends no version: the server picks.
     *
     * @return this builder
     */
    public Builder unversioned() {
      this.unversioned = true;
      this.version = null;
      return this;
    }

    /**
     * Encodes the inputs (a batch along the first dimension). Required.
     *
     * @param codec turns the inputs into request tensors
     * @return this builder
     */
    public Builder input(TensorCodec<?> codec) {
      this.input = Objects.requireNonNull(codec, "input");
      return this;
    }

    /**
     * Decodes the outputs. Required.
     *
     * @param codec turns response tensors into the outputs
     * @return this builder
     */
    public Builder output(TensorCodec<?> codec) {
      this.output = Objects.requireNonNull(codec, "output");
      return this;
    }

    /**
     * TLS with these credentials, e.g. {@code TlsChannelCredentials.newBuilder()
     * .trustManager(trustManagers).build()}.
     *
     * @param credentials the channel credentials for TLS
     * @return this builder
     */
    public Builder tls(ChannelCredentials credentials) {
      this.tls = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * The metadata key carrying credentials: {@code name: prefix + credentials}.
     *
     * @param name the metadata key, e.g. {@code authorization}
     * @param prefix put before the credentials, e.g. {@code "Bearer "}
     * @return this builder
     */
    public Builder credentialsHeader(String name, String prefix) {
      this.credentialsHeader = Objects.requireNonNull(name, "name");
      this.credentialsPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The deadline of calls without one, and of deploy's ready check; default 60 s.
     *
     * @param timeout a positive deadline
     * @return this builder
     */
    public Builder defaultTimeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive, was " + timeout);
      }
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * The largest answer accepted; default 64 MiB.
     *
     * @param bytes the largest response message, in bytes, at least 1
     * @return this builder
     */
    public Builder maxResponseBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxResponseBytes must be positive, was " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * @return the backend, ready to be given to a runtime
     * @throws NullPointerException if the input or output codec is not set
     */
    public GrpcBackend build() {
      return new GrpcBackend(this);
    }
  }
}
