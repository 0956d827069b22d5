package io.maasdk.remote;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.maasdk.CallOptions;
import io.maasdk.DeploymentInfo;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.Prediction;
import io.maasdk.VersionSelector;
import io.maasdk.remote.grpc.InferenceService;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelMetadataRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelMetadataResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelReadyRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelReadyResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ServerLiveResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ServerMetadataResponse;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ServerReadyResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ModelRuntime}'s models over the Open Inference Protocol's gRPC API ({@code
 * inference.GRPCInferenceService}: ModelInfer, ModelMetadata, ModelReady, ServerLive, ServerReady,
 * ServerMetadata) on grpc-java with the shaded Netty transport, so that another maasdk process
 * ({@link GrpcBackend}), a KServe or Triton gRPC client (Apache Camel's {@code camel-kserve},
 * Triton's clients) or KServe itself (as a custom predictor) can call them.
 *
 * <pre>{@code
 * GrpcServer server = GrpcServer.builder(runtime)
 *     .serve("digits", TensorCodec.floats("input"), TensorCodec.floats("output"))
 *     .bind(new InetSocketAddress("127.0.0.1", 8001))
 *     .start();
 * }</pre>
 *
 * <p>It behaves as {@link OipServer} does over REST: the version field takes an integer ({@code 1}
 * is {@code 1.0.0}) or any maasdk selector ({@code stable}, {@code ^1}); empty means the latest.
 * Calls go through the runtime's handles (interceptors, access control with the credentials of the
 * {@code authorization: Bearer} metadata, quotas, aliases, cache, batching, metering) with the
 * tenant that {@link Builder#tenant} derives from the credentials; the call's gRPC deadline becomes
 * its timeout (a call whose deadline passes while queued is never computed); {@code
 * maasdk-routing-key} metadata its routing key. Each value of a request's batch is one call, so the
 * runtime's batcher batches across requests.
 *
 * <p><b>Errors</b> map from maasdk's exceptions as {@link ProtocolErrors} says (the same mapping as
 * the REST endpoint): bad input {@code INVALID_ARGUMENT}, unknown model or version {@code
 * NOT_FOUND}, access denied {@code UNAUTHENTICATED}/{@code PERMISSION_DENIED}, overload or quota
 * {@code RESOURCE_EXHAUSTED}, unavailable {@code UNAVAILABLE}, deadline {@code DEADLINE_EXCEEDED};
 * messages over {@link Builder#maxRequestBytes} are refused by gRPC with {@code
 * RESOURCE_EXHAUSTED}. A bad request never affects the next.
 *
 * <p><b>Transport</b>: plaintext is refused on a non-loopback address unless {@link
 * Builder#allowPlaintext()}; use {@link Builder#tls}. Requests run on a bounded pool of {@code
 * maasdk-grpc-<port>-N} threads. Thread-safe; {@link #close()} stops accepting, gives requests in
 * progress up to one second, and does not close the runtime.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcServer.class);
  private static final Context.Key<Metadata> HEADERS = Context.key("maasdk-grpc-headers");
  static final Metadata.Key<String> ROUTING =
      Metadata.Key.of(RemoteBackend.ROUTING_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  /** Trailer of a refusal made before any computing ({@code UNAVAILABLE}): safe to retry. */
  static final Metadata.Key<String> NOT_COMPUTED =
      Metadata.Key.of("maasdk-not-computed", Metadata.ASCII_STRING_MARSHALLER);

  private final ModelRuntime runtime;
  private final Map<String, Served<?, ?>> models;
  private final Server server;
  private final ExecutorService pool;
  private final Metadata.Key<String> credentialsKey;
  private final String credentialsPrefix;
  private final Function<String, String> tenantOf;
  private volatile int boundPort;

  private record Served<I, O>(String name, TensorCodec<I> in, TensorCodec<O> out) {}

  private GrpcServer(Builder b) throws IOException {
    this.runtime = b.runtime;
    this.models = Map.copyOf(b.models);
    this.credentialsKey = Metadata.Key.of(b.credentialsHeader, Metadata.ASCII_STRING_MARSHALLER);
    this.credentialsPrefix = b.credentialsPrefix;
    this.tenantOf = b.tenantOf;
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor tp =
        new ThreadPoolExecutor(
            b.threads,
            b.threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "maasdk-grpc-" + boundPort + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    tp.allowCoreThreadTimeOut(true);
    this.pool = tp;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(InferenceService.SERVICE)
            .addMethod(
                InferenceService.SERVER_LIVE,
                ServerCalls.asyncUnaryCall(
                    (q, o) -> reply(o, ServerLiveResponse.newBuilder().setLive(true).build())))
            .addMethod(
                InferenceService.SERVER_READY,
                ServerCalls.asyncUnaryCall(
                    (q, o) ->
                        reply(o, ServerReadyResponse.newBuilder().setReady(serverReady()).build())))
            .addMethod(
                InferenceService.SERVER_METADATA,
                ServerCalls.asyncUnaryCall(
                    (q, o) ->
                        reply(
                            o,
                            ServerMetadataResponse.newBuilder()
                                .setName("maasdk")
                                .setVersion("0.1.0")
                                .build())))
            .addMethod(InferenceService.MODEL_READY, ServerCalls.asyncUnaryCall(this::modelReady))
            .addMethod(
                InferenceService.MODEL_METADATA, ServerCalls.asyncUnaryCall(this::modelMetadata))
            .addMethod(InferenceService.MODEL_INFER, ServerCalls.asyncUnaryCall(this::infer))
            .build();
    ServerInterceptor headers =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
            return Contexts.interceptCall(Context.current().withValue(HEADERS, h), call, h, next);
          }
        };
    ServerCredentials creds = b.tls != null ? b.tls : InsecureServerCredentials.create();
    this.server =
        NettyServerBuilder.forAddress(b.address, creds)
            .executor(pool)
            .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, b.maxRequestBytes))
            .maxInboundMetadataSize(b.maxHeaderBytes)
            .addService(ServerInterceptors.intercept(service, headers))
            .build()
            .start();
    this.boundPort = server.getPort();
    LOG.info(
        "serving {} over the Open Inference Protocol (gRPC{}) on {}",
        models.keySet(),
        b.tls != null ? ", TLS" : "",
        address());
  }

  /**
   * Starts a server for {@code runtime}'s models.
   *
   * @param runtime the runtime whose deployed models are served; it stays owned by the caller
   * @return a builder to choose the models, address and security
   */
  public static Builder builder(ModelRuntime runtime) {
    return new Builder(runtime);
  }

  /**
   * The bound address (with the actual port when port 0 was asked).
   *
   * @return the address the server listens on
   */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  /**
   * The bound port.
   *
   * @return the port the server listens on
   */
  public int port() {
    return server.getPort();
  }

  /** Stops serving (requests in progress get up to one second); the runtime stays open. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    pool.shutdownNow();
  }

  private static <R> void reply(StreamObserver<R> o, R r) {
    o.onNext(r);
    o.onCompleted();
  }

  private boolean serverReady() {
    for (String m : models.keySet()) {
      if (runtime.deployments().stream()
          .noneMatch(d -> d.modelName().equals(m) && d.accepting() && d.replicasUp() > 0)) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- methods

  private void modelReady(ModelReadyRequest q, StreamObserver<ModelReadyResponse> o) {
    try {
      Served<?, ?> s = served(q.getName());
      handle(s, selector(s, q.getVersion())).resolve(CallOptions.ofDefaults());
      reply(o, ModelReadyResponse.newBuilder().setReady(true).build());
    } catch (StatusRuntimeException e) {
      o.onError(e);
    }
  }

  private void modelMetadata(ModelMetadataRequest q, StreamObserver<ModelMetadataResponse> o) {
    try {
      Served<?, ?> s = served(q.getName());
      VersionSelector selector = selector(s, q.getVersion());
      ModelMetadataResponse.Builder b =
          ModelMetadataResponse.newBuilder().setName(s.name()).setPlatform("maasdk");
      if (selector instanceof VersionSelector.Latest) {
        for (DeploymentInfo d : runtime.deployments()) {
          if (d.modelName().equals(s.name())) {
            b.addVersions(OipVersions.toProtocol(d.version()));
          }
        }
        if (b.getVersionsCount() == 0) {
          throw status(Status.NOT_FOUND, "model '" + s.name() + "' has no deployed version");
        }
      } else {
        b.addVersions(
            OipVersions.toProtocol(handle(s, selector).resolve(CallOptions.ofDefaults())));
      }
      for (String name : s.in().names()) {
        b.addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(name));
      }
      for (String name : s.out().names()) {
        b.addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(name));
      }
      reply(o, b.build());
    } catch (StatusRuntimeException e) {
      o.onError(e);
    }
  }

  private void infer(ModelInferRequest q, StreamObserver<ModelInferResponse> o) {
    try {
      infer(served(q.getModelName()), q, o);
    } catch (StatusRuntimeException e) {
      o.onError(e);
    } catch (RuntimeException e) {
      LOG.warn("unexpected failure serving ModelInfer for {}", q.getModelName(), e);
      o.onError(status(Status.INTERNAL, "internal error: " + e.getClass().getSimpleName()));
    }
  }

  private <I, O> void infer(
      Served<I, O> s, ModelInferRequest q, StreamObserver<ModelInferResponse> o) {
    VersionSelector selector = selector(s, q.getModelVersion());
    List<I> inputs;
    try {
      inputs = s.in().decode(OipJson.byName(GrpcTensors.inputs(q)));
    } catch (IllegalArgumentException e) {
      throw status(
          Status.INVALID_ARGUMENT, "bad request for model '" + s.name() + "': " + e.getMessage());
    }
    if (inputs.isEmpty()) {
      throw status(
          Status.INVALID_ARGUMENT, "bad request for model '" + s.name() + "': the batch is empty");
    }
    ModelHandle<I, O> handle = handle(s, selector);
    CallOptions opts = options();
    if (inputs.size() == 1) {
      // A lone call runs on this thread: when its version is idle the runtime computes it here
      // (see CONCURRENCY.md, "Caller runs").
      Prediction<O> p;
      try {
        p = handle.predictDetailed(inputs.get(0), opts);
      } catch (MaasdkException e) {
        throw failure(e, opts.credentials() != null);
      }
      answer(s, q, List.of(p.output()), p, o);
      return;
    }
    List<CompletableFuture<Prediction<O>>> calls = new ArrayList<>(inputs.size());
    for (I input : inputs) {
      calls.add(handle.predictDetailedAsync(input, opts));
    }
    CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
        .whenComplete(
            (v, ex) -> {
              try {
                List<O> outputs = new ArrayList<>(calls.size());
                Prediction<O> first = null;
                for (CompletableFuture<Prediction<O>> f : calls) {
                  if (f.isCompletedExceptionally()) {
                    Throwable cause = f.handle((r, t) -> t).join();
                    while (cause instanceof java.util.concurrent.CompletionException
                        && cause.getCause() != null) {
                      cause = cause.getCause();
                    }
                    MaasdkException me =
                        cause instanceof MaasdkException m
                            ? m
                            : new MaasdkException(s.name(), null, String.valueOf(cause), cause);
                    o.onError(failure(me, opts.credentials() != null));
                    return;
                  }
                  Prediction<O> p = f.join();
                  outputs.add(p.output());
                  if (first == null) {
                    first = p;
                  }
                }
                // inputs is not empty (checked above), so every call succeeded and first is set
                answer(s, q, outputs, Objects.requireNonNull(first, "first"), o);
              } catch (StatusRuntimeException e) {
                o.onError(e);
              } catch (RuntimeException e) {
                LOG.warn("unexpected failure answering ModelInfer for {}", s.name(), e);
                o.onError(
                    status(Status.INTERNAL, "internal error: " + e.getClass().getSimpleName()));
              }
            });
  }

  private <I, O> void answer(
      Served<I, O> s,
      ModelInferRequest q,
      List<O> outputs,
      Prediction<O> first,
      StreamObserver<ModelInferResponse> o) {
    List<Tensor> tensors;
    try {
      tensors = s.out().encode(outputs);
    } catch (IllegalArgumentException e) {
      throw status(
          Status.INTERNAL,
          "model '"
              + s.name()
              + "' answered outputs that "
              + s.out()
              + " cannot encode: "
              + e.getMessage());
    }
    ModelInferResponse.Builder r =
        ModelInferResponse.newBuilder()
            .setModelName(s.name())
            .setModelVersion(OipVersions.toProtocol(first.version()))
            .setId(q.getId());
    for (Tensor t : tensors) {
      r.addOutputs(GrpcTensors.output(t));
    }
    reply(o, r.build());
  }

  // ---------------------------------------------------------------- helpers

  private Served<?, ?> served(String name) {
    Served<?, ?> s = models.get(name);
    if (s == null) {
      throw status(
          Status.NOT_FOUND,
          "unknown model '" + name + "'; this server serves " + new TreeSet<>(models.keySet()));
    }
    return s;
  }

  private static VersionSelector selector(Served<?, ?> s, String slot) {
    if (slot.isEmpty()) {
      return VersionSelector.latest();
    }
    try {
      return OipVersions.selector(slot);
    } catch (IllegalArgumentException e) {
      throw status(
          Status.INVALID_ARGUMENT,
          "version '"
              + slot
              + "' of "
              + s.name()
              + " is not a version, range or alias: "
              + e.getMessage());
    }
  }

  private <I, O> ModelHandle<I, O> handle(Served<I, O> s, VersionSelector selector) {
    try {
      return runtime.handle(s.name(), selector, s.in().type(), s.out().type());
    } catch (MaasdkException e) {
      throw failure(e, false);
    } catch (IllegalArgumentException e) {
      throw status(
          Status.INTERNAL,
          "model "
              + s.name()
              + " is deployed with other types than"
              + " its codecs "
              + s.in()
              + " -> "
              + s.out()
              + ": "
              + e.getMessage());
    }
  }

  /** The call's options from its metadata and deadline. */
  private CallOptions options() {
    Metadata h = HEADERS.get();
    CallOptions.Builder b = CallOptions.builder();
    String auth = h == null ? null : h.get(credentialsKey);
    if (auth != null) {
      String credentials =
          auth.startsWith(credentialsPrefix) ? auth.substring(credentialsPrefix.length()) : auth;
      b.credentials(credentials);
      String tenant;
      try {
        tenant = tenantOf.apply(credentials);
      } catch (RuntimeException e) {
        LOG.debug("the tenant function refused a request's credentials", e);
        tenant = null;
      }
      if (tenant == null) {
        throw status(Status.UNAUTHENTICATED, "the request's credentials are not recognised");
      }
      b.tenant(tenant);
    }
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      long ms = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      if (ms <= 0) {
        throw status(
            Status.DEADLINE_EXCEEDED,
            "the call's deadline passed before it was computed; not computed");
      }
      b.timeout(Duration.ofMillis(ms));
    }
    String routing = h == null ? null : h.get(ROUTING);
    if (routing != null) {
      b.routingKey(routing);
    }
    return b.build();
  }

  private static StatusRuntimeException failure(MaasdkException e, boolean hadCredentials) {
    ProtocolErrors.Kind k = ProtocolErrors.of(e, hadCredentials);
    Metadata trailers = new Metadata();
    if (k == ProtocolErrors.Kind.UNAVAILABLE) {
      trailers.put(NOT_COMPUTED, "true");
    }
    return Status.fromCode(k.grpc).withDescription(e.getMessage()).asRuntimeException(trailers);
  }

  private static StatusRuntimeException status(Status s, String message) {
    return s.withDescription(message).asRuntimeException();
  }

  /** Configures a {@link GrpcServer}; not thread-safe. */
  public static final class Builder {
    private final ModelRuntime runtime;
    private final Map<String, Served<?, ?>> models = new LinkedHashMap<>();
    private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
    private @Nullable ServerCredentials tls;
    private boolean allowPlaintext;
    private long maxRequestBytes = 16L << 20;
    private int maxHeaderBytes = 16 << 10;
    private int threads = Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
    private String credentialsHeader = "authorization";
    private String credentialsPrefix = "Bearer ";
    private Function<String, String> tenantOf = credentials -> CallOptions.DEFAULT_TENANT;

    private Builder(ModelRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Serves model {@code name} (every deployed version of it), decoding requests with {@code in}
     * and encoding answers with {@code out}; see {@link OipServer.Builder#serve}.
     *
     * @param <I> the model's input type
     * @param <O> the model's output type
     * @param name the model name, as deployed in the runtime
     * @param in decodes request tensors into the model's input
     * @param out encodes the model's output as response tensors
     * @return this builder
     */
    public <I, O> Builder serve(String name, TensorCodec<I> in, TensorCodec<O> out) {
      models.put(
          Objects.requireNonNull(name, "name"),
          new Served<>(name, Objects.requireNonNull(in, "in"), Objects.requireNonNull(out, "out")));
      return this;
    }

    /**
     * Where to listen; default {@code 127.0.0.1:0} (loopback, a free port).
     *
     * @param address the address and port to listen on
     * @return this builder
     */
    public Builder bind(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * TLS with these credentials, e.g. {@code TlsServerCredentials.create(certChain, key)} or
     * {@code TlsServerCredentials.newBuilder().keyManager(keyManagers).build()}.
     *
     * @param credentials the server's certificate chain and key
     * @return this builder
     */
    public Builder tls(ServerCredentials credentials) {
      this.tls = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /**
     * Allows plaintext on a non-loopback address (e.g. behind a TLS-terminating mesh).
     *
     * @return this builder
     */
    public Builder allowPlaintext() {
      this.allowPlaintext = true;
      return this;
    }

    /**
     * The largest request message accepted ({@code RESOURCE_EXHAUSTED} beyond); 16 MiB.
     *
     * @param bytes the largest request message, at least 1
     * @return this builder
     */
    public Builder maxRequestBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxRequestBytes must be positive, was " + bytes);
      }
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * The largest total of request metadata accepted; default 16 KiB.
     *
     * @param bytes the largest metadata total, at least 256
     * @return this builder
     */
    public Builder maxHeaderBytes(int bytes) {
      if (bytes < 256) {
        throw new IllegalArgumentException("maxHeaderBytes must be at least 256, was " + bytes);
      }
      this.maxHeaderBytes = bytes;
      return this;
    }

    /**
     * Request threads (a lone call waits on its thread); default 4 per core, at least 8.
     *
     * @param threads the number of request threads, 1 to 4096
     * @return this builder
     */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 4096) {
        throw new IllegalArgumentException("threads must be 1..4096, was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * The metadata key carrying credentials; default {@code authorization: Bearer ...}.
     *
     * @param name the metadata key, e.g. {@code authorization}
     * @param prefix expected before the credentials, e.g. {@code "Bearer "}
     * @return this builder
     */
    public Builder credentialsHeader(String name, String prefix) {
      this.credentialsHeader = Objects.requireNonNull(name, "name");
      this.credentialsPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The tenant of a request that carries credentials, from those credentials (the principal they
     * authenticate); {@code null} or an exception refuses it with {@code UNAUTHENTICATED}. See
     * {@link OipServer.Builder#tenant}.
     *
     * @param tenantOfCredentials maps the credentials to the tenant the call is metered and limited
     *     as
     * @return this builder
     */
    public Builder tenant(Function<String, String> tenantOfCredentials) {
      this.tenantOf = Objects.requireNonNull(tenantOfCredentials, "tenantOfCredentials");
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalStateException if no model is served, or plaintext would be served on a
     *     non-loopback address without {@link #allowPlaintext()}
     * @throws IOException if the address cannot be bound
     * @return the started server; close it to stop serving
     */
    public GrpcServer start() throws IOException {
      if (models.isEmpty()) {
        throw new IllegalStateException("no model to serve: call serve(name, in, out)");
      }
      if (tls == null
          && !allowPlaintext
          && (address.getAddress() == null || !address.getAddress().isLoopbackAddress())) {
        throw new IllegalStateException(
            "refusing to serve plaintext gRPC on "
                + address
                + ", which is not a loopback address: credentials and data would travel in clear."
                + " Use tls(ServerCredentials), or allowPlaintext() behind a TLS-terminating proxy.");
      }
      return new GrpcServer(this);
    }
  }
}
