package io.maasdk.remote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.sun.net.httpserver.HttpExchange;
import io.maasdk.CallOptions;
import io.maasdk.DeploymentInfo;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.Prediction;
import io.maasdk.VersionSelector;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI-compatible embeddings API ({@code POST /v1/embeddings}, {@code GET /v1/models}, {@code
 * GET /v1/models/{id}}) for hosted models whose output is a vector ({@code String -> float[]}, e.g.
 * a sentence-embedding model with {@link io.maasdk.codec.TextEmbeddingCodec}), so that OpenAI
 * clients (LangChain4j, Spring AI, the OpenAI SDKs) can call them. Mounted on an {@link OipServer},
 * it shares the server's port, TLS, credentials-to-tenant mapping, limits and threads:
 *
 * <pre>{@code
 * OipServer server = OipServer.builder(runtime)
 *     .mount("/v1", OpenAiEndpoint.builder()
 *         .embeddings("minilm", text -> tokenizer.encode(text).getIds().length)
 *         .build())
 *     .tenant(apiKey -> keys.tenantOf(apiKey))         // Authorization: Bearer <api key>
 *     .start();
 * }</pre>
 *
 * <p><b>Requests</b>: {@code {"model": "minilm", "input": "text" | ["text", ...]}}, optionally
 * {@code "encoding_format": "float" | "base64"} and {@code "dimensions"} (which must equal the
 * model's). {@code model} is a served model's name, optionally with a maasdk version selector after
 * a colon: {@code minilm:1.1.0}, {@code minilm:stable}, {@code minilm:^1}; without one, the latest
 * version answers. Each text is one call through the model's handle, so interceptors (access
 * control with the {@code Authorization: Bearer} credentials, quotas), aliases, the cache,
 * admission, batching across requests and listeners (metering, with the tenant from the
 * credentials) apply as to in-process calls. Token arrays as input are not supported (400).
 *
 * <p><b>Answers</b>: {@code {"object": "list", "data": [{"object": "embedding", "index": 0,
 * "embedding": [...]}], "model": ..., "usage": {"prompt_tokens": n, "total_tokens": n}}}, with
 * tokens counted by the model's token counter ({@link Builder#embeddings(String, ToIntFunction)}),
 * else estimated as one token per four characters.
 *
 * <p><b>Errors</b> are OpenAI's {@code {"error": {"message", "type", "param", "code"}}}: 400 {@code
 * invalid_request_error} (malformed JSON, empty or missing input, an input the model refuses), 401
 * {@code authentication_error} ({@code invalid_api_key}), 403 {@code permission_error}, 404 {@code
 * model_not_found}, 413 body over the server's limit, 429 {@code rate_limit_exceeded} (overloaded
 * or over quota, with {@code Retry-After}), 503 {@code service_unavailable}, 504 {@code timeout}. A
 * refused request never affects the next.
 *
 * <p>Immutable and thread-safe.
 */
public final class OpenAiEndpoint implements OipServer.Mount {
  /** The most texts one request may embed (OpenAI's limit). */
  public static final int MAX_INPUTS = 2048;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build())
          .build();

  private final Map<String, ToIntFunction<String>> models;

  private OpenAiEndpoint(Builder b) {
    this.models = Map.copyOf(b.models);
  }

  /**
   * Starts an endpoint; add the models it serves with {@link Builder#embeddings}.
   *
   * @return a builder to choose the models served
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Routes by the path under the mount's prefix: {@code /embeddings}, {@code /models[/id]}. */
  @Override
  public void handle(HttpExchange ex, OipServer.Context ctx) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String method = ex.getRequestMethod();
    if (path.endsWith("/embeddings")) {
      if (!method.equals("POST")) {
        throw new OipServer.Failure(405, path + " takes POST, not " + method);
      }
      embeddings(ex, ctx);
      return;
    }
    int models = path.lastIndexOf("/models");
    boolean list = path.endsWith("/models");
    if (list || models >= 0 && path.indexOf('/', models + 1) == models + "/models".length()) {
      if (!method.equals("GET") && !method.equals("HEAD")) {
        throw new OipServer.Failure(405, path + " takes GET, not " + method);
      }
      String id =
          list
              ? null
              : URLDecoder.decode(
                  path.substring(models + "/models/".length()), StandardCharsets.UTF_8);
      ctx.send(ex, 200, modelList(ctx.runtime(), id));
      return;
    }
    throw new OipServer.Failure(
        404, "no route " + path + "; this endpoint serves POST .../embeddings and GET .../models");
  }

  // ---------------------------------------------------------------- /v1/embeddings

  private record Request(
      String model, List<String> inputs, boolean base64, @Nullable Integer dimensions) {}

  private void embeddings(HttpExchange ex, OipServer.Context ctx) throws IOException {
    byte[] body = ctx.readBody(ex);
    Request req;
    try {
      req = parse(body);
    } catch (IllegalArgumentException e) {
      throw new OipServer.Failure(400, Objects.requireNonNullElse(e.getMessage(), e.toString()));
    }
    int colon = req.model().indexOf(':');
    String name = colon < 0 ? req.model() : req.model().substring(0, colon);
    ToIntFunction<String> tokens = models.get(name);
    if (tokens == null) {
      throw new OipServer.Failure(
          404,
          "The model '"
              + req.model()
              + "' does not exist; this"
              + " endpoint serves "
              + new TreeSet<>(models.keySet()));
    }
    VersionSelector selector;
    try {
      selector =
          colon < 0
              ? VersionSelector.latest()
              : VersionSelector.parse(req.model().substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new OipServer.Failure(
          400,
          "'"
              + req.model().substring(colon + 1)
              + "' in model '"
              + req.model()
              + "' is not a version, range or alias: "
              + e.getMessage());
    }
    CallOptions opts = ctx.callOptions(ex);
    boolean hadCredentials = opts.credentials() != null;
    ModelHandle<String, float[]> handle;
    try {
      handle = ctx.runtime().handle(name, selector, String.class, float[].class);
    } catch (MaasdkException e) {
      throw ctx.failure(e, hadCredentials);
    } catch (IllegalArgumentException e) {
      throw new OipServer.Failure(
          500, "model " + name + " does not take String -> float[]: " + e.getMessage());
    }
    List<CompletableFuture<Prediction<float[]>>> calls = new ArrayList<>(req.inputs().size());
    if (req.inputs().size() == 1) { // the caller runs a lone call itself when the model is idle
      try {
        calls.add(
            CompletableFuture.completedFuture(handle.predictDetailed(req.inputs().get(0), opts)));
      } catch (MaasdkException e) {
        calls.add(CompletableFuture.failedFuture(e));
      }
    } else {
      for (String input : req.inputs()) {
        calls.add(handle.predictDetailedAsync(input, opts));
      }
    }
    List<float[]> vectors = new ArrayList<>(calls.size());
    MaasdkException failed = null;
    for (CompletableFuture<Prediction<float[]>> f : calls) {
      try {
        vectors.add(f.get().output());
      } catch (ExecutionException | CompletionException e) {
        Throwable cause = e.getCause();
        if (failed == null) {
          failed =
              cause instanceof MaasdkException me
                  ? me
                  : new MaasdkException(name, null, String.valueOf(cause), cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        calls.forEach(c -> c.cancel(false));
        throw new OipServer.Failure(503, "the server is stopping", true);
      }
    }
    if (failed != null) {
      throw ctx.failure(failed, hadCredentials);
    }
    if (req.dimensions() != null && req.dimensions() != vectors.get(0).length) {
      throw new OipServer.Failure(
          400,
          "model '"
              + req.model()
              + "' makes embeddings of "
              + vectors.get(0).length
              + " dimensions; dimensions="
              + req.dimensions()
              + " is not supported");
    }
    long promptTokens = 0;
    for (String input : req.inputs()) {
      promptTokens += tokens.applyAsInt(input);
    }
    ctx.send(ex, 200, response(req.model(), vectors, req.base64(), promptTokens));
  }

  private static Request parse(byte[] body) {
    String model = null;
    List<String> inputs = null;
    boolean base64 = false;
    Integer dimensions = null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(
            "the body must be a JSON object with 'model' and" + " 'input'");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "model" -> {
            if (t != JsonToken.VALUE_STRING) {
              throw new IllegalArgumentException("'model' must be a string");
            }
            model = p.getText();
          }
          case "input" -> inputs = inputs(p, t);
          case "encoding_format" -> {
            String f = t == JsonToken.VALUE_NULL ? "float" : p.getText();
            if (!f.equals("float") && !f.equals("base64")) {
              throw new IllegalArgumentException(
                  "'encoding_format' must be 'float' or 'base64'," + " was '" + f + "'");
            }
            base64 = f.equals("base64");
          }
          case "dimensions" -> {
            if (t == JsonToken.VALUE_NUMBER_INT) {
              dimensions = p.getIntValue();
            } else if (t != JsonToken.VALUE_NULL) {
              throw new IllegalArgumentException("'dimensions' must be an integer");
            }
          }
          default -> p.skipChildren(); // user, and fields of later versions of the API
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new IllegalArgumentException("the body is not one JSON object");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + OipJson.firstLine(e.getMessage()), e);
    }
    if (model == null || model.isEmpty()) {
      throw new IllegalArgumentException("'model' is required");
    }
    if (inputs == null) {
      throw new IllegalArgumentException("'input' is required: a string or an array of strings");
    }
    return new Request(model, inputs, base64, dimensions);
  }

  private static List<String> inputs(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      if (s.isEmpty()) {
        throw new IllegalArgumentException("'input' is an empty string; expected non-empty text");
      }
      return List.of(s);
    }
    if (t != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("'input' must be a string or an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
      if (e != JsonToken.VALUE_STRING) {
        throw new IllegalArgumentException(
            "'input' must be a string or an array of strings;"
                + " item "
                + out.size()
                + " is "
                + (e == JsonToken.VALUE_NUMBER_INT || e == JsonToken.START_ARRAY
                    ? "a token array, which is not supported"
                    : "not a string"));
      }
      String s = p.getText();
      if (s.isEmpty()) {
        throw new IllegalArgumentException(
            "'input' item " + out.size() + " is an empty" + " string; expected non-empty text");
      }
      if (out.size() == MAX_INPUTS) {
        throw new IllegalArgumentException("'input' has more than " + MAX_INPUTS + " items");
      }
      out.add(s);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("'input' is an empty array; expected at least one text");
    }
    return out;
  }

  private static byte[] response(
      String model, List<float[]> vectors, boolean base64, long promptTokens) {
    return OipJson.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("object", "list");
          g.writeArrayFieldStart("data");
          for (int i = 0; i < vectors.size(); i++) {
            float[] v = vectors.get(i);
            g.writeStartObject();
            g.writeStringField("object", "embedding");
            g.writeNumberField("index", i);
            if (base64) {
              ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
              b.asFloatBuffer().put(v);
              g.writeStringField("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
              g.writeArrayFieldStart("embedding");
              for (float f : v) {
                g.writeNumber(f);
              }
              g.writeEndArray();
            }
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeStringField("model", model);
          g.writeObjectFieldStart("usage");
          g.writeNumberField("prompt_tokens", promptTokens);
          g.writeNumberField("total_tokens", promptTokens);
          g.writeEndObject();
          g.writeEndObject();
        });
  }

  // ---------------------------------------------------------------- /v1/models

  private byte[] modelList(ModelRuntime runtime, @Nullable String id) {
    Map<String, Long> ids = new LinkedHashMap<>(); // id -> created (epoch seconds)
    for (DeploymentInfo d : runtime.deployments()) {
      if (models.containsKey(d.modelName())) {
        ids.putIfAbsent(d.modelName(), 0L);
        ids.putIfAbsent(d.modelName() + ":" + d.version(), 0L);
      }
    }
    if (id != null) {
      if (!ids.containsKey(id)) {
        throw new OipServer.Failure(404, "The model '" + id + "' does not exist");
      }
      return OipJson.write(g -> model(g, id));
    }
    return OipJson.write(
        g -> {
          g.writeStartObject();
          g.writeStringField("object", "list");
          g.writeArrayFieldStart("data");
          for (String m : ids.keySet()) {
            model(g, m);
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  private static void model(JsonGenerator g, String id) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("object", "model");
    g.writeNumberField("created", 0);
    g.writeStringField("owned_by", "maasdk");
    g.writeEndObject();
  }

  // ---------------------------------------------------------------- errors

  /** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
  @Override
  public byte[] errorBody(int status, String message) {
    String type;
    String code;
    switch (status) {
      case 401 -> {
        type = "authentication_error";
        code = "invalid_api_key";
      }
      case 403 -> {
        type = "permission_error";
        code = "permission_denied";
      }
      case 404 -> {
        type = "invalid_request_error";
        code = message.startsWith("no route") ? "not_found" : "model_not_found";
      }
      case 413 -> {
        type = "invalid_request_error";
        code = "request_too_large";
      }
      case 429 -> {
        type = "rate_limit_error";
        code = "rate_limit_exceeded";
      }
      case 503 -> {
        type = "server_error";
        code = "service_unavailable";
      }
      case 504 -> {
        type = "server_error";
        code = "timeout";
      }
      default -> {
        type = status < 500 ? "invalid_request_error" : "server_error";
        code = status < 500 ? "invalid_request" : "internal_error";
      }
    }
    return OipJson.write(
        g -> {
          g.writeStartObject();
          g.writeObjectFieldStart("error");
          g.writeStringField("message", message);
          g.writeStringField("type", type);
          g.writeNullField("param");
          g.writeStringField("code", code);
          g.writeEndObject();
          g.writeEndObject();
        });
  }

  /** Configures an {@link OpenAiEndpoint}; not thread-safe. */
  public static final class Builder {
    private final Map<String, ToIntFunction<String>> models = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Serves model {@code name} (deployed {@code String -> float[]}) as embeddings, with usage
     * estimated as one token per four characters; prefer {@link #embeddings(String, ToIntFunction)}
     * with the model's tokenizer.
     *
     * @param name the deployed model to serve
     * @return this builder
     */
    public Builder embeddings(String name) {
      return embeddings(name, text -> Math.max(1, (text.length() + 3) / 4));
    }

    /**
     * Serves model {@code name} (deployed {@code String -> float[]}) as embeddings, counting a
     * text's tokens for {@code usage} with {@code tokens} (thread-safe; e.g. {@code text ->
     * tokenizer.encode(text).getIds().length}).
     *
     * @param name the deployed model to serve
     * @param tokens counts the tokens of an input, for the usage answered
     * @return this builder
     */
    public Builder embeddings(String name, ToIntFunction<String> tokens) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty() || name.indexOf(':') >= 0 || name.indexOf('/') >= 0) {
        throw new IllegalArgumentException(
            "a served model name has no ':' or '/', was '" + name + "'");
      }
      models.put(name, Objects.requireNonNull(tokens, "tokens"));
      return this;
    }

    /**
     * @throws IllegalStateException if no model is served
     * @return the endpoint, to mount on an {@link OipServer}
     */
    public OpenAiEndpoint build() {
      if (models.isEmpty()) {
        throw new IllegalStateException("no model to serve: call embeddings(name)");
      }
      return new OpenAiEndpoint(this);
    }
  }
}
