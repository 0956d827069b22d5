package io.maasdk.spring.boot.ai;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;

/**
 * A Spring AI {@link EmbeddingModel} served by maasdk: every text is one call through a {@link
 * ModelHandle ModelHandle&lt;String, float[]&gt;}, so it goes through maasdk's interceptors (access
 * control, quotas), response cache, dynamic batching, metrics and metering like any other call. A
 * request's texts are all queued at once, so the model's batcher can compute them together.
 *
 * <p><b>Thread safety.</b> Thread-safe: the handle is, and each replica's DJL predictor is used by
 * one worker thread only (unlike a single shared ONNX session).
 *
 * <p><b>Failures.</b> maasdk's exceptions ({@code InvalidInputException}, {@code
 * OverloadedException}, {@code QuotaExceededException}, …) are thrown as they are, naming the model
 * and version; when one text of a request fails, the others still queued are cancelled.
 */
public final class MaasdkEmbeddingModel implements EmbeddingModel {
  private final ModelHandle<String, float[]> handle;
  private final CallOptions options;
  private volatile int dimensions = -1;

  /**
   * Embeds through {@code handle} with default call options.
   *
   * @param handle a deployed model from text to an embedding
   */
  public MaasdkEmbeddingModel(ModelHandle<String, float[]> handle) {
    this(handle, CallOptions.ofDefaults());
  }

  /**
   * Embeds through {@code handle}, each call with {@code options} (tenant, timeout, priority).
   *
   * @param handle a deployed model from text to an embedding
   * @param options the options of every call
   */
  public MaasdkEmbeddingModel(ModelHandle<String, float[]> handle, CallOptions options) {
    this.handle = Objects.requireNonNull(handle, "handle");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Embeds every text of {@code request} (its options are ignored: the model is the handle's),
   * results in the request's order with their index.
   */
  @Override
  public EmbeddingResponse call(EmbeddingRequest request) {
    List<String> texts = request.getInstructions();
    List<CompletableFuture<float[]>> futures = new ArrayList<>(texts.size());
    for (String text : texts) {
      futures.add(handle.predictAsync(text, options));
    }
    List<Embedding> results = new ArrayList<>(texts.size());
    for (int i = 0; i < futures.size(); i++) {
      try {
        results.add(new Embedding(futures.get(i).join(), i));
      } catch (CompletionException e) {
        futures.forEach(f -> f.cancel(false));
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
    return new EmbeddingResponse(results);
  }

  /** One text, on the caller's thread when the model is idle. */
  @Override
  public float[] embed(String text) {
    return handle.predict(text, options);
  }

  /**
   * The document's text.
   *
   * @throws IllegalArgumentException if the document has no text (a media document)
   */
  @Override
  public float[] embed(Document document) {
    String text = document.getText();
    if (text == null) {
      throw new IllegalArgumentException(
          "document "
              + document.getId()
              + " has no text to embed"
              + " with "
              + handle.modelName()
              + " ("
              + handle.selector()
              + ")");
    }
    return embed(text);
  }

  /** The embedding's length, measured once with one call. */
  @Override
  public int dimensions() {
    int d = dimensions;
    if (d < 0) {
      d = embed("dimensions").length;
      dimensions = d;
    }
    return d;
  }

  @Override
  public String toString() {
    return "MaasdkEmbeddingModel[" + handle.modelName() + " " + handle.selector() + "]";
  }
}
