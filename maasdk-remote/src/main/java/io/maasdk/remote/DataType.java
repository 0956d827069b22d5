package io.maasdk.remote;

import java.util.Locale;

/**
 * The Open Inference Protocol's tensor data types that maasdk encodes, with the Java array that
 * holds a tensor's flattened data: {@code float[]}, {@code double[]}, {@code int[]}, {@code
 * long[]}, {@code boolean[]} and {@code String[]} (BYTES as UTF-8 text). Immutable.
 */
public enum DataType {
  /** 32-bit IEEE float, held in a {@code float[]}. */
  FP32(float[].class),
  /** 64-bit IEEE float, held in a {@code double[]}. */
  FP64(double[].class),
  /** 32-bit signed integer, held in an {@code int[]}. */
  INT32(int[].class),
  /** 64-bit signed integer, held in a {@code long[]}. */
  INT64(long[].class),
  /** Boolean, held in a {@code boolean[]}. */
  BOOL(boolean[].class),
  /** Byte strings, carried as UTF-8 text in JSON and held in a {@code String[]}. */
  BYTES(String[].class);

  private final Class<?> arrayType;

  DataType(Class<?> arrayType) {
    this.arrayType = arrayType;
  }

  /**
   * The Java array type holding this type's flattened data.
   *
   * @return the array class, e.g. {@code float[].class} for {@code FP32}
   */
  public Class<?> arrayType() {
    return arrayType;
  }

  /**
   * The type named {@code name} as the protocol spells it ({@code "FP32"}).
   *
   * @throws IllegalArgumentException naming the supported types if it is not one of them
   * @param name the protocol's spelling, in any case
   * @return the matching type
   */
  public static DataType parse(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "datatype '"
              + name
              + "' is not supported; use one of "
              + java.util.Arrays.toString(values()));
    }
  }
}
