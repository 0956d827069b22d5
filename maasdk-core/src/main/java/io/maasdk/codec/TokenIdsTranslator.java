package io.maasdk.codec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.spi.InputValidator;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Token ids in ({@code long[]} or {@code int[]}, already tokenized), {@code float[]} out, for
 * models that take {@code int64 [B, L]} token ids, optionally with an {@code attention_mask} and
 * {@code token_type_ids} of the same shape, as named inputs.
 *
 * <p><b>Padding rules.</b> Inputs are padded on the right with the pad id (default 0) and the
 * attention mask is 1 on real tokens and 0 on padding: to the longest input of each batch (the
 * default; one input alone is not padded), or to a fixed length ({@link Builder#fixedLength}) for
 * models exported with a static sequence axis. An input longer than the maximum length is refused
 * before it is queued, never truncated silently.
 *
 * <p><b>Output.</b> The model's first output, row-major, one {@code float[]} per input: {@code [B,
 * C]} gives {@code float[C]}; an output with a sequence axis ({@code [B, L, H]}, its second
 * dimension the padded length) is cut to the input's own tokens, {@code float[n * H]}, so an input
 * gets the same answer alone and in a batch of longer inputs (the deploy-time batch check compares
 * them).
 *
 * <p>Immutable and thread-safe; the {@code with…} methods return copies.
 */
public final class TokenIdsTranslator<I> implements Translator<I, float[]>, InputValidator<I> {
  private static final String LENGTHS = "maasdk.token_lengths";
  private static final String PADDED = "maasdk.padded_length";

  private final String type;
  private final Function<I, long[]> toLongs;
  private final int maxLength;
  private final int fixedLength;
  private final long padId;
  private final boolean attentionMask;
  private final boolean tokenTypes;

  private TokenIdsTranslator(
      String type,
      Function<I, long[]> toLongs,
      int maxLength,
      int fixedLength,
      long padId,
      boolean attentionMask,
      boolean tokenTypes) {
    if (maxLength <= 0) {
      throw new IllegalArgumentException("maximum length must be positive, was " + maxLength);
    }
    if (fixedLength < 0 || fixedLength > maxLength) {
      throw new IllegalArgumentException(
          "fixed length must be 1 to the maximum length " + maxLength + ", was " + fixedLength);
    }
    this.type = type;
    this.toLongs = toLongs;
    this.maxLength = maxLength;
    this.fixedLength = fixedLength;
    this.padId = padId;
    this.attentionMask = attentionMask;
    this.tokenTypes = tokenTypes;
  }

  static TokenIdsTranslator<long[]> ofLongs(int maxLength) {
    return new TokenIdsTranslator<>("long", long[]::clone, maxLength, 0, 0, true, false);
  }

  static TokenIdsTranslator<int[]> ofInts(int maxLength) {
    return new TokenIdsTranslator<>(
        "int",
        ids -> {
          long[] l = new long[ids.length];
          for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
          }
          return l;
        },
        maxLength,
        0,
        0,
        true,
        false);
  }

  /** A builder starting from this translator's settings, to derive a modified copy. */
  public Builder<I> toBuilder() {
    return new Builder<>(this);
  }

  /** The longest input accepted. */
  public int maxLength() {
    return fixedLength > 0 ? fixedLength : maxLength;
  }

  /** The number of tokens of {@code input}: for {@code ModelSpec.Builder#batchByLength}. */
  public int tokenCount(I input) {
    return toLongs.apply(input).length;
  }

  @Override
  public @Nullable String problem(I input) {
    if (input == null) {
      return "expected " + type + "[1.." + maxLength() + "] token ids, got null";
    }
    long[] ids = toLongs.apply(input);
    if (ids.length == 0 || ids.length > maxLength()) {
      return "expected "
          + type
          + "[1.."
          + maxLength()
          + "] token ids, got "
          + type
          + "["
          + ids.length
          + "]";
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0) {
        return "expected non-negative token ids, got " + ids[i] + " at index " + i;
      }
    }
    return null;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, I input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<I> inputs) {
    int b = inputs.size();
    List<long[]> rows = new ArrayList<>(b);
    int len = fixedLength;
    for (I input : inputs) {
      long[] ids = toLongs.apply(input);
      rows.add(ids);
      if (fixedLength == 0) {
        len = Math.max(len, ids.length);
      }
    }
    long[] ids = new long[b * len];
    long[] mask = new long[b * len];
    int[] lengths = new int[b];
    java.util.Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      long[] row = rows.get(i);
      int n = Math.min(row.length, len);
      lengths[i] = n;
      System.arraycopy(row, 0, ids, i * len, n);
      java.util.Arrays.fill(mask, i * len, i * len + n, 1L);
    }
    NDManager m = ctx.getNDManager();
    Shape shape = new Shape(b, len);
    NDList list = new NDList(3);
    list.add(named(m.create(LongBuffer.wrap(ids), shape), "input_ids"));
    if (attentionMask) {
      list.add(named(m.create(LongBuffer.wrap(mask), shape), "attention_mask"));
    }
    if (tokenTypes) {
      list.add(named(m.create(LongBuffer.wrap(new long[b * len]), shape), "token_type_ids"));
    }
    ctx.setAttachment(LENGTHS, lengths);
    ctx.setAttachment(PADDED, len);
    return list;
  }

  @Override
  public float[] processOutput(TranslatorContext ctx, NDList list) throws TranslateException {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public List<float[]> batchProcessOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    NDArray out = list.get(0);
    if (out.getDataType() != DataType.FLOAT32) {
      out = out.toType(DataType.FLOAT32, false);
    }
    int[] lengths = (int[]) ctx.getAttachment(LENGTHS);
    int padded = (Integer) ctx.getAttachment(PADDED);
    Shape shape = out.getShape();
    if (shape.dimension() == 0 || shape.get(0) != lengths.length) {
      throw new TranslateException(
          "expected an output [B, ...] with B = "
              + lengths.length
              + " from the model, got "
              + shape);
    }
    boolean sequence = shape.dimension() >= 3 && shape.get(1) == padded;
    int perItem = (int) (shape.size() / lengths.length);
    int perToken = sequence ? perItem / padded : perItem;
    float[] data = out.toFloatArray();
    List<float[]> result = new ArrayList<>(lengths.length);
    for (int i = 0; i < lengths.length; i++) {
      int n = sequence ? lengths[i] * perToken : perItem;
      float[] v = new float[n];
      System.arraycopy(data, i * perItem, v, 0, n);
      result.add(v);
    }
    return result;
  }

  private static NDArray named(NDArray a, String name) {
    a.setName(name);
    return a;
  }

  @Override
  public String toString() {
    return "TokenIdsTranslator["
        + type
        + "[1.."
        + maxLength()
        + "] -> float[], "
        + (fixedLength > 0 ? "padded to " + fixedLength : "padded to the longest")
        + " with "
        + padId
        + (attentionMask ? ", attention_mask" : "")
        + (tokenTypes ? ", token_type_ids" : "")
        + "]";
  }

  /**
   * Derives a {@link TokenIdsTranslator} from another ({@link TokenIdsTranslator#toBuilder()});
   * start from {@link Codecs#tokenIds} or {@link Codecs#intTokenIds}.
   *
   * @param <I> the input type
   */
  public static final class Builder<I> {
    private final TokenIdsTranslator<I> from;
    private int fixedLength;
    private long padId;
    private boolean attentionMask;
    private boolean tokenTypes;

    private Builder(TokenIdsTranslator<I> from) {
      this.from = from;
      this.fixedLength = from.fixedLength;
      this.padId = from.padId;
      this.attentionMask = from.attentionMask;
      this.tokenTypes = from.tokenTypes;
    }

    /** Pads with {@code padId} instead of 0 (the tokenizer's {@code [PAD]} id). */
    public Builder<I> padId(long padId) {
      this.padId = padId;
      return this;
    }

    /** Pads every input to {@code length} tokens (a model with a static sequence axis). */
    public Builder<I> fixedLength(int length) {
      if (length <= 0) {
        throw new IllegalArgumentException("fixed length must be positive, was " + length);
      }
      this.fixedLength = length;
      return this;
    }

    /**
     * Whether to also pass {@code token_type_ids}, all 0 (one segment), as BERT-style models expect
     * (default off).
     */
    public Builder<I> tokenTypes(boolean tokenTypes) {
      this.tokenTypes = tokenTypes;
      return this;
    }

    /** Whether to pass an {@code attention_mask} with {@code input_ids} (default on). */
    public Builder<I> attentionMask(boolean attentionMask) {
      this.attentionMask = attentionMask;
      return this;
    }

    /**
     * The translator.
     *
     * @throws IllegalArgumentException if the fixed length exceeds the maximum length
     */
    public TokenIdsTranslator<I> build() {
      return new TokenIdsTranslator<>(
          from.type, from.toLongs, from.maxLength, fixedLength, padId, attentionMask, tokenTypes);
    }
  }
}
