package io.maasdk.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.listener.EmbeddingModelListener;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelHandle;
import io.maasdk.ModelNotFoundException;
import io.maasdk.OverloadedException;
import io.maasdk.Prediction;
import io.maasdk.QuotaExceededException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/**
 * A LangChain4j {@link EmbeddingModel} served by maasdk: every text is one call through a {@link
 * ModelHandle ModelHandle&lt;String, float[]&gt;}, so RAG ingestion and retrieval go through
 * maasdk's interceptors (access control, quotas), response cache, dynamic batching, metrics and
 * metering like any other call.
 *
 * <pre>{@code
 * EmbeddingModel embeddings = MaasdkEmbeddingModel.builder(runtime.handle("minilm", "^1.0",
 *         String.class, float[].class))
 *     .tenant("acme")
 *     .dimension(384)
 *     .build();
 * List<Embedding> vectors = embeddings.embedAll(segments).content();
 * }</pre>
 *
 * <p><b>Batching.</b> {@link #embedAll} queues all its segments at once and then waits for them, so
 * the model's batcher computes them together (and, with a {@code TextEmbeddingCodec}, tokenizes
 * them on the calling thread before they are queued). Results keep the segments' order.
 *
 * <p><b>Thread safety.</b> Thread-safe and immutable but for the dimension, measured once: share
 * one instance. The handle is thread-safe, and each replica's predictor is used by one worker.
 *
 * <p><b>Failures.</b> A maasdk failure is thrown as the LangChain4j exception of the same meaning,
 * with the maasdk exception as its cause and a message naming the model and version (the one that
 * failed, else the handle's selector) and, for {@code embedAll}, which segment: {@link
 * RateLimitException} for {@link OverloadedException} and {@link QuotaExceededException}
 * (retriable), {@link TimeoutException} for {@link DeadlineExceededException}, {@link
 * InvalidRequestException} for {@link InvalidInputException}, {@link
 * dev.langchain4j.exception.ModelNotFoundException} when nothing deployed matches the handle (the
 * version was undeployed), {@link AuthenticationException} for {@link AccessDeniedException}, and
 * {@link LangChain4jException} for the rest (the runtime is closed, the engine failed). When one
 * segment fails the others still queued are cancelled.
 *
 * <p><b>Token usage.</b> A handle reports no token counts, so {@code Response.tokenUsage()} is
 * {@code null} unless a {@link Builder#tokenCounter token counter} is set.
 *
 * <p><b>Quarkus.</b> quarkus-langchain4j uses an {@code EmbeddingModel} bean the application
 * provides. This class is final: declare the producer's type as the interface, so Quarkus proxies
 * the interface: {@code @Produces @ApplicationScoped EmbeddingModel embeddings(ModelRuntime rt)}.
 */
public final class MaasdkEmbeddingModel implements EmbeddingModel {
  private final ModelHandle<String, float[]> handle;
  private final CallOptions options;
  private final @Nullable ToIntFunction<String> tokenCounter;
  private final List<EmbeddingModelListener> listeners;

  /** Declared by the builder, else measured on first use; -1 until known. */
  private volatile int dimension;

  private final boolean dimensionDeclared;

  private MaasdkEmbeddingModel(Builder b) {
    this.handle = b.handle;
    this.options = b.options;
    this.tokenCounter = b.tokenCounter;
    this.listeners = List.copyOf(b.listeners);
    this.dimension = b.dimension;
    this.dimensionDeclared = b.dimension > 0;
  }

  /**
   * Embeds through {@code handle} with default call options, the dimension measured once.
   *
   * @param handle the embedding model's handle: text in, one vector out
   * @return the model, ready to use
   */
  public static MaasdkEmbeddingModel of(ModelHandle<String, float[]> handle) {
    return builder(handle).build();
  }

  /**
   * A builder for a model that embeds through {@code handle}.
   *
   * @param handle the embedding model's handle: text in, one vector out
   * @return a builder with default options, no token counter and no listeners
   */
  public static Builder builder(ModelHandle<String, float[]> handle) {
    return new Builder(handle);
  }

  /**
   * Embeds every input of {@code request}: all are queued before any is awaited, so they are
   * batched together. Called by {@link #embed(String)}, {@link #embed(dev.langchain4j.data.segment.
   * TextSegment)} and {@link #embedAll} after LangChain4j has checked the request and told the
   * listeners.
   */
  @Override
  public EmbeddingResponse doEmbed(EmbeddingRequest request) {
    List<EmbeddingInput> inputs = request.inputs();
    int n = inputs.size();
    List<String> texts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String text = inputs.get(i).text();
      if (text == null) {
        throw new InvalidRequestException(
            subject(null) + segment(i, n) + ": expected text to embed, got an input without text");
      }
      texts.add(text);
    }
    List<CompletableFuture<Prediction<float[]>>> futures = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        futures.add(handle.predictDetailedAsync(texts.get(i), options));
      }
    } catch (RuntimeException e) { // refused before a future existed (an interceptor, say)
      cancel(futures);
      throw translate(e, futures.size(), n);
    }
    List<Embedding> embeddings = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Prediction<float[]> p;
      try {
        p = futures.get(i).get();
      } catch (InterruptedException e) {
        cancel(futures);
        Thread.currentThread().interrupt();
        throw new LangChain4jException(
            subject(null)
                + ": interrupted while waiting for "
                + (n - i)
                + " of "
                + n
                + " embeddings",
            e);
      } catch (ExecutionException e) {
        cancel(futures);
        Throwable cause = e.getCause() == null ? e : e.getCause();
        while (cause instanceof CompletionException && cause.getCause() != null) {
          cause = cause.getCause();
        }
        throw translate(cause, i, n);
      }
      embeddings.add(new Embedding(checked(p, i, n)));
    }
    return EmbeddingResponse.builder()
        .embeddings(embeddings)
        .metadata(
            EmbeddingResponseMetadata.builder()
                .modelName(handle.modelName())
                .tokenUsage(tokenUsage(texts))
                .build())
        .build();
  }

  /** The embedding's length: the declared one, else measured once with one call. */
  @Override
  public int dimension() {
    int d = dimension;
    if (d < 0) {
      d = embed("dimension").content().dimension();
      dimension = d;
    }
    return d;
  }

  /** The handle's model name. */
  @Override
  public String modelName() {
    return handle.modelName();
  }

  @Override
  public List<EmbeddingModelListener> listeners() {
    return listeners;
  }

  /**
   * The handle this model embeds through.
   *
   * @return the handle given to the builder
   */
  public ModelHandle<String, float[]> handle() {
    return handle;
  }

  @Override
  public String toString() {
    return "MaasdkEmbeddingModel[" + handle.modelName() + " " + handle.selector() + "]";
  }

  private float[] checked(Prediction<float[]> p, int i, int n) {
    float[] v = p.output();
    if (dimensionDeclared && v.length != dimension) {
      throw new LangChain4jException(
          "maasdk embedding model "
              + p.modelName()
              + "@"
              + p.version()
              + segment(i, n)
              + ": expected a vector of the declared dimension "
              + dimension
              + ", got "
              + v.length);
    }
    return v;
  }

  private @Nullable TokenUsage tokenUsage(List<String> texts) {
    if (tokenCounter == null) {
      return null;
    }
    int sum = 0;
    for (String t : texts) {
      sum += tokenCounter.applyAsInt(t);
    }
    return new TokenUsage(sum, 0);
  }

  /** The LangChain4j exception for maasdk's failure {@code t} of segment {@code i} of {@code n}. */
  private RuntimeException translate(Throwable t, int i, int n) {
    String message =
        (t instanceof MaasdkException m ? subject(m) : subject(null))
            + segment(i, n)
            + ": "
            + t.getMessage();
    if (t instanceof OverloadedException || t instanceof QuotaExceededException) {
      return new RateLimitException(message, t);
    }
    if (t instanceof DeadlineExceededException) {
      return new TimeoutException(message, t);
    }
    if (t instanceof InvalidInputException) {
      return new InvalidRequestException(message, t);
    }
    if (t instanceof ModelNotFoundException) {
      return new dev.langchain4j.exception.ModelNotFoundException(message, t);
    }
    if (t instanceof AccessDeniedException) {
      return new AuthenticationException(message, t);
    }
    return new LangChain4jException(message, t);
  }

  /** {@code maasdk embedding model name@version}, the handle's selector if none was resolved. */
  private String subject(@Nullable MaasdkException m) {
    String name = m != null && m.modelName() != null ? m.modelName() : handle.modelName();
    String version =
        m != null && m.version() != null
            ? String.valueOf(m.version())
            : String.valueOf(handle.selector());
    return "maasdk embedding model " + name + "@" + version;
  }

  private static String segment(int i, int n) {
    return n == 1 ? "" : " (segment " + i + " of " + n + ")";
  }

  private static void cancel(List<? extends CompletableFuture<?>> futures) {
    for (CompletableFuture<?> f : futures) {
      f.cancel(false);
    }
  }

  /** Settings of a {@link MaasdkEmbeddingModel}. Not thread-safe; build once. */
  public static final class Builder {
    private final ModelHandle<String, float[]> handle;
    private CallOptions options = CallOptions.ofDefaults();
    private int dimension = -1;
    private @Nullable ToIntFunction<String> tokenCounter;
    private List<EmbeddingModelListener> listeners = List.of();

    private Builder(ModelHandle<String, float[]> handle) {
      this.handle = Objects.requireNonNull(handle, "handle");
    }

    /**
     * The options of every call (tenant, timeout, priority, credentials). Default: defaults.
     *
     * @param options the options each embedding call is made with
     * @return this builder
     */
    public Builder options(CallOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * Calls as {@code tenant} (quotas, metering, cache isolation); keeps the other options.
     *
     * @param tenant the tenant every call is made for
     * @return this builder
     */
    public Builder tenant(String tenant) {
      this.options = options.toBuilder().tenant(tenant).build();
      return this;
    }

    /**
     * The embedding's length, so {@link #dimension()} needs no call; every vector is checked
     * against it. Default: measured once with one call on first use.
     *
     * @param dimension the number of floats in every embedding, positive
     * @return this builder
     */
    public Builder dimension(int dimension) {
      if (dimension <= 0) {
        throw new IllegalArgumentException("dimension must be positive, was " + dimension);
      }
      this.dimension = dimension;
      return this;
    }

    /**
     * Counts a text's tokens for {@code Response.tokenUsage()} (input tokens; no output tokens).
     * Default: none, and the token usage is {@code null}.
     *
     * @param tokenCounter the number of tokens the model sees for a text
     * @return this builder
     */
    public Builder tokenCounter(ToIntFunction<String> tokenCounter) {
      this.tokenCounter = Objects.requireNonNull(tokenCounter, "tokenCounter");
      return this;
    }

    /**
     * LangChain4j listeners told of every request, response and error. Default: none.
     *
     * @param listeners the listeners, called in this order
     * @return this builder
     */
    public Builder listeners(List<EmbeddingModelListener> listeners) {
      this.listeners = List.copyOf(listeners);
      return this;
    }

    /**
     * Builds the model. No call is made: an undeclared dimension is measured on first use.
     *
     * @return the model
     */
    public MaasdkEmbeddingModel build() {
      return new MaasdkEmbeddingModel(this);
    }
  }
}
