package io.maasdk.codec;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.maasdk.spi.InputValidator;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A sentence-embedding codec for BERT-style encoders (all-MiniLM-L6-v2, BGE, E5…) that take {@code
 * input_ids}, {@code attention_mask} and optionally {@code token_type_ids} ({@code int64 [B, L]})
 * and return token states {@code float32 [B, L, H]} (or already pooled {@code [B, H]}): {@code
 * String} in, {@code float[H]} out, mean-pooled over the real tokens and L2-normalized.
 *
 * <p>Built for serving text with batching. Tokenizing is the input's heavy pre-processing, and it
 * runs on the caller's thread, in parallel across callers, before the call is queued: the runtime
 * calls {@link #problem} (this codec is the spec's {@link InputValidator}) on the caller's thread,
 * which tokenizes and keeps the tokens for the worker (held by the input's identity and weakly, so
 * a call that never runs leaks nothing). A worker that finds no tokens for an input tokenizes it
 * itself. A batch is padded to its own longest input only; pair the codec with {@code
 * ModelSpec.Builder#batchByLength(codec::tokenCount)} so batches are split by length first. Pooling
 * and normalization run in plain Java on the output, not as engine tensor operations (on ONNX
 * Runtime those go through DJL's hybrid engine and copy).
 *
 * <pre>{@code
 * TextEmbeddingCodec codec = TextEmbeddingCodec.of(HuggingFaceTokenizer.newInstance(json, opts));
 * ModelSpec<String, float[]> spec = ModelSpec.builder("minilm", String.class, float[].class)
 *     .engine("OnnxRuntime")
 *     .translator(codec)
 *     .batching(BatchingPolicy.of(32, Duration.ofMillis(2)))
 *     .batchByLength(codec::tokenCount)
 *     ...
 * }</pre>
 *
 * <p>Thread-safe: one instance serves every replica and caller (the tokenizer is). Needs {@code
 * ai.djl.huggingface:tokenizers} on the class path (an optional dependency of maasdk-core). The
 * tokenizer's own settings (truncation, maximum length) apply; this codec adds no padding to a
 * single input.
 */
public final class TextEmbeddingCodec
    implements Translator<String, float[]>, InputValidator<String> {
  /** Bounds the tokens of calls validated but never run (refused as overloaded, say). */
  private static final int MAX_PENDING = 1 << 13;

  private static final String MASK = "maasdk.attention_mask";

  private final HuggingFaceTokenizer tokenizer;
  private final boolean tokenTypes;

  /** Tokens computed on callers' threads, by input identity, until a worker takes them. */
  private final Cache<String, Tokens> pending =
      Caffeine.newBuilder().weakKeys().maximumSize(MAX_PENDING).executor(Runnable::run).build();

  private TextEmbeddingCodec(HuggingFaceTokenizer tokenizer, boolean tokenTypes) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    this.tokenTypes = tokenTypes;
  }

  /**
   * A codec for a model that takes {@code token_type_ids} too (BERT, MiniLM).
   *
   * @param tokenizer the model's tokenizer
   * @return the codec
   */
  public static TextEmbeddingCodec of(HuggingFaceTokenizer tokenizer) {
    return new TextEmbeddingCodec(tokenizer, true);
  }

  /**
   * A codec for a model without a {@code token_type_ids} input (e.g. DistilBERT, XLM-R).
   *
   * @param tokenizer the model's tokenizer
   * @return the codec
   */
  public static TextEmbeddingCodec withoutTokenTypes(HuggingFaceTokenizer tokenizer) {
    return new TextEmbeddingCodec(tokenizer, false);
  }

  /**
   * Tokenizes {@code input} on the calling thread and keeps the tokens for the worker that will
   * compute it. Called by the runtime before a call is queued.
   *
   * @return {@code null}, or why the input cannot be embedded (null, or the tokenizer rejects it)
   */
  @Override
  public @Nullable String problem(String input) {
    if (input == null) {
      return "expected a String, got null";
    }
    try {
      pending.put(input, tokenize(input));
      return null;
    } catch (RuntimeException e) {
      return "the tokenizer rejected the text: " + e.getMessage();
    }
  }

  /**
   * The number of tokens {@code input} has, from the tokens {@link #problem} kept, else estimated
   * from its length (about 4 characters a token) without tokenizing. Cheap and thread-safe: meant
   * for {@code ModelSpec.Builder#batchByLength}.
   *
   * @param input the text
   * @return the token count, exact or estimated
   */
  public int tokenCount(String input) {
    Tokens t = pending.getIfPresent(input);
    return t != null ? t.ids.length : 2 + input.length() / 4;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, String input) {
    return toNDList(ctx, List.of(take(input)));
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<String> inputs) {
    List<Tokens> batch = new ArrayList<>(inputs.size());
    for (String s : inputs) {
      batch.add(take(s));
    }
    return toNDList(ctx, batch);
  }

  @Override
  public float[] processOutput(TranslatorContext ctx, NDList list) throws TranslateException {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public List<float[]> batchProcessOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    NDArray states = list.get(0);
    Shape shape = states.getShape();
    float[] data = states.toFloatArray();
    List<float[]> out;
    if (shape.dimension() == 2) { // already pooled: [B, H]
      int b = (int) shape.get(0);
      int h = (int) shape.get(1);
      out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        float[] v = new float[h];
        System.arraycopy(data, i * h, v, 0, h);
        out.add(normalize(v));
      }
      return out;
    }
    if (shape.dimension() != 3) {
      throw new TranslateException(
          "expected token states float32 [B, L, H] or pooled [B, H] from the model, got " + shape);
    }
    int b = (int) shape.get(0);
    int len = (int) shape.get(1);
    int h = (int) shape.get(2);
    long[] mask = (long[]) ctx.getAttachment(MASK);
    out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      float[] v = new float[h];
      int count = 0;
      for (int t = 0; t < len; t++) {
        if (mask != null && mask[i * len + t] == 0) {
          continue;
        }
        count++;
        int base = (i * len + t) * h;
        for (int k = 0; k < h; k++) {
          v[k] += data[base + k];
        }
      }
      if (count > 0) {
        for (int k = 0; k < h; k++) {
          v[k] /= count;
        }
      }
      out.add(normalize(v));
    }
    return out;
  }

  @Override
  public String toString() {
    return "TextEmbeddingCodec[mean pooling, normalized"
        + (tokenTypes ? ", token types" : "")
        + "]";
  }

  private Tokens take(String input) {
    Tokens t = pending.asMap().remove(input);
    return t != null ? t : tokenize(input);
  }

  private Tokens tokenize(String input) {
    Encoding e = tokenizer.encode(input);
    return new Tokens(e.getIds(), e.getTypeIds(), e.getAttentionMask());
  }

  /** Pads every input to the longest in this call; remembers the mask for pooling. */
  private NDList toNDList(TranslatorContext ctx, List<Tokens> batch) {
    NDManager manager = ctx.getNDManager();
    int b = batch.size();
    int len = 0;
    for (Tokens t : batch) {
      len = Math.max(len, t.ids.length);
    }
    long[] ids = new long[b * len];
    long[] mask = new long[b * len];
    long[] types = tokenTypes ? new long[b * len] : null;
    for (int i = 0; i < b; i++) {
      Tokens t = batch.get(i);
      System.arraycopy(t.ids, 0, ids, i * len, t.ids.length);
      System.arraycopy(t.mask, 0, mask, i * len, t.mask.length);
      if (types != null) {
        System.arraycopy(t.types, 0, types, i * len, t.types.length);
      }
    }
    Shape shape = new Shape(b, len);
    NDList list = new NDList(tokenTypes ? 3 : 2);
    list.add(named(manager.create(LongBuffer.wrap(ids), shape), "input_ids"));
    list.add(named(manager.create(LongBuffer.wrap(mask), shape), "attention_mask"));
    if (types != null) {
      list.add(named(manager.create(LongBuffer.wrap(types), shape), "token_type_ids"));
    }
    ctx.setAttachment(MASK, mask);
    return list;
  }

  private static NDArray named(NDArray a, String name) {
    a.setName(name);
    return a;
  }

  private static float[] normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    double norm = Math.max(Math.sqrt(sum), 1e-12);
    for (int k = 0; k < v.length; k++) {
      v[k] = (float) (v[k] / norm);
    }
    return v;
  }

  private record Tokens(long[] ids, long[] types, long[] mask) {}
}
