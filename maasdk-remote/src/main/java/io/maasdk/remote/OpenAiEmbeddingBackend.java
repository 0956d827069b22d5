package io.maasdk.remote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Backend} for a {@code String -> float[]} version computed by an OpenAI-compatible
 * embeddings API elsewhere ({@code POST {base}/embeddings}): OpenAI, vLLM, Ollama, TGI, KServe's
 * generative runtimes, or another maasdk process ({@link OpenAiEndpoint}). The version is then
 * listed, pinned, aliased (split with a local embedding model), cached, metered, quota-checked,
 * access-controlled and circuit-broken like a local one; its calls report the device {@code
 * remote:host:port}.
 *
 * <pre>{@code
 * runtime.deploy(ModelSpec.builder("embed", String.class, float[].class)
 *     .version("1.0.0")
 *     .backend(OpenAiEmbeddingBackend.builder(URI.create("http://vllm:8000/v1"))
 *         .model("BAAI/bge-small-en-v1.5")            // default: the spec's name
 *         .build())
 *     .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))   // one request per batch
 *     .build());
 * }</pre>
 *
 * <p><b>Calls.</b> One batch of the version's dynamic batcher is one request ({@code "input"} an
 * array); calls of one batch with different {@link CallOptions#credentials()} go as one request per
 * credential. The credentials (the API key) go as {@code Authorization: Bearer <credentials>} and
 * are never logged nor put in a message. A call's deadline becomes the request's timeout; a request
 * whose calls' deadlines have all passed is never sent.
 *
 * <p><b>Tokens.</b> The answer's {@code usage.prompt_tokens} reaches metering as each call's {@link
 * io.maasdk.spi.InferenceEvent#promptTokens()} (count it with {@code CallMeter.promptTokens()} of
 * maasdk-metrics). The server counts a request, not each text: for a batch of several texts, the
 * count is shared out in proportion to the texts' lengths, so the batch's calls add up to exactly
 * what the server counted.
 *
 * <p><b>Failures</b> map to maasdk's: 400/413/422 → {@link InvalidInputException}, 401/403 → {@link
 * AccessDeniedException}, 429 → {@link OverloadedException}, 408/504 and request timeouts → {@link
 * DeadlineExceededException}, 404, 503 and connection failures → {@link ModelUnavailableException}
 * (the breaker counts it; an alias's fallback takes over). One endpoint; for a fleet with failover,
 * use {@link RemoteBackend} over the Open Inference Protocol.
 *
 * <p>Immutable and thread-safe; each replica's session has its own {@link HttpClient}.
 */
public final class OpenAiEmbeddingBackend implements Backend {
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
          .build();

  private final URI base;
  private final @Nullable String model;
  private final @Nullable SSLContext ssl;
  private final HttpClient.Version httpVersion;
  private final Duration connectTimeout;
  private final Duration defaultTimeout;
  private final boolean checkAtDeploy;

  private OpenAiEmbeddingBackend(Builder b) {
    this.base = b.base;
    this.model = b.model;
    this.ssl = b.ssl;
    this.httpVersion = b.httpVersion;
    this.connectTimeout = b.connectTimeout;
    this.defaultTimeout = b.defaultTimeout;
    this.checkAtDeploy = b.checkAtDeploy;
  }

  /**
   * Starts a backend for the API at {@code base}, the URI before {@code /embeddings} (e.g. {@code
   * https://api.openai.com/v1}, {@code http://vllm:8000/v1}).
   *
   * @throws IllegalArgumentException if it is not an absolute http(s) URI with a host
   * @param base the server's base URI, e.g. {@code https://host/v1}
   * @return a builder to configure the model and transport
   */
  public static Builder builder(URI base) {
    return new Builder(base);
  }

  @Override
  public String engine() {
    return "openai-embeddings";
  }

  /**
   * {@code remote:host:port}, the device its calls report.
   *
   * @return the server, as this backend reports its device
   */
  public String device() {
    int port = base.getPort() >= 0 ? base.getPort() : base.getScheme().equals("https") ? 443 : 80;
    return "remote:" + base.getHost() + ":" + port;
  }

  @Override
  public List<Placement> place(ModelSpec<?, ?> spec) {
    List<Placement> out = new ArrayList<>(spec.replicas());
    for (int r = 0; r < spec.replicas(); r++) {
      out.add(new Placement(r, device(), "OpenAI-compatible endpoint " + base));
    }
    return out;
  }

  /**
   * Checks the spec is {@code String -> float[]} and, unless {@link Builder#skipDeployCheck()},
   * that the server lists the model ({@code GET {base}/models}).
   *
   * @throws ModelLoadException naming the model, the version and the server's answer otherwise
   */
  @Override
  public <I, O> Loaded<I, O> load(ModelSpec<I, O> spec, Placement placement) {
    if (spec.inputType() != String.class || spec.outputType() != float[].class) {
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
              + " but an OpenAI-compatible embeddings backend"
              + " computes String -> float[]");
    }
    @SuppressWarnings("unchecked")
    Loaded<I, O> target = (Loaded<I, O>) new Target((ModelSpec<String, float[]>) spec);
    if (checkAtDeploy) {
      ((Target) target).check();
    }
    return target;
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

  private URI resolve(String suffix) {
    String b = base.toString();
    return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + suffix);
  }

  @Override
  public String toString() {
    return "openai-embeddings+" + base + " (model " + (model == null ? "<spec name>" : model) + ")";
  }

  /** The answer to one request: vectors in input order, and the server's token count. */
  record Answer(List<float[]> vectors, long promptTokens) {}

  /** One version on the remote server. */
  private final class Target implements Loaded<String, float[]> {
    private final ModelSpec<String, float[]> spec;
    private final String remoteModel;
    private final String subject;

    Target(ModelSpec<String, float[]> spec) {
      this.spec = spec;
      this.remoteModel = model != null ? model : spec.name();
      this.subject =
          spec.name()
              + "@"
              + spec.version()
              + " (remote "
              + resolve("/embeddings")
              + ", model "
              + remoteModel
              + ")";
    }

    /** The server must list the model ({@code GET {base}/models}, which every such API has). */
    void check() {
      URI uri = resolve("/models");
      String problem;
      try {
        HttpResponse<byte[]> r =
            newClient()
                .send(
                    HttpRequest.newBuilder(uri).GET().timeout(defaultTimeout).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          problem = uri + " answered " + r.statusCode() + ": " + errorMessage(r.body());
        } else {
          List<String> ids = modelIds(r.body());
          problem =
              ids.contains(remoteModel)
                  ? null
                  : uri
                      + " does not list model '"
                      + remoteModel
                      + "'; it lists "
                      + (ids.size() > 20 ? ids.subList(0, 20) + "..." : ids);
        }
      } catch (IOException e) {
        problem = uri + " failed: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ModelLoadException(
            spec.name(), spec.version(), "cannot deploy " + subject + ": interrupted", e);
      }
      if (problem != null) {
        throw new ModelLoadException(
            spec.name(),
            spec.version(),
            "cannot deploy "
                + subject
                + ": "
                + problem
                + " (a server that does not list its models can be used with"
                + " skipDeployCheck())");
      }
    }

    @Override
    public Session<String, float[]> newSession() {
      HttpClient client = newClient();
      return new Session<>() {
        private long @Nullable [] tokens;

        @Override
        public List<float[]> predict(List<Call<String>> calls) {
          tokens = null;
          List<float[]> out = new ArrayList<>(calls.size());
          long[] counted = new long[calls.size()];
          // One request per distinct credential (almost always one for the whole batch).
          Map<String, List<Integer>> groups = new LinkedHashMap<>();
          for (int i = 0; i < calls.size(); i++) {
            String c = calls.get(i).options().credentials();
            groups.computeIfAbsent(c == null ? "" : c, k -> new ArrayList<>()).add(i);
            out.add(null);
          }
          for (List<Integer> idx : groups.values()) {
            List<Call<String>> part = new ArrayList<>(idx.size());
            idx.forEach(i -> part.add(calls.get(i)));
            Answer a = request(client, part);
            long[] shares = share(a.promptTokens(), part);
            for (int k = 0; k < idx.size(); k++) {
              out.set(idx.get(k), a.vectors().get(k));
              counted[idx.get(k)] = shares[k];
            }
          }
          tokens = counted;
          return out;
        }

        @Override
        public long @Nullable [] promptTokens() {
          return tokens;
        }

        @Override
        public void close() {}
      };
    }

    private Answer request(HttpClient client, List<Call<String>> calls) {
      Duration timeout = null;
      boolean unbounded = false;
      List<String> inputs = new ArrayList<>(calls.size());
      for (Call<String> c : calls) {
        inputs.add(c.input());
        if (c.timeLeft() == null) {
          unbounded = true;
        } else if (timeout == null || c.timeLeft().compareTo(timeout) > 0) {
          timeout = c.timeLeft();
        }
      }
      Duration left = unbounded || timeout == null ? defaultTimeout : timeout;
      if (left.isZero() || left.isNegative()) {
        throw new DeadlineExceededException(
            spec.name(),
            spec.version(),
            "call to " + subject + " passed its deadline before it was sent; it was not sent");
      }
      HttpRequest.Builder rb =
          HttpRequest.newBuilder(resolve("/embeddings"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(remoteModel, inputs)))
              .timeout(left);
      if (!unbounded) {
        rb.header(RemoteBackend.TIMEOUT_HEADER, Long.toString(Math.max(1, left.toMillis())));
      }
      String credentials = calls.get(0).options().credentials();
      if (credentials != null) {
        rb.header("Authorization", "Bearer " + credentials);
      }
      HttpResponse<byte[]> r;
      try {
        r = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (HttpConnectTimeoutException e) {
        throw unavailable("could not connect within " + connectTimeout, e);
      } catch (HttpTimeoutException e) {
        if (unbounded) {
          throw unavailable("no answer within " + defaultTimeout, e);
        }
        throw new DeadlineExceededException(
            spec.name(),
            spec.version(),
            "call to "
                + subject
                + " did not finish within its timeout ("
                + left.toMillis()
                + " ms left when sent)",
            e);
      } catch (IOException e) {
        throw unavailable(e.toString(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable("interrupted", e);
      }
      return answer(r, calls.size(), credentials != null);
    }

    private Answer answer(HttpResponse<byte[]> r, int n, boolean sentCredentials) {
      int status = r.statusCode();
      if (status == 200) {
        Answer a;
        try {
          a = parseResponse(r.body());
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException(
              subject + " answered a body that is not an embeddings" + " list: " + e.getMessage(),
              e);
        }
        if (a.vectors().size() != n) {
          throw new IllegalStateException(
              subject + " answered " + a.vectors().size() + " embeddings for " + n + " inputs");
        }
        return a;
      }
      String error = errorMessage(r.body());
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

    private ModelUnavailableException unavailable(String why, Exception cause) {
      return new ModelUnavailableException(
          spec.name(), spec.version(), subject + " cannot be reached: " + why, cause);
    }

    @Override
    public void close() {}
  }

  /**
   * {@code total} tokens shared out over {@code calls} in proportion to their texts' lengths
   * (largest remainders), so the shares add up to {@code total}.
   */
  static long[] share(long total, List<Backend.Call<String>> calls) {
    long[] out = new long[calls.size()];
    if (calls.size() == 1) {
      out[0] = total;
      return out;
    }
    long chars = 0;
    for (Backend.Call<String> c : calls) {
      chars += Math.max(1, c.input().length());
    }
    long given = 0;
    double[] rest = new double[out.length];
    for (int i = 0; i < out.length; i++) {
      double exact = (double) total * Math.max(1, calls.get(i).input().length()) / chars;
      out[i] = (long) Math.floor(exact);
      rest[i] = exact - out[i];
      given += out[i];
    }
    for (long left = total - given; left > 0; left--) {
      int best = 0;
      for (int i = 1; i < rest.length; i++) {
        if (rest[i] > rest[best]) {
          best = i;
        }
      }
      out[best]++;
      rest[best] = -1;
    }
    return out;
  }

  static byte[] requestBody(String model, List<String> inputs) {
    return OipJson.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("model", model);
          g.writeArrayFieldStart("input");
          for (String s : inputs) {
            g.writeString(s);
          }
          g.writeEndArray();
          g.writeStringField("encoding_format", "float");
          g.writeEndObject();
        });
  }

  /** Reads {@code data[].embedding} (by {@code index}) and {@code usage.prompt_tokens}. */
  static Answer parseResponse(byte[] body) {
    Map<Integer, float[]> byIndex = new java.util.TreeMap<>();
    long tokens = 0;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("data") && t == JsonToken.START_ARRAY) {
          int position = 0;
          while (p.nextToken() == JsonToken.START_OBJECT) {
            Integer index = null;
            float[] vector = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("index") && v == JsonToken.VALUE_NUMBER_INT) {
                index = p.getIntValue();
              } else if (f.equals("embedding") && v == JsonToken.START_ARRAY) {
                vector = floats(p);
              } else if (f.equals("embedding") && v == JsonToken.VALUE_STRING) {
                vector = base64(p.getText());
              } else {
                p.skipChildren();
              }
            }
            if (vector == null) {
              throw new IllegalArgumentException("data[" + position + "] has no embedding");
            }
            byIndex.put(index != null ? index : position, vector);
            position++;
          }
        } else if (field.equals("usage") && t == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken v = p.nextToken();
            if (f.equals("prompt_tokens") && v == JsonToken.VALUE_NUMBER_INT) {
              tokens = Math.max(0, p.getLongValue());
            } else {
              p.skipChildren();
            }
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
    List<float[]> vectors = new ArrayList<>(byIndex.size());
    int expect = 0;
    for (Map.Entry<Integer, float[]> e : byIndex.entrySet()) {
      if (e.getKey() != expect++) {
        throw new IllegalArgumentException("data indexes are not 0.." + (byIndex.size() - 1));
      }
      vectors.add(e.getValue());
    }
    return new Answer(vectors, tokens);
  }

  private static float[] floats(JsonParser p) throws IOException {
    float[] buf = new float[384];
    int n = 0;
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
        throw new IllegalArgumentException("an embedding holds a non-number");
      }
      if (n == buf.length) {
        buf = java.util.Arrays.copyOf(buf, n * 2);
      }
      buf[n++] = p.getFloatValue();
    }
    return java.util.Arrays.copyOf(buf, n);
  }

  private static float[] base64(String text) {
    byte[] bytes = java.util.Base64.getDecoder().decode(text);
    float[] out = new float[bytes.length / 4];
    java.nio.ByteBuffer.wrap(bytes)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(out);
    return out;
  }

  /** The {@code data[].id}s of a model list; empty if the body is not one. */
  static List<String> modelIds(byte[] body) {
    List<String> ids = new ArrayList<>();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return ids;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("data") && t == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("id") && v == JsonToken.VALUE_STRING) {
                ids.add(p.getText());
              } else {
                p.skipChildren();
              }
            }
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not a model list: no ids
    }
    return ids;
  }

  /** {@code error.message} of an OpenAI error body, else the body's first 200 characters. */
  static String errorMessage(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          if (field.equals("error") && t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("message") && v == JsonToken.VALUE_STRING) {
                return p.getText();
              }
              p.skipChildren();
            }
          } else if (field.equals("error") && t == JsonToken.VALUE_STRING) {
            return p.getText();
          } else {
            p.skipChildren();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // not JSON: fall through to the raw text
    }
    String s = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Configures an {@link OpenAiEmbeddingBackend}; not thread-safe. */
  public static final class Builder {
    private final URI base;
    private @Nullable String model;
    private @Nullable SSLContext ssl;
    private HttpClient.Version httpVersion = HttpClient.Version.HTTP_1_1;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration defaultTimeout = Duration.ofSeconds(60);
    private boolean checkAtDeploy = true;

    private Builder(URI base) {
      Objects.requireNonNull(base, "base");
      if (!base.isAbsolute()
          || base.getHost() == null
          || !("http".equals(base.getScheme()) || "https".equals(base.getScheme()))) {
        throw new IllegalArgumentException(
            "base must be http(s)://host[:port][/prefix], was " + base);
      }
      if (base.getUserInfo() != null || base.getQuery() != null) {
        throw new IllegalArgumentException(
            "base must not carry user info or a query; pass the"
                + " API key with CallOptions.credentials");
      }
      this.base = base;
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
     * {@code HTTP_2} or {@code HTTP_1_1} (the default).
     *
     * @param version the HTTP version to use
     * @return this builder
     */
    public Builder httpVersion(HttpClient.Version version) {
      this.httpVersion = Objects.requireNonNull(version, "version");
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
     * The request timeout for calls without a deadline, and for the deploy check; 60 s.
     *
     * @param timeout a positive deadline
     * @return this builder
     */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = positive(timeout);
      return this;
    }

    /**
     * Deploys without asking the server for its model list ({@code GET {base}/models}).
     *
     * @return this builder
     */
    public Builder skipDeployCheck() {
      this.checkAtDeploy = false;
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
     * Builds the backend.
     *
     * @return the backend, ready to be given to a runtime
     */
    public OpenAiEmbeddingBackend build() {
      return new OpenAiEmbeddingBackend(this);
    }
  }
}
