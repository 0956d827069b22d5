package io.maasdk.metrics;

import io.maasdk.spi.InferenceEvent;
import java.lang.reflect.Array;
import java.util.Collection;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Counts units of a kind that only the finished call knows: what it returned and what it cost to
 * compute — output tokens, items returned, device time. Register one per unit kind with {@link
 * UsageMeters.Builder#meter(String, String, CallMeter)}; each successful call's {@link UsageRecord}
 * then carries those units ({@link UsageRecord#extraUnits()}), and a {@link PricePlan} can price
 * each kind ({@link PricePlan.Builder#price(String, String, java.math.BigDecimal)}).
 *
 * <p>Only successful calls (computed or cache hits) are measured; a call without output has no
 * units of any kind. Quotas reserve on the input alone ({@link UsageMeter}), before a call: these
 * units are charged to a money budget after the call, so one call can take a money budget past its
 * limit by its own output's price, and the next call is then refused.
 *
 * <p>Implementations must be thread-safe, fast and side-effect free; they run on the thread that
 * finished the call. A meter that throws loses the call's record (counted as failed).
 */
@FunctionalInterface
public interface CallMeter {

  /**
   * The units of this kind {@code call} used; must be {@code >= 0}.
   *
   * @param call the completed call
   * @return the units it used
   */
  long units(InferenceEvent call);

  /**
   * One unit per item of output: the size of a {@link Collection}, or the length of an array of
   * arrays ({@code float[][]} is a batch of vectors); any other output is one item.
   *
   * @return the meter
   */
  static CallMeter outputItems() {
    return call -> {
      Object out = call.output();
      if (out == null) {
        return 0;
      }
      if (out instanceof Collection<?> c) {
        return c.size();
      }
      if (out.getClass().isArray() && out.getClass().getComponentType().isArray()) {
        return Array.getLength(out);
      }
      return 1;
    };
  }

  /**
   * One unit per token of a text output ({@code String}, {@code String[]} or a collection of text),
   * as {@code tokenizer} counts them.
   *
   * @param tokenizer the number of tokens in a text
   * @return the meter
   * @throws IllegalArgumentException from {@link #units} if the output is not text
   */
  static CallMeter outputTokens(ToLongFunction<String> tokenizer) {
    Objects.requireNonNull(tokenizer, "tokenizer");
    return call -> {
      Object out = call.output();
      if (out == null) {
        return 0;
      }
      if (out instanceof CharSequence s) {
        return tokenizer.applyAsLong(s.toString());
      }
      long sum = 0;
      if (out instanceof String[] a) {
        for (String s : a) {
          sum += tokenizer.applyAsLong(s);
        }
        return sum;
      }
      if (out instanceof Collection<?> c) {
        for (Object o : c) {
          sum += tokenizer.applyAsLong(String.valueOf(o));
        }
        return sum;
      }
      throw new IllegalArgumentException(
          "outputTokens meter needs text output from "
              + call.modelName()
              + ", got "
              + out.getClass().getSimpleName());
    };
  }

  /**
   * The input tokens the backend's server counted for the call ({@link
   * InferenceEvent#promptTokens()}: an OpenAI-compatible server's {@code usage}, which a remote
   * {@code OpenAiEmbeddingBackend} reports); none for a call whose backend does not count them, or
   * a cache hit.
   *
   * @return the meter
   */
  static CallMeter promptTokens() {
    return call -> Math.max(0, call.promptTokens());
  }

  /**
   * Device time in microseconds: the call's share of the engine time of the batch it ran in ({@link
   * InferenceEvent#inferenceNanos()} divided by {@link InferenceEvent#batchSize()}), rounded up; a
   * cache hit costs none. Priced per 1,000 units, that is a price per millisecond.
   *
   * @return the meter
   */
  static CallMeter computeMicros() {
    return call -> {
      if (call.cacheHit() || call.inferenceNanos() <= 0) {
        return 0;
      }
      long share = call.inferenceNanos() / Math.max(1, call.batchSize());
      return (share + 999) / 1000;
    };
  }
}
