package io.maasdk.remote;

import com.google.protobuf.ByteString;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.InferTensorContents;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.maasdk.remote.grpc.proto.GrpcPredictV2.ModelInferResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Tensor}s to and from the protocol's gRPC messages: typed {@code contents} when writing;
 * when reading, typed contents or the raw little-endian {@code raw_input_contents} / {@code
 * raw_output_contents} that Triton's clients send. Stateless and thread-safe.
 */
final class GrpcTensors {
  private GrpcTensors() {}

  static InferTensorContents contents(Tensor t) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (t.datatype()) {
      case FP32 -> {
        for (float v : (float[]) t.data()) {
          c.addFp32Contents(v);
        }
      }
      case FP64 -> {
        for (double v : (double[]) t.data()) {
          c.addFp64Contents(v);
        }
      }
      case INT32 -> {
        for (int v : (int[]) t.data()) {
          c.addIntContents(v);
        }
      }
      case INT64 -> {
        for (long v : (long[]) t.data()) {
          c.addInt64Contents(v);
        }
      }
      case BOOL -> {
        for (boolean v : (boolean[]) t.data()) {
          c.addBoolContents(v);
        }
      }
      case BYTES -> {
        for (String v : (String[]) t.data()) {
          c.addBytesContents(ByteString.copyFromUtf8(v));
        }
      }
    }
    return c.build();
  }

  static ModelInferRequest.InferInputTensor input(Tensor t) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder()
            .setName(t.name())
            .setDatatype(t.datatype().name())
            .setContents(contents(t));
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.build();
  }

  static ModelInferResponse.InferOutputTensor output(Tensor t) {
    ModelInferResponse.InferOutputTensor.Builder b =
        ModelInferResponse.InferOutputTensor.newBuilder()
            .setName(t.name())
            .setDatatype(t.datatype().name())
            .setContents(contents(t));
    for (long d : t.shape()) {
      b.addShape(d);
    }
    return b.build();
  }

  /** The tensors of a request; raw contents, if any, go with the inputs in order. */
  static List<Tensor> inputs(ModelInferRequest r) {
    if (r.getRawInputContentsCount() > 0 && r.getRawInputContentsCount() != r.getInputsCount()) {
      throw new IllegalArgumentException(
          "the request has "
              + r.getInputsCount()
              + " inputs but "
              + r.getRawInputContentsCount()
              + " raw_input_contents");
    }
    List<Tensor> out = new ArrayList<>(r.getInputsCount());
    for (int i = 0; i < r.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor t = r.getInputs(i);
      out.add(
          tensor(
              t.getName(),
              t.getDatatype(),
              t.getShapeList(),
              t.getContents(),
              r.getRawInputContentsCount() > 0 ? r.getRawInputContents(i) : null));
    }
    return out;
  }

  /** The tensors of a response; raw contents, if any, go with the outputs in order. */
  static List<Tensor> outputs(ModelInferResponse r) {
    List<Tensor> out = new ArrayList<>(r.getOutputsCount());
    for (int i = 0; i < r.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor t = r.getOutputs(i);
      out.add(
          tensor(
              t.getName(),
              t.getDatatype(),
              t.getShapeList(),
              t.getContents(),
              i < r.getRawOutputContentsCount() ? r.getRawOutputContents(i) : null));
    }
    return out;
  }

  private static Tensor tensor(
      String name,
      String datatype,
      List<Long> shapeList,
      InferTensorContents c,
      @org.jspecify.annotations.Nullable ByteString raw) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a tensor has no name");
    }
    DataType type;
    try {
      type = DataType.parse(datatype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage());
    }
    long[] shape = new long[shapeList.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeList.get(i);
    }
    long n = Tensor.elements(name, shape);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensor '" + name + "' is too large: " + n + " elements");
    }
    Object data = raw != null ? raw(name, type, (int) n, raw) : typed(name, type, c);
    return Tensor.of(name, type, shape, data);
  }

  private static Object typed(String name, DataType type, InferTensorContents c) {
    switch (type) {
      case FP32 -> {
        float[] a = new float[c.getFp32ContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getFp32Contents(i);
        }
        return a;
      }
      case FP64 -> {
        double[] a = new double[c.getFp64ContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getFp64Contents(i);
        }
        return a;
      }
      case INT32 -> {
        int[] a = new int[c.getIntContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getIntContents(i);
        }
        return a;
      }
      case INT64 -> {
        long[] a = new long[c.getInt64ContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getInt64Contents(i);
        }
        return a;
      }
      case BOOL -> {
        boolean[] a = new boolean[c.getBoolContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getBoolContents(i);
        }
        return a;
      }
      default -> {
        String[] a = new String[c.getBytesContentsCount()];
        for (int i = 0; i < a.length; i++) {
          a[i] = c.getBytesContents(i).toStringUtf8();
        }
        return a;
      }
    }
  }

  /** Raw little-endian contents, as Triton's clients send them. */
  private static Object raw(String name, DataType type, int n, ByteString raw) {
    ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int width =
        switch (type) {
          case FP32, INT32 -> 4;
          case FP64, INT64 -> 8;
          case BOOL -> 1;
          case BYTES -> 0;
        };
    if (width > 0 && b.remaining() != (long) n * width) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' is "
              + type
              + " with "
              + n
              + " elements ("
              + ((long) n * width)
              + " bytes) but its raw contents have "
              + b.remaining()
              + " bytes");
    }
    switch (type) {
      case FP32 -> {
        float[] a = new float[n];
        b.asFloatBuffer().get(a);
        return a;
      }
      case FP64 -> {
        double[] a = new double[n];
        b.asDoubleBuffer().get(a);
        return a;
      }
      case INT32 -> {
        int[] a = new int[n];
        b.asIntBuffer().get(a);
        return a;
      }
      case INT64 -> {
        long[] a = new long[n];
        b.asLongBuffer().get(a);
        return a;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = b.get() != 0;
        }
        return a;
      }
      default -> {
        List<String> items = new ArrayList<>();
        while (b.remaining() >= 4) {
          int len = b.getInt();
          if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException(
                "tensor '" + name + "': raw BYTES item of " + len + " bytes overruns its contents");
          }
          byte[] item = new byte[len];
          b.get(item);
          items.add(new String(item, StandardCharsets.UTF_8));
        }
        if (b.hasRemaining()) {
          throw new IllegalArgumentException(
              "tensor '" + name + "': raw BYTES contents end in" + " a partial length prefix");
        }
        return items.toArray(new String[0]);
      }
    }
  }
}
