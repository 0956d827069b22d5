package io.maasdk.metrics;

import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Counts the billable units of one call from its input. The same meter serves metering (what a call
 * costs) and quotas (whether a call may start), so a budget and an invoice always agree.
 *
 * <p>Implementations must be thread-safe, fast and side-effect free: they run on the caller's
 * thread before a call (quotas) and on a worker thread after it (metering).
 */
@FunctionalInterface
public interface UsageMeter {

  /**
   * The units this input costs; must be {@code >= 0}.
   *
   * @param input the call's input
   * @return the units
   */
  long units(Object input);

  /**
   * One unit per call, whatever the input. The default.
   *
   * @return the meter
   */
  static UsageMeter perCall() {
    return input -> 1;
  }

  /**
   * One unit per item: the size of a {@link Collection}, or the length of an array of arrays
   * ({@code float[][]} is a batch of vectors); any other input is one item.
   *
   * @return the meter
   */
  static UsageMeter items() {
    return input -> {
      if (input instanceof Collection<?> c) {
        return c.size();
      }
      if (input.getClass().isArray() && input.getClass().getComponentType().isArray()) {
        return Array.getLength(input);
      }
      return 1;
    };
  }

  /**
   * One unit per byte of input: primitive arrays count their element size ({@code float[]} of 64 is
   * 256 bytes), arrays of arrays sum their elements, {@link CharSequence}s count UTF-8 bytes,
   * {@link ByteBuffer}s their remaining bytes.
   *
   * @return the meter
   * @throws IllegalArgumentException from {@link #units} for any other input type
   */
  static UsageMeter inputBytes() {
    return UsageMeter::bytesOf;
  }

  /**
   * One unit per token of a text input, as {@code tokenizer} counts them (for example a Hugging
   * Face tokenizer's encoding length). Inputs that are collections of text sum their elements.
   *
   * @param tokenizer the number of tokens in a text
   * @return the meter
   */
  static UsageMeter tokens(ToLongFunction<String> tokenizer) {
    Objects.requireNonNull(tokenizer, "tokenizer");
    return input -> {
      if (input instanceof CharSequence s) {
        return tokenizer.applyAsLong(s.toString());
      }
      if (input instanceof Collection<?> c) {
        long sum = 0;
        for (Object o : c) {
          sum += tokenizer.applyAsLong(String.valueOf(o));
        }
        return sum;
      }
      if (input instanceof String[] a) {
        long sum = 0;
        for (String s : a) {
          sum += tokenizer.applyAsLong(s);
        }
        return sum;
      }
      throw new IllegalArgumentException(
          "tokens meter needs text input, got " + input.getClass().getSimpleName());
    };
  }

  private static long bytesOf(Object input) {
    if (input instanceof byte[] a) {
      return a.length;
    }
    if (input instanceof CharSequence s) {
      return s.toString().getBytes(StandardCharsets.UTF_8).length;
    }
    if (input instanceof ByteBuffer b) {
      return b.remaining();
    }
    Class<?> type = input.getClass();
    if (type.isArray()) {
      Class<?> component = type.getComponentType();
      int n = Array.getLength(input);
      if (component.isPrimitive()) {
        long size =
            component == long.class || component == double.class
                ? 8
                : component == int.class || component == float.class
                    ? 4
                    : component == short.class || component == char.class ? 2 : 1;
        return n * size;
      }
      long sum = 0;
      for (int i = 0; i < n; i++) {
        Object element = Array.get(input, i);
        if (element != null) {
          sum += bytesOf(element);
        }
      }
      return sum;
    }
    throw new IllegalArgumentException(
        "inputBytes meter cannot size a "
            + type.getName()
            + "; use arrays, text or ByteBuffer, or a custom UsageMeter");
  }
}
