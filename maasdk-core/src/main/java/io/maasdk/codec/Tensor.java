package io.maasdk.codec;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One tensor of one input or output, without the batch dimension: its shape and its values in
 * row-major order, as a {@code float[]} (float32), {@code long[]} (int64) or {@code int[]} (int32).
 * Used by {@link Codecs#namedTensors} for models with several named inputs or outputs.
 *
 * @param shape the dimensions, without the batch dimension ({@code []} for a scalar)
 * @param data {@code float[]}, {@code long[]} or {@code int[]}, with as many values as {@code
 *     shape} holds
 */
public record Tensor(long[] shape, Object data) {
  /**
   * Checks that {@code data} is a supported array with as many values as {@code shape}, and copies
   * the shape.
   *
   * @param shape the dimensions, without the batch dimension ({@code []} for a scalar)
   * @param data {@code float[]}, {@code long[]} or {@code int[]}, with as many values as {@code
   *     shape} holds
   */
  public Tensor {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    shape = shape.clone();
    long size = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      size *= d;
    }
    int length;
    if (data instanceof float[] f) {
      length = f.length;
    } else if (data instanceof long[] l) {
      length = l.length;
    } else if (data instanceof int[] i) {
      length = i.length;
    } else {
      throw new IllegalArgumentException(
          "a tensor holds float[], long[] or int[], not " + data.getClass().getSimpleName());
    }
    if (length != size) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + size + " values, got " + length);
    }
  }

  /**
   * A float32 tensor.
   *
   * @param data the values, row-major
   * @param shape the dimensions without the batch dimension; their product is {@code data.length}
   * @return the tensor
   */
  public static Tensor of(float[] data, long... shape) {
    return new Tensor(shape, data);
  }

  /**
   * An int64 tensor (token ids, masks).
   *
   * @param data the values, row-major
   * @param shape the dimensions without the batch dimension; their product is {@code data.length}
   * @return the tensor
   */
  public static Tensor of(long[] data, long... shape) {
    return new Tensor(shape, data);
  }

  /**
   * An int32 tensor.
   *
   * @param data the values, row-major
   * @param shape the dimensions without the batch dimension; their product is {@code data.length}
   * @return the tensor
   */
  public static Tensor of(int[] data, long... shape) {
    return new Tensor(shape, data);
  }

  /**
   * The tensor's dimensions.
   *
   * @return a copy of the shape
   */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * The values of a float32 tensor.
   *
   * @return the values, row-major
   */
  public float[] floats() {
    if (data instanceof float[] f) {
      return f;
    }
    throw new IllegalStateException("not a float32 tensor but " + typeName());
  }

  /**
   * The values of an int64 tensor.
   *
   * @return the values, row-major
   */
  public long[] longs() {
    if (data instanceof long[] l) {
      return l;
    }
    throw new IllegalStateException("not an int64 tensor but " + typeName());
  }

  /**
   * The values of an int32 tensor.
   *
   * @return the values, row-major
   */
  public int[] ints() {
    if (data instanceof int[] i) {
      return i;
    }
    throw new IllegalStateException("not an int32 tensor but " + typeName());
  }

  /**
   * {@code float32}, {@code int64} or {@code int32}.
   *
   * @return the element type's name
   */
  public String typeName() {
    return data instanceof float[] ? "float32" : data instanceof long[] ? "int64" : "int32";
  }

  /** Equal shape, type and values. */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Tensor t
        && Arrays.equals(shape, t.shape)
        && java.util.Objects.deepEquals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.deepHashCode(new Object[] {data});
  }

  @Override
  public String toString() {
    return typeName() + Arrays.toString(shape);
  }
}
