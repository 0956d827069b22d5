package io.maasdk.remote;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.maasdk.CallOptions;
import io.maasdk.DeploymentInfo;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.Prediction;
import io.maasdk.VersionSelector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ModelRuntime}'s models over the Open Inference Protocol's REST API (KServe v2) on
 * the JDK {@code HttpServer}, so that another maasdk process ({@link RemoteBackend}), a KServe or
 * Triton client, or KServe itself (as a custom predictor) can call them.
 *
 * <pre>{@code
 * OipServer server = OipServer.builder(runtime)
 *     .serve("digits", TensorCodec.floats("input"), TensorCodec.floats("output"))
 *     .bind(new InetSocketAddress("127.0.0.1", 8000))
 *     .start();
 * }</pre>
 *
 * <p><b>Routes</b>: {@code GET /v2} (server metadata), {@code GET /v2/health/live}, {@code GET
 * /v2/health/ready} (every served model has a deployed version), and for each served model {@code
 * GET /v2/models/{name}[/versions/{v}]} (metadata), {@code GET .../ready} and {@code POST
 * .../infer}. The version slot takes an integer ({@code 1} is {@code 1.0.0}, see {@link
 * OipVersions}) or any maasdk selector: {@code versions/1.2.0}, {@code versions/stable}, {@code
 * versions/^1}; without one, the latest version answers.
 *
 * <p><b>Calls</b> go through the runtime's handles like in-process calls: interceptors (access
 * control with the credentials of the {@code Authorization: Bearer} header, quotas), aliases,
 * cache, admission, batching and listeners (metering) all apply, with the tenant that {@link
 * Builder#tenant} derives from the credentials. Each value of a request's batch is one call, so the
 * runtime's batcher batches across requests. The {@code maasdk-timeout-ms} header becomes the
 * calls' timeout (a call that times out while queued is never computed); {@code maasdk-routing-key}
 * their routing key.
 *
 * <p><b>Errors</b> are {@code {"error": "..."}} with: 400 malformed JSON, unknown data type,
 * shape/data mismatch, input the model refuses; 401/403 access denied (without/with credentials);
 * 404 unknown model, version or route; 405 wrong method; 413 body over {@link
 * Builder#maxRequestBytes}; 431 headers over {@link Builder#maxHeaderBytes}; 429 overloaded or over
 * quota, with {@code Retry-After}; 503 unavailable (draining, breaker open), with {@code
 * Retry-After}; 504 deadline exceeded; 500 engine failure. A bad request never affects the next.
 *
 * <p><b>Transport</b>: TCP_NODELAY ({@code sun.net.httpserver.nodelay}) and a 30 s limit for
 * reading a request ({@code sun.net.httpserver.maxReqTime}, against slow clients) are set as system
 * properties unless already set, before the first JDK HTTP server of the JVM starts (they are
 * JVM-wide). Plaintext is refused on a non-loopback address unless {@link
 * Builder#allowPlaintext()}; use {@link Builder#tls}. Requests run on a bounded pool of {@code
 * maasdk-oip-<port>-N} threads ({@link Builder#threads}).
 *
 * <p><b>Other protocols</b> on the same port: {@link Builder#mount} hands the routes under a prefix
 * to a {@link Mount} (e.g. {@link OpenAiEndpoint} on {@code /v1}), which shares the server's
 * credentials-to-tenant mapping, body and header limits, threads and error mapping through a {@link
 * Context}, and answers errors in its own protocol's shape.
 *
 * <p>Thread-safe; {@link #close()} stops accepting, waits up to one second for requests in
 * progress, and stops the threads. It does not close the runtime.
 */
public final class OipServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OipServer.class);
  private static final String JSON = "application/json";

  static {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", "30");
    }
  }

  private final ModelRuntime runtime;
  private final Map<String, Served<?, ?>> models;
  private final HttpServer server;
  private final ExecutorService pool;
  private final long maxRequestBytes;
  private final int maxHeaderBytes;
  private final String credentialsHeader;
  private final String credentialsPrefix;
  private final java.util.function.Function<String, String> tenantOf;
  private final Map<String, Mount> mounts;
  private final Context context =
      new Context() {
        @Override
        public ModelRuntime runtime() {
          return runtime;
        }

        @Override
        public CallOptions callOptions(HttpExchange exchange) {
          return options(exchange.getRequestHeaders());
        }

        @Override
        public byte[] readBody(HttpExchange exchange) throws IOException {
          return OipServer.this.readBody(exchange);
        }

        @Override
        public Failure failure(MaasdkException e, boolean hadCredentials) {
          return OipServer.failure(e, hadCredentials);
        }

        @Override
        public void send(HttpExchange exchange, int status, byte[] body) throws IOException {
          OipServer.send(exchange, status, body);
        }
      };

  /**
   * Serves the routes under a prefix in another protocol on this server ({@link Builder#mount}).
   * Implementations must be thread-safe; they run on the server's request threads.
   */
  public interface Mount {
    /**
     * Answers one request whose path is the mount's prefix or under it. Throwing a {@link Failure}
     * answers its status with {@link #errorBody}; the server closes the exchange.
     *
     * @param exchange the request and its answer
     * @param context the server's shared services
     * @throws IOException if the answer cannot be written
     */
    void handle(HttpExchange exchange, Context context) throws IOException;

    /**
     * The body of an error answer in this protocol's shape (JSON).
     *
     * @param status the HTTP status answered
     * @param message what went wrong, safe to show the caller
     * @return the encoded body
     */
    byte[] errorBody(int status, String message);
  }

  /** What a {@link Mount} shares with the server. */
  public interface Context {
    /**
     * The runtime whose models the server serves.
     *
     * @return the server's runtime
     */
    ModelRuntime runtime();

    /**
     * The call options of a request: credentials from the server's credentials header, the tenant
     * the server's tenant function gives them, timeout and routing key from maasdk's headers.
     *
     * @throws Failure 401 for credentials the tenant function refuses, 400/504 for a bad timeout
     * @param exchange the request
     * @return the options to call the runtime with
     */
    CallOptions callOptions(HttpExchange exchange);

    /**
     * The request body, within the server's size limit.
     *
     * @throws Failure 413 over the limit
     * @param exchange the request
     * @return the whole body
     * @throws IOException if the body cannot be read
     */
    byte[] readBody(HttpExchange exchange) throws IOException;

    /**
     * maasdk's exception as the status the server answers for it (400, 401/403, 404, 429...).
     *
     * @param e the exception a call raised
     * @param hadCredentials whether the request carried credentials (401 without, 403 with)
     * @return the failure to answer
     */
    Failure failure(MaasdkException e, boolean hadCredentials);

    /**
     * Sends a JSON answer (no body for {@code HEAD} or an empty one).
     *
     * @param exchange the request to answer
     * @param status the HTTP status
     * @param body the JSON body; empty for none
     * @throws IOException if the answer cannot be written
     */
    void send(HttpExchange exchange, int status, byte[] body) throws IOException;
  }

  private record Served<I, O>(String name, TensorCodec<I> in, TensorCodec<O> out) {}

  private OipServer(Builder b) throws IOException {
    this.runtime = b.runtime;
    this.models = Map.copyOf(b.models);
    this.maxRequestBytes = b.maxRequestBytes;
    this.maxHeaderBytes = b.maxHeaderBytes;
    this.credentialsHeader = b.credentialsHeader;
    this.credentialsPrefix = b.credentialsPrefix;
    this.tenantOf = b.tenantOf;
    this.mounts = Map.copyOf(b.mounts);
    if (b.ssl != null) {
      HttpsServer https = HttpsServer.create(b.address, b.backlog);
      https.setHttpsConfigurator(new HttpsConfigurator(b.ssl));
      this.server = https;
    } else {
      this.server = HttpServer.create(b.address, b.backlog);
    }
    int port = server.getAddress().getPort();
    AtomicInteger n = new AtomicInteger();
    // Unbounded hand-off: the JDK server cannot answer a rejected exchange; what bounds the work
    // is each model's admission queue, which answers 429 at once when full.
    ThreadPoolExecutor tp =
        new ThreadPoolExecutor(
            b.threads,
            b.threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "maasdk-oip-" + port + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    tp.allowCoreThreadTimeOut(true);
    this.pool = tp;
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
    LOG.info(
        "serving {} over the Open Inference Protocol{} on {}://{}",
        models.keySet(),
        mounts.isEmpty() ? "" : " and " + mounts,
        b.ssl != null ? "https" : "http",
        server.getAddress());
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
    return server.getAddress();
  }

  /**
   * The bound port.
   *
   * @return the port the server listens on
   */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops serving (requests in progress get up to one second); the runtime stays open. */
  @Override
  public void close() {
    server.stop(1);
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- routing

  private void handle(HttpExchange ex) throws IOException {
    Mount mount = mountFor(ex.getRequestURI().getRawPath());
    try {
      String problem = headerProblem(ex.getRequestHeaders());
      if (problem != null) {
        drain(ex);
        send(ex, 431, errorBody(mount, 431, problem));
        return;
      }
      if (mount != null) {
        mount.handle(ex, context);
      } else {
        route(ex);
      }
    } catch (Failure f) {
      drain(ex);
      if (f.retryAfter) {
        ex.getResponseHeaders().set("Retry-After", "1");
      }
      send(
          ex,
          f.status,
          errorBody(mount, f.status, Objects.requireNonNullElse(f.getMessage(), f.toString())));
    } catch (RuntimeException e) {
      LOG.warn("unexpected failure serving {} {}", ex.getRequestMethod(), ex.getRequestURI(), e);
      drain(ex);
      send(ex, 500, errorBody(mount, 500, "internal error: " + e.getClass().getSimpleName()));
    } finally {
      ex.close();
    }
  }

  private @Nullable Mount mountFor(String path) {
    for (Map.Entry<String, Mount> m : mounts.entrySet()) {
      if (path.equals(m.getKey()) || path.startsWith(m.getKey() + "/")) {
        return m.getValue();
      }
    }
    return null;
  }

  private static byte[] errorBody(@Nullable Mount mount, int status, String message) {
    return mount == null ? OipJson.error(message) : mount.errorBody(status, message);
  }

  private @Nullable String headerProblem(Headers h) {
    long bytes = 0;
    for (Map.Entry<String, List<String>> e : h.entrySet()) {
      for (String v : e.getValue()) {
        bytes += e.getKey().length() + v.length() + 4;
      }
    }
    return bytes > maxHeaderBytes
        ? "request headers of " + bytes + " bytes exceed the limit of " + maxHeaderBytes
        : null;
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    String[] parts = path.split("/", -1); // "", "v2", ...
    if (parts.length < 2 || !parts[1].equals("v2")) {
      throw new Failure(404, "no route " + path + "; the protocol's routes start with /v2");
    }
    if (parts.length == 2 || parts.length == 3 && parts[2].isEmpty()) {
      get(method, path);
      send(ex, 200, OipJson.serverMetadata("maasdk", "0.1.0"));
      return;
    }
    if (parts[2].equals("health") && parts.length == 4) {
      get(method, path);
      switch (parts[3]) {
        case "live" -> send(ex, 200, new byte[0]);
        case "ready" -> {
          List<String> missing = new ArrayList<>();
          for (String m : models.keySet()) {
            if (runtime.deployments().stream()
                .noneMatch(d -> d.modelName().equals(m) && d.accepting() && d.replicasUp() > 0)) {
              missing.add(m);
            }
          }
          if (missing.isEmpty()) {
            send(ex, 200, new byte[0]);
          } else {
            throw new Failure(503, "not ready: no version of " + missing + " is serving", true);
          }
        }
        default -> throw new Failure(404, "no route " + path);
      }
      return;
    }
    if (!parts[2].equals("models") || parts.length < 4) {
      throw new Failure(404, "no route " + path);
    }
    String name = decode(parts[3]);
    Served<?, ?> served = models.get(name);
    if (served == null) {
      throw new Failure(
          404,
          "unknown model '"
              + name
              + "'; this server serves "
              + new java.util.TreeSet<>(models.keySet()));
    }
    int i = 4;
    String slot = null;
    if (parts.length > i + 1 && parts[i].equals("versions")) {
      slot = decode(parts[i + 1]);
      i += 2;
    }
    String action = parts.length > i ? parts[i] : "";
    if (parts.length > i + 1) {
      throw new Failure(404, "no route " + path);
    }
    VersionSelector selector;
    try {
      selector = slot == null ? VersionSelector.latest() : OipVersions.selector(slot);
    } catch (IllegalArgumentException e) {
      throw new Failure(
          400,
          "version '"
              + slot
              + "' of "
              + name
              + " is not a version, range or"
              + " alias: "
              + e.getMessage());
    }
    switch (action) {
      case "" -> {
        get(method, path);
        metadata(ex, served, selector);
      }
      case "ready" -> {
        get(method, path);
        ModelHandle<?, ?> h = handle(served, selector);
        String v = OipVersions.toProtocol(h.resolve(CallOptions.ofDefaults()));
        send(ex, 200, OipJson.ready(name, true));
        LOG.debug("ready {} {}", name, v);
      }
      case "infer" -> {
        if (!method.equals("POST")) {
          throw new Failure(405, path + " takes POST, not " + method);
        }
        infer(ex, served, selector);
      }
      default -> throw new Failure(404, "no route " + path);
    }
  }

  private static void get(String method, String path) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw new Failure(405, path + " takes GET, not " + method);
    }
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private <I, O> ModelHandle<I, O> handle(Served<I, O> s, VersionSelector selector) {
    try {
      return runtime.handle(s.name(), selector, s.in().type(), s.out().type());
    } catch (MaasdkException e) {
      throw failure(e, false);
    } catch (IllegalArgumentException e) {
      throw new Failure(
          500,
          "model "
              + s.name()
              + " is deployed with other types than its codecs"
              + " "
              + s.in()
              + " -> "
              + s.out()
              + ": "
              + e.getMessage());
    }
  }

  private void metadata(HttpExchange ex, Served<?, ?> s, VersionSelector selector)
      throws IOException {
    List<String> versions = new ArrayList<>();
    if (selector instanceof VersionSelector.Latest) {
      for (DeploymentInfo d : runtime.deployments()) {
        if (d.modelName().equals(s.name())) {
          versions.add(OipVersions.toProtocol(d.version()));
        }
      }
      if (versions.isEmpty()) {
        throw new Failure(404, "model '" + s.name() + "' has no deployed version");
      }
    } else {
      versions.add(OipVersions.toProtocol(handle(s, selector).resolve(CallOptions.ofDefaults())));
    }
    send(
        ex,
        200,
        OipJson.modelMetadata(s.name(), versions, "maasdk", s.in().names(), s.out().names()));
  }

  private <I, O> void infer(HttpExchange ex, Served<I, O> s, VersionSelector selector)
      throws IOException {
    byte[] body = readBody(ex);
    OipJson.Message request;
    List<I> inputs;
    try {
      request = OipJson.parse(body, true);
      inputs = s.in().decode(OipJson.byName(request.tensors()));
    } catch (IllegalArgumentException e) {
      throw new Failure(400, "bad request for model '" + s.name() + "': " + e.getMessage());
    }
    if (inputs.isEmpty()) {
      throw new Failure(400, "bad request for model '" + s.name() + "': the batch is empty");
    }
    ModelHandle<I, O> handle = handle(s, selector);
    CallOptions opts = options(ex.getRequestHeaders());
    List<CompletableFuture<Prediction<O>>> calls = new ArrayList<>(inputs.size());
    if (inputs.size() == 1) {
      // A lone call is made synchronously: when its version is idle the runtime computes it on
      // this thread, sparing two thread hand-offs (see CONCURRENCY.md, "Caller runs").
      try {
        calls.add(CompletableFuture.completedFuture(handle.predictDetailed(inputs.get(0), opts)));
      } catch (MaasdkException e) {
        calls.add(CompletableFuture.failedFuture(e));
      }
    } else {
      for (I input : inputs) {
        calls.add(handle.predictDetailedAsync(input, opts));
      }
    }
    List<O> outputs = new ArrayList<>(inputs.size());
    Prediction<O> first = null;
    MaasdkException failed = null;
    for (CompletableFuture<Prediction<O>> f : calls) {
      try {
        Prediction<O> p = f.get();
        outputs.add(p.output());
        if (first == null) {
          first = p;
        }
      } catch (ExecutionException | CompletionException e) {
        Throwable cause = e.getCause();
        if (failed == null) {
          failed =
              cause instanceof MaasdkException me
                  ? me
                  : new MaasdkException(s.name(), null, String.valueOf(cause), cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        calls.forEach(c -> c.cancel(false));
        throw new Failure(503, "the server is stopping", true);
      }
    }
    if (failed != null) {
      throw failure(failed, opts.credentials() != null);
    }
    byte[] response;
    try {
      // inputs is not empty (checked above) and no call failed, so first is set
      response =
          OipJson.response(
              s.name(),
              OipVersions.toProtocol(Objects.requireNonNull(first, "first").version()),
              request.id(),
              s.out().encode(outputs));
    } catch (IllegalArgumentException e) {
      throw new Failure(
          500,
          "model '"
              + s.name()
              + "' answered outputs that "
              + s.out()
              + " cannot encode: "
              + e.getMessage());
    }
    send(ex, 200, response);
  }

  private CallOptions options(Headers h) {
    CallOptions.Builder b = CallOptions.builder();
    String auth = h.getFirst(credentialsHeader);
    if (auth != null) {
      String credentials =
          auth.startsWith(credentialsPrefix) ? auth.substring(credentialsPrefix.length()) : auth;
      b.credentials(credentials);
      String tenant;
      try {
        tenant = tenantOf.apply(credentials);
      } catch (RuntimeException e) {
        LOG.debug("the tenant function refused a request's credentials", e);
        throw new Failure(401, "the request's credentials are not recognised");
      }
      if (tenant == null) {
        throw new Failure(401, "the request's credentials are not recognised");
      }
      b.tenant(tenant);
    }
    String timeout = h.getFirst(RemoteBackend.TIMEOUT_HEADER);
    if (timeout != null) {
      long ms;
      try {
        ms = Long.parseLong(timeout.trim());
      } catch (NumberFormatException e) {
        throw new Failure(
            400, RemoteBackend.TIMEOUT_HEADER + " must be milliseconds, was '" + timeout + "'");
      }
      if (ms <= 0) {
        throw new Failure(504, "the call's deadline passed before it arrived; not computed");
      }
      b.timeout(Duration.ofMillis(ms));
    }
    String routing = h.getFirst(RemoteBackend.ROUTING_HEADER);
    if (routing != null) {
      b.routingKey(routing);
    }
    return b.build();
  }

  /** maasdk's exceptions as protocol statuses ({@link ProtocolErrors}, shared with gRPC). */
  private static Failure failure(MaasdkException e, boolean hadCredentials) {
    ProtocolErrors.Kind k = ProtocolErrors.of(e, hadCredentials);
    return new Failure(
        k.http, Objects.requireNonNullElse(e.getMessage(), e.toString()), k.retryAfter);
  }

  private byte[] readBody(HttpExchange ex) throws IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > maxRequestBytes) {
          throw new Failure(
              413,
              "request body of "
                  + length.trim()
                  + " bytes exceeds the limit"
                  + " of "
                  + maxRequestBytes);
        }
      } catch (NumberFormatException e) {
        throw new Failure(400, "Content-Length is not a number");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
      if (body.length > maxRequestBytes) {
        throw new Failure(413, "request body exceeds the limit of " + maxRequestBytes + " bytes");
      }
      return body;
    }
  }

  /** Reads what is left of a refused request's body (bounded), so the connection stays usable. */
  private void drain(HttpExchange ex) {
    try (InputStream in = ex.getRequestBody()) {
      long left = maxRequestBytes;
      byte[] buf = new byte[8192];
      int r;
      while (left > 0 && (r = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
        left -= r;
      }
    } catch (IOException e) {
      LOG.debug("draining a refused request failed", e);
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", JSON);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /**
   * A refused request: its HTTP status and the message of its error body; thrown by the server's
   * {@link Context} and by a {@link Mount} to answer an error.
   */
  public static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final boolean retryAfter;

    /**
     * An error answer with {@code status}.
     *
     * @param status the HTTP status
     * @param message the message of the error body
     */
    public Failure(int status, String message) {
      this(status, message, false);
    }

    /**
     * An error answer with {@code status}, and {@code Retry-After: 1} when {@code retryAfter}.
     *
     * @param status the HTTP status
     * @param message the message of the error body
     * @param retryAfter whether to send {@code Retry-After: 1}
     */
    public Failure(int status, String message, boolean retryAfter) {
      super(message, null, false, false);
      this.status = status;
      this.retryAfter = retryAfter;
    }

    /**
     * The HTTP status answered.
     *
     * @return the status
     */
    public int status() {
      return status;
    }
  }

  /** Configures an {@link OipServer}; not thread-safe. */
  public static final class Builder {
    private final ModelRuntime runtime;
    private final Map<String, Served<?, ?>> models = new LinkedHashMap<>();
    private final Map<String, Mount> mounts = new LinkedHashMap<>();
    private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
    private @Nullable SSLContext ssl;
    private boolean allowPlaintext;
    private long maxRequestBytes = 16L << 20;
    private int maxHeaderBytes = 16 << 10;
    private int threads = Math.max(8, Runtime.getRuntime().availableProcessors() * 4);
    private int backlog = 128;
    private String credentialsHeader = "Authorization";
    private String credentialsPrefix = "Bearer ";
    private java.util.function.Function<String, String> tenantOf =
        credentials -> CallOptions.DEFAULT_TENANT;

    private Builder(ModelRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Serves model {@code name} (every deployed version of it), decoding requests with {@code in}
     * and encoding answers with {@code out}. The model's deployed types must be {@code in.type() ->
     * out.type()}.
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
     * Serves the routes under {@code prefix} (e.g. {@code "/v1"}: the path itself and every path
     * below it) with {@code mount} (e.g. {@link OpenAiEndpoint}) instead of the Open Inference
     * Protocol.
     *
     * @throws IllegalArgumentException if the prefix does not start with {@code /}, ends with
     *     {@code /}, is the protocol's {@code /v2}, or is already mounted
     * @param prefix the path prefix, e.g. {@code "/v1"}
     * @param mount the handler of those paths
     * @return this builder
     */
    public Builder mount(String prefix, Mount mount) {
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(mount, "mount");
      if (!prefix.startsWith("/")
          || prefix.endsWith("/")
          || prefix.equals("/v2")
          || prefix.startsWith("/v2/")
          || mounts.containsKey(prefix)) {
        throw new IllegalArgumentException(
            "a mount prefix is /name[/more], not /v2 nor one"
                + " already mounted; was '"
                + prefix
                + "'");
      }
      mounts.put(prefix, mount);
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
     * HTTPS with this context (its key manager holds the server's certificate).
     *
     * @param context the TLS context serving the server's certificate
     * @return this builder
     */
    public Builder tls(SSLContext context) {
      this.ssl = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * Allows plaintext HTTP on a non-loopback address (e.g. behind a TLS-terminating proxy).
     *
     * @return this builder
     */
    public Builder allowPlaintext() {
      this.allowPlaintext = true;
      return this;
    }

    /**
     * The largest request body accepted (413 beyond); default 16 MiB.
     *
     * @param bytes the largest request body, at least 1
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
     * The largest total of request headers accepted (431 beyond); default 16 KiB.
     *
     * @param bytes the largest header total
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
     * Request threads (each waits for its request's calls); default 4 per core, at least 8.
     *
     * @param threads the number of request threads
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
     * The header that carries credentials for the runtime's interceptors; see RemoteBackend.
     *
     * @param name the header name, e.g. {@code Authorization}
     * @param prefix expected before the credentials, e.g. {@code "Bearer "}
     * @return this builder
     */
    public Builder credentialsHeader(String name, String prefix) {
      this.credentialsHeader = Objects.requireNonNull(name, "name");
      this.credentialsPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * The tenant of a request that carries credentials, from those credentials: typically the id of
     * the principal they authenticate, so that quotas and metering count per caller and never per
     * whatever a client claims. {@code null} or an exception refuses the request with 401 (the
     * credentials are never logged). Requests without credentials, and all requests by default, are
     * the default tenant. Must be thread-safe and fast; it runs on request threads.
     *
     * @param tenantOfCredentials maps the credentials to the tenant the call is metered and limited
     *     as
     * @return this builder
     */
    public Builder tenant(java.util.function.Function<String, String> tenantOfCredentials) {
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
    public OipServer start() throws IOException {
      if (models.isEmpty() && mounts.isEmpty()) {
        throw new IllegalStateException("no model to serve: call serve(name, in, out) or mount");
      }
      if (ssl == null
          && !allowPlaintext
          && (address.getAddress() == null || !address.getAddress().isLoopbackAddress())) {
        throw new IllegalStateException(
            "refusing to serve plaintext HTTP on "
                + address
                + ", which is not a loopback address: credentials and data would travel in clear."
                + " Use tls(SSLContext), or allowPlaintext() behind a TLS-terminating proxy.");
      }
      return new OipServer(this);
    }
  }
}
