package io.maasdk.remote;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelSpec;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.Placement;
import io.maasdk.Version;
import io.maasdk.spi.Backend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Backend} that computes a deployed version on a server elsewhere, over the Open Inference
 * Protocol's REST API ({@code POST /v2/models/{name}/versions/{v}/infer}): Triton, KServe,
 * MLServer, DJL Serving or another maasdk process ({@link OipServer}). Set it on a spec and deploy
 * as usual; the version is then listed, pinned, aliased (split with local versions, used as a
 * fallback), cached, metered, quota-checked, access-controlled and circuit-broken exactly like a
 * local one, and its calls report the device {@code remote:host:port}.
 *
 * <pre>{@code
 * RemoteBackend remote = RemoteBackend.builder(URI.create("http://10.0.0.7:8000"))
 *     .model("digits-mlp")                       // default: the spec's name
 *     .input(TensorCodec.floats("input"))
 *     .output(TensorCodec.floats("output"))
 *     .build();
 * runtime.deploy(ModelSpec.builder("digits", float[].class, float[].class)
 *     .version("1.0.0")                          // calls versions/1 on the server
 *     .backend(remote)
 *     .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))   // one request per batch
 *     .build());
 * }</pre>
 *
 * <p><b>Calls.</b> One batch of the version's dynamic batcher is one request: inputs are encoded
 * along the first dimension by the input codec. Calls of one batch with different {@link
 * CallOptions#credentials()} go as one request per credential. Credentials are sent as a header
 * ({@code Authorization: Bearer <credentials>} unless {@link Builder#credentialsHeader} says
 * otherwise) and never logged nor put in a message. A call's deadline becomes the request's timeout
 * (and the {@code maasdk-timeout-ms} header, which a maasdk endpoint honours); a request whose
 * calls' deadlines have all passed is never sent.
 *
 * <p><b>Failures</b> map to maasdk's: 400 → {@link InvalidInputException} (the input is at fault),
 * 401/403 → {@link AccessDeniedException}, 429 → {@link OverloadedException}, 408/504 and request
 * timeouts → {@link DeadlineExceededException}; 404, 503 and connection failures → {@link
 * ModelUnavailableException} once no endpoint takes the request (the session, a fresh HTTP client,
 * is replaced; the breaker counts it; an alias's fallback takes over); other statuses are judged
 * like an engine failure.
 *
 * <p><b>Several endpoints</b> ({@link Builder#endpoint}) serve one version as a fleet: each request
 * goes to the endpoint with the fewest requests outstanding; an endpoint that does not take a
 * request (connection refused or broken before an answer, 503) is ejected for a backoff and
 * re-admitted once its ready check ({@code GET .../ready}) passes after that; the request is
 * retried on another endpoint, at most {@link Builder#retries} times, only within the call's
 * deadline and only while the retry budget allows. So an endpoint that dies costs no failed call
 * while another is healthy. {@link #endpointStatus()} shows the rotation.
 *
 * <p><b>Versions</b> map as {@link OipVersions} says: maasdk's {@code 1.0.0} is the protocol's
 * {@code 1}. {@link Builder#version} names the remote version explicitly, {@link
 * Builder#unversioned()} lets the server choose.
 *
 * <p>Immutable and thread-safe; each replica's session has its own {@link HttpClient} (HTTP/1.1 or
 * HTTP/2, TLS with the configured trust), whose threads are the JDK's.
 */
public final class RemoteBackend implements Backend {
  /** Header with a call's remaining time in milliseconds; a maasdk endpoint sets the timeout. */
  public static final String TIMEOUT_HEADER = "maasdk-timeout-ms";

  /** Header with a call's routing key, so that a maasdk endpoint's aliases stay sticky. */
  public static final String ROUTING_HEADER = "maasdk-routing-key";

  private final URI base;
  private final Endpoints endpoints;
  private final int maxRetries;
  private final boolean retryUnanswered;
  private final @Nullable String model;
  private final @Nullable String version;
  private final boolean unversioned;
  private final TensorCodec<?> input;
  private final TensorCodec<?> output;
  private final @Nullable SSLContext ssl;
  private final HttpClient.Version httpVersion;
  private final String credentialsHeader;
  private final String credentialsPrefix;
  private final Duration connectTimeout;
  private final Duration defaultTimeout;

  private RemoteBackend(Builder b) {
    this.base = b.bases.get(0);
    this.endpoints =
        new Endpoints(b.bases, b.ejectFor.toNanos(), b.maxEjectFor.toNanos(), b.retryRatio);
    this.maxRetries = b.retries;
    this.retryUnanswered = b.retryUnanswered;
    this.model = b.model;
    this.version = b.version;
    this.unversioned = b.unversioned;
    this.input = Objects.requireNonNull(b.input, "input codec not set");
    this.output = Objects.requireNonNull(b.output, "output codec not set");
    this.ssl = b.ssl;
    this.httpVersion = b.httpVersion;
    this.credentialsHeader = b.credentialsHeader;
    this.credentialsPrefix = b.credentialsPrefix;
    this.connectTimeout = b.connectTimeout;
    this.defaultTimeout = b.defaultTimeout;
  }

  /**
   * Starts a backend for the server at {@code endpoint} ({@code http://host:port} or {@code
   * https://host:port}, optionally with a path prefix before {@code /v2}).
   *
   * @throws IllegalArgumentException if it is not an absolute http(s) URI with a host
   * @param endpoint the first server's base URI
   * @return a builder to configure the model, codecs and transport
   */
  public static Builder builder(URI endpoint) {
    return new Builder(endpoint);
  }

  @Override
  public String engine() {
    return "oip-rest";
  }

  /**
   * {@code remote:host:port}, the device its calls report; with several endpoints {@code
   * remote:host1:port1,host2:port2,...}.
   *
   * @return the endpoints, as this backend reports its device
   */
  public String device() {
    StringBuilder b = new StringBuilder("remote:");
    for (Endpoints.Endpoint e : endpoints.all()) {
      b.append(b.length() > 7 ? "," : "").append(e.hostPort);
    }
    return b.toString();
  }

  /**
   * One endpoint's state now.
   *
   * @param uri the endpoint
   * @param inRotation {@code false} while it is ejected after failing to take a request
   * @param outstanding requests sent to it and not yet answered
   */
  public record EndpointStatus(URI uri, boolean inRotation, int outstanding) {}

  /**
   * The endpoints' states, in the order they were configured. Thread-safe snapshot.
   *
   * @return one status per endpoint; empty before the first deploy
   */
  public List<EndpointStatus> endpointStatus() {
    List<EndpointStatus> out = new ArrayList<>();
    for (Endpoints.Endpoint e : endpoints.all()) {
      out.add(new EndpointStatus(e.base, !endpoints.ejected(e), e.outstanding.get()));
    }
    return out;
  }

  /** One placement per replica on {@link #device()}: the spec's device policy does not apply. */
  @Override
  public List<Placement> place(ModelSpec<?, ?> spec) {
    List<Placement> out = new ArrayList<>(spec.replicas());
    for (int r = 0; r < spec.replicas(); r++) {
      out.add(new Placement(r, device(), "remote endpoint " + base));
    }
    return out;
  }

  /**
   * Checks that the codecs fit the spec's types and that the remote model answers its ready check
   * on at least one endpoint (the others start out of rotation).
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
    Target<I, O> target =
        new Target<>(spec, (TensorCodec<I>) input, (TensorCodec<O>) output, modelPath(spec));
    target.checkReady();
    return target;
  }

  /** A session for {@code spec} without deploy's ready check (tests of the client alone). */
  @SuppressWarnings("unchecked")
  <I, O> Session<I, O> sessionForTest(ModelSpec<I, O> spec) {
    return new Target<>(spec, (TensorCodec<I>) input, (TensorCodec<O>) output, modelPath(spec))
        .newSession();
  }

  /** {@code /v2/models/{name}[/versions/{v}]} for {@code spec}. */
  private String modelPath(ModelSpec<?, ?> spec) {
    String name = model != null ? model : spec.name();
    String v =
        unversioned ? null : version != null ? version : OipVersions.toProtocol(spec.version());
    return "/v2/models/" + encode(name) + (v == null ? "" : "/versions/" + encode(v));
  }

  private static String encode(String segment) {
    return java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
  }

  HttpClient newClient() {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(httpVersion)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER);
    if (ssl != null) {
      b.sslContext(ssl);
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "oip+"
        + base
        + (endpoints.size() > 1 ? " (+" + (endpoints.size() - 1) + " endpoints)" : "")
        + (model == null ? "/v2/models/<name>" : "/v2/models/" + model)
        + (unversioned ? "" : version == null ? "/versions/<version>" : "/versions/" + version);
  }

  /** One version on the remote server. */
  private final class Target<I, O> implements Loaded<I, O> {
    private final ModelSpec<I, O> spec;
    private final TensorCodec<I> in;
    private final TensorCodec<O> out;
    private final String path;
    private final String subject;

    Target(ModelSpec<I, O> spec, TensorCodec<I> in, TensorCodec<O> out, String path) {
      this.spec = spec;
      this.in = in;
      this.out = out;
      this.path = path;
      this.subject =
          spec.name()
              + "@"
              + spec.version()
              + " (remote "
              + endpoints.all().get(0).resolve(path)
              + (endpoints.size() > 1 ? " and " + (endpoints.size() - 1) + " more endpoints" : "")
              + ")";
    }

    /**
     * At deploy: the remote model must answer ready on at least one endpoint, else the deploy fails
     * naming why; endpoints that do not answer ready start out of rotation.
     */
    void checkReady() {
      HttpClient client = newClient();
      List<String> problems = new ArrayList<>();
      for (Endpoints.Endpoint e : endpoints.all()) {
        String problem;
        try {
          HttpResponse<byte[]> r =
              client.send(
                  HttpRequest.newBuilder(e.resolve(path + "/ready"))
                      .GET()
                      .timeout(defaultTimeout)
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
          problem =
              r.statusCode() == 200
                  ? null
                  : "its ready check answered "
                      + r.statusCode()
                      + ": "
                      + OipJson.errorMessage(r.body());
        } catch (IOException ex) {
          problem = "its ready check failed: " + ex;
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          throw new ModelLoadException(
              spec.name(),
              spec.version(),
              "cannot deploy " + subject + ": interrupted during its ready check",
              ex);
        }
        if (problem != null) {
          problems.add(e.resolve(path) + ": " + problem);
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
      HttpClient client = newClient();
      return new Session<>() {
        @Override
        public List<O> predict(List<Call<I>> calls) {
          return send(client, calls);
        }

        @Override
        public void close() {
          // Java 17's HttpClient has no close(); its connections and selector thread end once it
          // is unreachable.
        }
      };
    }

    private List<O> send(HttpClient client, List<Call<I>> calls) {
      // One request per distinct credential (almost always one for the whole batch).
      Map<String, List<Integer>> groups = new LinkedHashMap<>();
      for (int i = 0; i < calls.size(); i++) {
        String c = calls.get(i).options().credentials();
        groups.computeIfAbsent(c == null ? "" : c, k -> new ArrayList<>()).add(i);
      }
      if (groups.size() == 1) {
        return request(client, calls);
      }
      List<O> results = new ArrayList<>(calls.size());
      for (int i = 0; i < calls.size(); i++) {
        results.add(null);
      }
      for (List<Integer> idx : groups.values()) {
        List<Call<I>> part = new ArrayList<>(idx.size());
        idx.forEach(i -> part.add(calls.get(i)));
        List<O> got = request(client, part);
        for (int k = 0; k < idx.size(); k++) {
          results.set(idx.get(k), got.get(k));
        }
      }
      return results;
    }

    /** One request for calls sharing their credentials. */
    private List<O> request(HttpClient client, List<Call<I>> calls) {
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
      byte[] body;
      try {
        body = OipJson.request(null, in.encode(inputs), out.names());
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(
            spec.name(),
            spec.version(),
            "cannot encode the input of " + subject + " with " + in + ": " + e.getMessage(),
            e);
      }
      String credentials = calls.get(0).options().credentials();
      long deadline = unbounded || timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
      Set<Endpoints.Endpoint> tried = new HashSet<>();
      endpoints.requested();
      if (endpoints.size() > 1) {
        endpoints.probeDue(e -> probe(client, e));
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
        Duration left = unbounded ? defaultTimeout : Duration.ofNanos(deadline - System.nanoTime());
        if (!unbounded && (left.isZero() || left.isNegative())) {
          throw new DeadlineExceededException(
              spec.name(),
              spec.version(),
              "call to "
                  + subject
                  + " passed its deadline before it could be sent"
                  + (attempt == 0 ? "" : " again after:" + failures)
                  + "; it was not sent");
        }
        HttpRequest.Builder rb =
            HttpRequest.newBuilder(ep.resolve(path + "/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(left);
        if (!unbounded) {
          rb.header(TIMEOUT_HEADER, Long.toString(Math.max(1, left.toMillis())));
        }
        if (routing != null) {
          rb.header(ROUTING_HEADER, routing);
        }
        if (credentials != null) {
          rb.header(credentialsHeader, credentialsPrefix + credentials);
        }
        HttpResponse<byte[]> r;
        String undelivered;
        Exception cause;
        ep.outstanding.incrementAndGet();
        try {
          r = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
          if (r.statusCode() != 503) {
            endpoints.answered(ep);
            return answer(r, calls.size(), credentials != null);
          }
          undelivered = "answered 503: " + OipJson.errorMessage(r.body());
          cause = null;
        } catch (HttpConnectTimeoutException e) {
          undelivered = "could not connect within " + connectTimeout;
          cause = e;
        } catch (HttpTimeoutException e) {
          if (unbounded) {
            throw unavailable("no answer within " + defaultTimeout + " from " + ep.base, e);
          }
          throw new DeadlineExceededException(
              spec.name(),
              spec.version(),
              "call to "
                  + subject
                  + " did not finish within its timeout ("
                  + left.toMillis()
                  + " ms left when sent"
                  + " to "
                  + ep.base
                  + ")",
              e);
        } catch (java.net.ConnectException e) {
          undelivered = "connection refused";
          cause = e;
        } catch (IOException e) {
          if (!retryUnanswered) {
            endpoints.failed(ep, e.toString());
            throw unavailable("the request to " + ep.base + " failed: " + e, e);
          }
          undelivered = "the connection broke before an answer: " + e;
          cause = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw unavailable("interrupted", e);
        } finally {
          ep.outstanding.decrementAndGet();
        }
        endpoints.failed(ep, undelivered);
        tried.add(ep);
        failures += " " + ep.base + " " + undelivered + ";";
        if (attempt >= maxRetries || tried.size() >= endpoints.size() || !endpoints.tryRetry()) {
          ModelUnavailableException e =
              new ModelUnavailableException(
                  spec.name(),
                  spec.version(),
                  subject
                      + " cannot be reached:"
                      + failures
                      + " ("
                      + (attempt + 1)
                      + " attempt(s))",
                  cause);
          throw e;
        }
      }
    }

    private List<O> answer(HttpResponse<byte[]> r, int n, boolean sentCredentials) {
      int status = r.statusCode();
      if (status == 200) {
        List<O> outputs;
        try {
          OipJson.Message m = OipJson.parse(r.body(), false);
          outputs = out.decode(OipJson.byName(m.tensors()));
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(
              subject + " answered a body that " + out + " cannot read: " + e.getMessage(), e);
        }
        if (outputs.size() != n) {
          throw new IllegalStateException(
              subject + " answered " + outputs.size() + " outputs for a batch of " + n);
        }
        return outputs;
      }
      String error = OipJson.errorMessage(r.body());
      String why = subject + " answered " + status + ": " + error;
      Version v = spec.version();
      switch (status) {
        case 400, 413, 422 ->
            throw new InvalidInputException(
                spec.name(), v, subject + " refused the input: " + error);
        case 401, 403 ->
            throw new AccessDeniedException(
                spec.name(),
                v,
                why + (sentCredentials ? "" : " (the call carried no credentials)"));
        case 429 -> throw new OverloadedException(spec.name(), v, why);
        case 408, 504 -> throw new DeadlineExceededException(spec.name(), v, why);
        case 404, 503 -> throw new ModelUnavailableException(spec.name(), v, why);
        default -> throw new IllegalStateException(why);
      }
    }

    /** An ejected endpoint's ready check, on the HTTP client's threads; 200 re-admits it. */
    private void probe(HttpClient client, Endpoints.Endpoint e) {
      HttpRequest ready =
          HttpRequest.newBuilder(e.resolve(path + "/ready")).GET().timeout(connectTimeout).build();
      client
          .sendAsync(ready, HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete(
              (r, ex) -> {
                try {
                  if (ex == null && r.statusCode() == 200) {
                    endpoints.answered(e);
                  } else {
                    endpoints.failed(
                        e,
                        ex != null
                            ? "ready check: " + ex
                            : "ready check answered " + r.statusCode());
                  }
                } finally {
                  e.probing.set(false);
                }
              });
    }

    private ModelUnavailableException unavailable(String why, Exception cause) {
      return new ModelUnavailableException(
          spec.name(), spec.version(), subject + " cannot be reached: " + why, cause);
    }

    @Override
    public void close() {}
  }

  /** Configures a {@link RemoteBackend}; not thread-safe. */
  public static final class Builder {
    private final List<URI> bases = new ArrayList<>();
    private int retries = 2;
    private boolean retryUnanswered = true;
    private double retryRatio = 0.2;
    private Duration ejectFor = Duration.ofSeconds(1);
    private Duration maxEjectFor = Duration.ofSeconds(30);
    private @Nullable String model;
    private @Nullable String version;
    private boolean unversioned;
    private @Nullable TensorCodec<?> input;
    private @Nullable TensorCodec<?> output;
    private @Nullable SSLContext ssl;
    private HttpClient.Version httpVersion = HttpClient.Version.HTTP_1_1;
    private String credentialsHeader = "Authorization";
    private String credentialsPrefix = "Bearer ";
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration defaultTimeout = Duration.ofSeconds(60);

    private Builder(URI endpoint) {
      endpoint(endpoint);
    }

    /**
     * Another server of the same model: calls go to the endpoint with the fewest requests
     * outstanding; one that fails to take a request is ejected (1 s, doubling while it keeps
     * failing, at most 30 s; see {@link #ejection}) and re-admitted when its ready check passes
     * after that.
     *
     * @throws IllegalArgumentException if it is not an absolute http(s) URI with a host
     * @param endpoint another server's base URI
     * @return this builder
     */
    public Builder endpoint(URI endpoint) {
      Objects.requireNonNull(endpoint, "endpoint");
      if (!endpoint.isAbsolute()
          || endpoint.getHost() == null
          || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme()))) {
        throw new IllegalArgumentException(
            "endpoint must be http(s)://host[:port][/prefix], was " + endpoint);
      }
      if (endpoint.getUserInfo() != null || endpoint.getQuery() != null) {
        throw new IllegalArgumentException(
            "endpoint must not carry user info or a query; pass"
                + " credentials with CallOptions.credentials");
      }
      bases.add(endpoint);
      return this;
    }

    /**
     * Retries of a request that an endpoint did not take (connection refused or failed, 503), each
     * on another endpoint, only within the call's deadline; default 2. Retries also draw on a
     * budget of {@code retryRatio} retries per request (default 0.2, with a burst of 10), so that
     * retries cannot multiply the load of an overloaded fleet.
     *
     * @param retries attempts after the first
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
     * Whether a request whose connection broke after it was sent but before any answer is retried
     * on another endpoint; default {@code true}, because inference has no side effects (the dead
     * server may have computed it, and its answer is lost). {@code false} retries only requests
     * that were certainly never delivered.
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
      this.ejectFor = positive(first);
      this.maxEjectFor = positive(max);
      if (max.compareTo(first) < 0) {
        throw new IllegalArgumentException("max ejection " + max + " < first " + first);
      }
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
     * The version on the server ({@code "3"}, or for a maasdk endpoint any selector such as {@code
     * "stable"}); default: the spec's version as {@link OipVersions#toProtocol} writes it.
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
     * Calls {@code /v2/models/{name}/infer} without a version: the server picks.
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
     * TLS with this context (its trust decides which servers are accepted).
     *
     * @param context the TLS context for HTTPS
     * @return this builder
     */
    public Builder sslContext(SSLContext context) {
      this.ssl = Objects.requireNonNull(context, "context");
      return this;
    }

    /**
     * TLS trusting the certificates in {@code trustStore} (e.g. a private CA), instead of the JDK's
     * default trust.
     *
     * @throws IllegalArgumentException if the store cannot be used
     * @param trustStore the certificates trusted for HTTPS
     * @return this builder
     */
    public Builder trustStore(KeyStore trustStore) {
      try {
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        this.ssl = ctx;
      } catch (GeneralSecurityException e) {
        throw new IllegalArgumentException("cannot use the trust store: " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * {@code HTTP_2} (h2 with TLS; plaintext upgrades when the server agrees) or {@code HTTP_1_1}
     * (the default, which the JDK {@code HttpServer} speaks).
     *
     * @param version the HTTP version to use
     * @return this builder
     */
    public Builder httpVersion(HttpClient.Version version) {
      this.httpVersion = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * The header that carries {@link CallOptions#credentials()}: {@code name: prefix +
     * credentials}; default {@code Authorization: Bearer ...}.
     *
     * @param name the header name, e.g. {@code Authorization}
     * @param prefix put before the credentials, e.g. {@code "Bearer "}
     * @return this builder
     */
    public Builder credentialsHeader(String name, String prefix) {
      this.credentialsHeader = Objects.requireNonNull(name, "name");
      this.credentialsPrefix = Objects.requireNonNull(prefix, "prefix");
      return this;
    }

    /**
     * How long a connection may take to open; default 5 s.
     *
     * @param timeout a positive connect timeout
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout);
      return this;
    }

    /**
     * The request timeout for calls without a deadline, and for deploy's ready check; 60 s.
     *
     * @param timeout a positive deadline
     * @return this builder
     */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = positive(timeout);
      return this;
    }

    private static Duration positive(Duration d) {
      Objects.requireNonNull(d, "timeout");
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive, was " + d);
      }
      return d;
    }

    /**
     * @throws NullPointerException if the input or output codec is not set
     * @return the backend, ready to be given to a runtime
     */
    public RemoteBackend build() {
      return new RemoteBackend(this);
    }
  }
}
