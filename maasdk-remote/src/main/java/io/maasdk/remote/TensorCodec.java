package io.maasdk.remote;

import java.util.List;
import java.util.Map;

/**
 * Typed values ↔ named Open Inference Protocol tensors, a whole batch at a time: a batch of {@code
 * n} values is one set of tensors whose first dimension is {@code n}, so the dynamic batcher's
 * batch travels as one request. The same codec serves both ends: a {@link RemoteBackend} encodes
 * inputs and decodes outputs, an {@link OipServer} decodes inputs and encodes outputs.
 *
 * <p>Ready codecs: {@link #floats} ({@code float[]} ↔ FP32 {@code [n, width]}), {@link #longs}
 * ({@code long[]} ↔ INT64 {@code [n, width]}), {@link #strings} ({@code String} ↔ BYTES {@code [n,
 * 1]}) and {@link #tensors()} ({@code Map<String, Tensor>}, any data type, each value's tensors
 * stacked along a new first dimension). Implementations must be thread-safe (the ready ones are
 * stateless).
 *
 * @param <T> the value type
 */
public interface TensorCodec<T> {

  /**
   * The value type.
   *
   * @return the class of the values encoded and decoded
   */
  Class<T> type();

  /**
   * The tensor names this codec writes and reads; empty when any name goes ({@link #tensors}).
   *
   * @return the names, in order
   */
  List<String> names();

  /**
   * One set of tensors for a batch of values, batched along the first dimension.
   *
   * @throws IllegalArgumentException if the values cannot share one tensor (e.g. different
   *     lengths), naming what differs
   * @param batch the values, one per row
   * @return the request tensors
   */
  List<Tensor> encode(List<T> batch);

  /**
   * The values of a batch from its tensors (by name), as many as the first dimension says.
   *
   * @throws IllegalArgumentException naming the tensor and what was expected (name, data type,
   *     shape) when the tensors do not fit
   * @param tensors the response tensors, by name
   * @return the values, one per row
   */
  List<T> decode(Map<String, Tensor> tensors);

  /**
   * {@code float[]} ↔ FP32 {@code [n, width]} named {@code name}; decodes FP64 too.
   *
   * @param name the tensor name
   * @return the codec
   */
  static TensorCodec<float[]> floats(String name) {
    return new ReadyCodecs.Floats(name);
  }

  /**
   * {@code long[]} ↔ INT64 {@code [n, width]} named {@code name}; decodes INT32 too.
   *
   * @param name the tensor name
   * @return the codec
   */
  static TensorCodec<long[]> longs(String name) {
    return new ReadyCodecs.Longs(name);
  }

  /**
   * {@code String} ↔ BYTES {@code [n, 1]} named {@code name}; decodes {@code [n]} too.
   *
   * @param name the tensor name
   * @return the codec
   */
  static TensorCodec<String> strings(String name) {
    return new ReadyCodecs.Strings(name);
  }

  /**
   * {@code Map<String, Tensor>} ↔ every named tensor: each value maps names to one item's tensors
   * (without the batch dimension); a batch stacks them along a new first dimension. All values of a
   * batch must have the same names, data types and shapes.
   *
   * @return the codec
   */
  static TensorCodec<Map<String, Tensor>> tensors() {
    return new ReadyCodecs.Tensors();
  }
}
