package io.maasdk.examples;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.TextEmbeddingCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Hosts the real all-MiniLM-L6-v2 sentence-embedding model (ONNX, from the Maven registry) on DJL's
 * ONNX Runtime engine: 1.0.0 is the float model, 1.1.0 the quantized one. Ranks a few sentences by
 * cosine similarity to a query with each version.
 */
public final class Embeddings {
  static final List<String> SENTENCES =
      List.of(
          "The cat sits on the mat.",
          "A feline is resting on a rug.",
          "Stock markets fell sharply today.",
          "How do I bake sourdough bread?",
          "Kittens love to nap in the sun.");

  /**
   * A spec for one MiniLM variant: {@code file} is the ONNX resource, {@code tokenizer} its JSON.
   * Text is tokenized on the callers' threads, batches of up to 32 are split by token count, and
   * replicas and ONNX Runtime threads are left at maasdk's defaults, which use the cores: on the
   * CPU a replica per core; a call that runs alone computes on a session with a non-spinning
   * intra-op thread per core, calls that run together each on a single-threaded session (see the
   * README's "Embeddings"). Pin {@code replicas(1)} for the default before issue #18.
   *
   * @param version the version to deploy it as, e.g. {@code "1.0.0"}
   * @param file the classpath resource of the ONNX model
   * @param tokenizer the classpath resource of its tokenizer JSON
   * @return the spec, ready to deploy
   */
  public static ModelSpec<String, float[]> spec(String version, String file, String tokenizer) {
    return specBuilder(file, tokenizer).version(version).build();
  }

  /**
   * {@link #spec}'s settings, without a version, for variants (the benchmarks use it).
   *
   * @param file the classpath resource of the ONNX model
   * @param tokenizer the classpath resource of its tokenizer JSON
   * @return a builder to set the version and any overrides on
   */
  public static ModelSpec.Builder<String, float[]> specBuilder(String file, String tokenizer) {
    TextEmbeddingCodec codec = TextEmbeddingCodec.of(tokenizer(tokenizer));
    return ModelSpec.builder("minilm", String.class, float[].class)
        .engine("OnnxRuntime")
        .source(ModelSource.classpath(file))
        .translator(codec)
        .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
        .batchByLength(codec::tokenCount)
        .devicePolicy(DevicePolicy.cpu())
        .warmup("warm up");
  }

  /**
   * The Hugging Face tokenizer in classpath resource {@code json}, truncating at 256 tokens.
   *
   * @param json the classpath resource of the tokenizer JSON
   * @return the tokenizer
   * @throws IllegalStateException if the resource is not on the classpath
   */
  public static HuggingFaceTokenizer tokenizer(String json) {
    try (InputStream in = Embeddings.class.getClassLoader().getResourceAsStream(json)) {
      if (in == null) {
        throw new IllegalStateException("tokenizer " + json + " is not on the classpath");
      }
      return HuggingFaceTokenizer.newInstance(in, Map.of("maxLength", "256"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ModelRuntime deployBoth(ModelRuntime runtime) {
    runtime.deploy(spec("1.0.0", "all-minilm-l6-v2.onnx", "all-minilm-l6-v2-tokenizer.json"));
    runtime.deploy(spec("1.1.0", "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json"));
    return runtime;
  }

  /**
   * Cosine similarity of two normalized embeddings.
   *
   * @param a a normalized embedding
   * @param b another, of the same length
   * @return their cosine similarity, from -1 to 1
   */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  /** The sentences, most similar to {@code query} first. */
  static List<String> rank(ModelHandle<String, float[]> model, String query) {
    float[] q = model.predict(query);
    return SENTENCES.stream()
        .sorted(Comparator.comparingDouble((String s) -> -cosine(q, model.predict(s))))
        .toList();
  }

  /**
   * Ranks the example sentences by similarity to a query with both MiniLM versions and prints the
   * rankings.
   *
   * @param args the query, as words; a default query without any
   */
  public static void main(String[] args) {
    String query = args.length > 0 ? String.join(" ", args) : "Where is the cat sleeping?";
    try (ModelRuntime runtime = deployBoth(ModelRuntime.builder().build())) {
      for (String v : new String[] {"1.0.0", "1.1.0"}) {
        ModelHandle<String, float[]> model =
            runtime.handle("minilm", v, String.class, float[].class);
        System.out.printf(
            "%nminilm@%s (%s), query: %s%n", v, v.equals("1.0.0") ? "float" : "quantized", query);
        float[] q = model.predict(query);
        System.out.printf("  embedding: %d dimensions%n", q.length);
        for (String s : rank(model, query)) {
          System.out.printf("  %.3f  %s%n", cosine(q, model.predict(s)), s);
        }
      }
      Version v =
          runtime
              .handle("minilm", "latest", String.class, float[].class)
              .resolve(CallOptions.ofDefaults());
      System.out.println("\nlatest = " + v);
    }
  }

  private Embeddings() {}
}
