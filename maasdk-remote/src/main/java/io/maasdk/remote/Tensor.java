package io.maasdk.remote;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of the Open Inference Protocol: a data type, a shape and its data flattened in
 * row-major order. Immutable as far as this class goes: the data array is not copied (for speed),
 * so do not change it after handing it over. Thread-safe if the array is left alone.
 */
public final class Tensor {
  private final String name;
  private final DataType datatype;
  private final long[] shape;
  private final Object data;

  private Tensor(String name, DataType datatype, long[] shape, Object data) {
    this.name = name;
    this.datatype = datatype;
    this.shape = shape;
    this.data = data;
  }

  /**
   * A tensor of {@code datatype} with {@code data} (its {@link DataType#arrayType()}) flattened in
   * row-major order.
   *
   * @throws IllegalArgumentException if the array type does not match the data type, a dimension is
   *     negative, or the shape's element count differs from the data's length
   * @param name the tensor's name
   * @param datatype the element type
   * @param shape the dimensions
   * @param data the flattened elements, an array of {@code datatype}'s array type
   * @return the tensor
   */
  public static Tensor of(String name, DataType datatype, long[] shape, Object data) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (!datatype.arrayType().isInstance(data)) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' is "
              + datatype
              + " but its data"
              + " is "
              + data.getClass().getSimpleName()
              + ", expected "
              + datatype.arrayType().getSimpleName());
    }
    long count = elements(name, shape);
    int length = Array.getLength(data);
    if (count != length) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' has shape "
              + Arrays.toString(shape)
              + " ("
              + count
              + " elements) but "
              + length
              + " data values");
    }
    return new Tensor(name, datatype, shape.clone(), data);
  }

  /**
   * An FP32 tensor.
   *
   * @param name the tensor's name
   * @param shape the dimensions
   * @param data the flattened elements
   * @return the tensor
   */
  public static Tensor fp32(String name, long[] shape, float[] data) {
    return of(name, DataType.FP32, shape, data);
  }

  /**
   * An INT64 tensor.
   *
   * @param name the tensor's name
   * @param shape the dimensions
   * @param data the flattened elements
   * @return the tensor
   */
  public static Tensor int64(String name, long[] shape, long[] data) {
    return of(name, DataType.INT64, shape, data);
  }

  /**
   * A BYTES tensor of UTF-8 strings.
   *
   * @param name the tensor's name
   * @param shape the dimensions
   * @param data the flattened elements
   * @return the tensor
   */
  public static Tensor bytes(String name, long[] shape, String[] data) {
    return of(name, DataType.BYTES, shape, data);
  }

  static long elements(String name, long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "tensor '"
                + name
                + "' has a negative dimension in"
                + " shape "
                + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    return count;
  }

  /**
   * The tensor's name in the protocol ({@code "input"}, {@code "INPUT__0"}).
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The element type, which fixes the Java type of {@link #data()}.
   *
   * @return the data type
   */
  public DataType datatype() {
    return datatype;
  }

  /**
   * A copy of the shape.
   *
   * @return the dimensions, outermost first
   */
  public long[] shape() {
    return shape.clone();
  }

  int rank() {
    return shape.length;
  }

  long dim(int i) {
    return shape[i];
  }

  /**
   * The flattened data, an array of {@link DataType#arrayType()}; not a copy.
   *
   * @return the elements, flattened in row-major order
   */
  public Object data() {
    return data;
  }

  /**
   * The number of elements.
   *
   * @return the product of the dimensions
   */
  public int size() {
    return Array.getLength(data);
  }

  /**
   * The same tensor under another name.
   *
   * @param newName the name of the copy
   * @return a tensor sharing this one's shape and data
   */
  public Tensor withName(String newName) {
    return new Tensor(Objects.requireNonNull(newName, "name"), datatype, shape, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(shape, t.shape)
        && Arrays.deepEquals(new Object[] {data}, new Object[] {t.data});
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, datatype, Arrays.hashCode(shape), Arrays.deepHashCode(new Object[] {data}));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + ", " + datatype + " " + Arrays.toString(shape) + "]";
  }
}
