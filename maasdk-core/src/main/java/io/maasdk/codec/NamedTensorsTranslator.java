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
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Several named tensors in, several named tensors out, for models with more than one input or
 * output: a {@code Map<String, Tensor>} of the declared inputs (each without the batch dimension),
 * and a {@code Map<String, Tensor>} of every output the model returns, named as the model names
 * them (ONNX output names; {@code output0}, {@code output1}… where the engine gives none). Inputs
 * are passed to the model in declaration order and by name.
 *
 * <pre>{@code
 * NamedTensorsTranslator codec = Codecs.namedTensors()
 *     .input("input_ids", "int64", 8)
 *     .input("attention_mask", "int64", 8);
 * }</pre>
 *
 * <p>Batches by stacking each input along a new first dimension, and splits each output along its
 * first; a batched call gives every input the answer it gets alone (the deploy-time batch check
 * verifies it). Inputs are checked before they are queued: missing or unknown names, wrong shapes
 * and wrong element types are refused with a message that states what was expected.
 *
 * <p>Immutable and thread-safe; {@link #input} returns a copy.
 */
public final class NamedTensorsTranslator
    implements Translator<Map<String, Tensor>, Map<String, Tensor>>,
        InputValidator<Map<String, Tensor>> {
  private static final Set<String> TYPES = Set.of("float32", "int64", "int32");

  private record Declared(String type, long[] shape) {}

  private final Map<String, Declared> inputs;

  private NamedTensorsTranslator(Map<String, Declared> inputs) {
    this.inputs = Collections.unmodifiableMap(inputs);
  }

  static NamedTensorsTranslator empty() {
    return new NamedTensorsTranslator(new LinkedHashMap<>());
  }

  /**
   * A copy that also takes the input {@code name}.
   *
   * @param type {@code "float32"}, {@code "int64"} or {@code "int32"}
   * @param shape its dimensions without the batch dimension
   * @param name the input's name in the model
   * @return the copy
   */
  public NamedTensorsTranslator input(String name, String type, long... shape) {
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          "input " + name + ": type must be one of " + TYPES + ", was " + type);
    }
    Map<String, Declared> copy = new LinkedHashMap<>(inputs);
    if (copy.put(name, new Declared(type, shape.clone())) != null) {
      throw new IllegalArgumentException("input " + name + " is declared twice");
    }
    return new NamedTensorsTranslator(copy);
  }

  @Override
  public @Nullable String problem(Map<String, Tensor> input) {
    if (inputs.isEmpty()) {
      return "no inputs are declared: use Codecs.namedTensors().input(name, type, shape…)";
    }
    if (input == null || !input.keySet().equals(inputs.keySet())) {
      return "expected the tensors "
          + describe()
          + ", got "
          + (input == null ? "null" : input.keySet());
    }
    for (Map.Entry<String, Declared> e : inputs.entrySet()) {
      Tensor t = input.get(e.getKey());
      Declared d = e.getValue();
      if (t == null || !t.typeName().equals(d.type()) || !Arrays.equals(t.shape(), d.shape())) {
        return "expected "
            + e.getKey()
            + " "
            + d.type()
            + Arrays.toString(d.shape())
            + ", got "
            + t;
      }
    }
    return null;
  }

  /** The tensor {@code name} of one input, which {@link #problem} has checked. */
  private Tensor tensor(Map<String, Tensor> input, String name) {
    Tensor t = input.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "input tensor "
              + name
              + " is missing: expected the "
              + "tensors "
              + describe()
              + ", got "
              + input.keySet());
    }
    return t;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Map<String, Tensor> input) {
    return batchProcessInput(ctx, List.of(input));
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<Map<String, Tensor>> batch) {
    NDManager m = ctx.getNDManager();
    NDList list = new NDList(inputs.size());
    int b = batch.size();
    for (Map.Entry<String, Declared> e : inputs.entrySet()) {
      Declared d = e.getValue();
      long[] dims = new long[d.shape().length + 1];
      dims[0] = b;
      System.arraycopy(d.shape(), 0, dims, 1, d.shape().length);
      Shape shape = new Shape(dims);
      int per = (int) new Shape(d.shape()).size();
      NDArray a;
      switch (d.type()) {
        case "float32":
          {
            float[] all = new float[b * per];
            for (int i = 0; i < b; i++) {
              System.arraycopy(tensor(batch.get(i), e.getKey()).floats(), 0, all, i * per, per);
            }
            a = m.create(FloatBuffer.wrap(all), shape);
            break;
          }
        case "int64":
          {
            long[] all = new long[b * per];
            for (int i = 0; i < b; i++) {
              System.arraycopy(tensor(batch.get(i), e.getKey()).longs(), 0, all, i * per, per);
            }
            a = m.create(LongBuffer.wrap(all), shape);
            break;
          }
        default:
          {
            int[] all = new int[b * per];
            for (int i = 0; i < b; i++) {
              System.arraycopy(tensor(batch.get(i), e.getKey()).ints(), 0, all, i * per, per);
            }
            a = m.create(IntBuffer.wrap(all), shape);
          }
      }
      a.setName(e.getKey());
      list.add(a);
    }
    return list;
  }

  @Override
  public Map<String, Tensor> processOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    return batchProcessOutput(ctx, list).get(0);
  }

  @Override
  public List<Map<String, Tensor>> batchProcessOutput(TranslatorContext ctx, NDList list)
      throws TranslateException {
    int b = -1;
    List<Map<String, Tensor>> out = new ArrayList<>();
    for (int j = 0; j < list.size(); j++) {
      NDArray a = list.get(j);
      Shape shape = a.getShape();
      if (shape.dimension() == 0 || (b >= 0 && shape.get(0) != b)) {
        throw new TranslateException(
            "expected every output to have the batch dimension first,"
                + " got "
                + shape
                + " for output "
                + j);
      }
      if (b < 0) {
        b = (int) shape.get(0);
        for (int i = 0; i < b; i++) {
          out.add(new LinkedHashMap<>());
        }
      }
      String name = a.getName() == null || a.getName().isEmpty() ? "output" + j : a.getName();
      long[] item = Arrays.copyOfRange(shape.getShape(), 1, shape.dimension());
      int per = (int) (shape.size() / Math.max(b, 1));
      DataType t = a.getDataType();
      if (t == DataType.INT64) {
        long[] all = a.toLongArray();
        for (int i = 0; i < b; i++) {
          out.get(i).put(name, Tensor.of(Arrays.copyOfRange(all, i * per, (i + 1) * per), item));
        }
      } else if (t == DataType.INT32) {
        int[] all = a.toIntArray();
        for (int i = 0; i < b; i++) {
          out.get(i).put(name, Tensor.of(Arrays.copyOfRange(all, i * per, (i + 1) * per), item));
        }
      } else {
        float[] all =
            (t == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false)).toFloatArray();
        for (int i = 0; i < b; i++) {
          out.get(i).put(name, Tensor.of(Arrays.copyOfRange(all, i * per, (i + 1) * per), item));
        }
      }
    }
    List<Map<String, Tensor>> result = new ArrayList<>(out.size());
    for (Map<String, Tensor> m : out) {
      result.add(Collections.unmodifiableMap(m));
    }
    return result;
  }

  private String describe() {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Declared> e : inputs.entrySet()) {
      parts.add(e.getKey() + " " + e.getValue().type() + Arrays.toString(e.getValue().shape()));
    }
    return String.join(", ", parts);
  }

  @Override
  public String toString() {
    return "NamedTensorsTranslator[" + describe() + " -> named outputs]";
  }
}
