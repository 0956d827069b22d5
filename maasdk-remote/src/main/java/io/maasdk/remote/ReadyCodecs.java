package io.maasdk.remote;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The ready codecs of {@link TensorCodec}. */
final class ReadyCodecs {
  private ReadyCodecs() {}

  static Tensor find(Map<String, Tensor> tensors, String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "expected a tensor named '" + name + "', got " + tensors.keySet());
    }
    return t;
  }

  /** Rows of a rank ≥ 1 tensor: {@code [n, d1, d2…]} gives n rows of d1*d2*… values. */
  static int[] rows(Tensor t) {
    if (t.rank() < 1) {
      throw new IllegalArgumentException(
          "tensor '"
              + t.name()
              + "' has shape []: expected"
              + " [batch, …] with the batch along the first dimension");
    }
    long n = t.dim(0);
    int width = n == 0 ? 0 : (int) (t.size() / n);
    return new int[] {(int) n, width};
  }

  static final class Floats implements TensorCodec<float[]> {
    private final String name;

    Floats(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public Class<float[]> type() {
      return float[].class;
    }

    @Override
    public List<String> names() {
      return List.of(name);
    }

    @Override
    public List<Tensor> encode(List<float[]> batch) {
      int width = batch.get(0).length;
      float[] data = new float[batch.size() * width];
      for (int i = 0; i < batch.size(); i++) {
        float[] v = batch.get(i);
        if (v.length != width) {
          throw new IllegalArgumentException(
              "float[] of lengths "
                  + width
                  + " and "
                  + v.length
                  + " cannot share tensor '"
                  + name
                  + "' [batch, width]");
        }
        System.arraycopy(v, 0, data, i * width, width);
      }
      return List.of(Tensor.fp32(name, new long[] {batch.size(), width}, data));
    }

    @Override
    public List<float[]> decode(Map<String, Tensor> tensors) {
      Tensor t = find(tensors, name);
      int[] nw = rows(t);
      List<float[]> out = new ArrayList<>(nw[0]);
      if (t.data() instanceof float[] f) {
        for (int i = 0; i < nw[0]; i++) {
          out.add(Arrays.copyOfRange(f, i * nw[1], (i + 1) * nw[1]));
        }
      } else if (t.data() instanceof double[] d) {
        for (int i = 0; i < nw[0]; i++) {
          float[] row = new float[nw[1]];
          for (int j = 0; j < nw[1]; j++) {
            row[j] = (float) d[i * nw[1] + j];
          }
          out.add(row);
        }
      } else {
        throw new IllegalArgumentException(
            "tensor '" + name + "' is " + t.datatype() + ", expected FP32");
      }
      return out;
    }

    @Override
    public String toString() {
      return "floats(" + name + ")";
    }
  }

  static final class Longs implements TensorCodec<long[]> {
    private final String name;

    Longs(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public Class<long[]> type() {
      return long[].class;
    }

    @Override
    public List<String> names() {
      return List.of(name);
    }

    @Override
    public List<Tensor> encode(List<long[]> batch) {
      int width = batch.get(0).length;
      long[] data = new long[batch.size() * width];
      for (int i = 0; i < batch.size(); i++) {
        long[] v = batch.get(i);
        if (v.length != width) {
          throw new IllegalArgumentException(
              "long[] of lengths "
                  + width
                  + " and "
                  + v.length
                  + " cannot share tensor '"
                  + name
                  + "' [batch, width]");
        }
        System.arraycopy(v, 0, data, i * width, width);
      }
      return List.of(Tensor.int64(name, new long[] {batch.size(), width}, data));
    }

    @Override
    public List<long[]> decode(Map<String, Tensor> tensors) {
      Tensor t = find(tensors, name);
      int[] nw = rows(t);
      List<long[]> out = new ArrayList<>(nw[0]);
      if (t.data() instanceof long[] l) {
        for (int i = 0; i < nw[0]; i++) {
          out.add(Arrays.copyOfRange(l, i * nw[1], (i + 1) * nw[1]));
        }
      } else if (t.data() instanceof int[] ints) {
        for (int i = 0; i < nw[0]; i++) {
          long[] row = new long[nw[1]];
          for (int j = 0; j < nw[1]; j++) {
            row[j] = ints[i * nw[1] + j];
          }
          out.add(row);
        }
      } else {
        throw new IllegalArgumentException(
            "tensor '" + name + "' is " + t.datatype() + ", expected INT64");
      }
      return out;
    }

    @Override
    public String toString() {
      return "longs(" + name + ")";
    }
  }

  static final class Strings implements TensorCodec<String> {
    private final String name;

    Strings(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public Class<String> type() {
      return String.class;
    }

    @Override
    public List<String> names() {
      return List.of(name);
    }

    @Override
    public List<Tensor> encode(List<String> batch) {
      return List.of(
          Tensor.bytes(name, new long[] {batch.size(), 1}, batch.toArray(new String[0])));
    }

    @Override
    public List<String> decode(Map<String, Tensor> tensors) {
      Tensor t = find(tensors, name);
      if (!(t.data() instanceof String[] s)) {
        throw new IllegalArgumentException(
            "tensor '" + name + "' is " + t.datatype() + ", expected BYTES");
      }
      int[] nw = rows(t);
      if (nw[1] != 1) {
        throw new IllegalArgumentException(
            "tensor '"
                + name
                + "' has shape "
                + Arrays.toString(t.shape())
                + ", expected [batch] or [batch, 1]");
      }
      return List.of(s);
    }

    @Override
    public String toString() {
      return "strings(" + name + ")";
    }
  }

  static final class Tensors implements TensorCodec<Map<String, Tensor>> {
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Class<Map<String, Tensor>> type() {
      return (Class) Map.class;
    }

    @Override
    public List<String> names() {
      return List.of();
    }

    @Override
    public List<Tensor> encode(List<Map<String, Tensor>> batch) {
      Map<String, Tensor> first = batch.get(0);
      List<Tensor> out = new ArrayList<>(first.size());
      for (Map.Entry<String, Tensor> e : first.entrySet()) {
        Tensor proto = e.getValue();
        int per = proto.size();
        Object data =
            Array.newInstance(proto.datatype().arrayType().getComponentType(), per * batch.size());
        for (int i = 0; i < batch.size(); i++) {
          Tensor t = batch.get(i).get(e.getKey());
          if (t == null
              || t.datatype() != proto.datatype()
              || !Arrays.equals(t.shape(), proto.shape())) {
            throw new IllegalArgumentException(
                "batch member "
                    + i
                    + " has "
                    + (t == null ? "no tensor '" + e.getKey() + "'" : t)
                    + " but member 0 has "
                    + proto
                    + ": they cannot share one tensor");
          }
          System.arraycopy(t.data(), 0, data, i * per, per);
        }
        long[] shape = new long[proto.rank() + 1];
        shape[0] = batch.size();
        System.arraycopy(proto.shape(), 0, shape, 1, proto.rank());
        out.add(Tensor.of(e.getKey(), proto.datatype(), shape, data));
      }
      return out;
    }

    @Override
    public List<Map<String, Tensor>> decode(Map<String, Tensor> tensors) {
      int n = -1;
      for (Tensor t : tensors.values()) {
        int rows = rows(t)[0];
        if (n >= 0 && rows != n) {
          throw new IllegalArgumentException(
              "tensors " + tensors.values() + " disagree on the" + " batch size (first dimension)");
        }
        n = rows;
      }
      List<Map<String, Tensor>> out = new ArrayList<>();
      for (int i = 0; i < Math.max(n, 0); i++) {
        Map<String, Tensor> item = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
          int per = rows(t)[1];
          Object data = Array.newInstance(t.datatype().arrayType().getComponentType(), per);
          System.arraycopy(t.data(), i * per, data, 0, per);
          long[] shape = Arrays.copyOfRange(t.shape(), 1, t.rank());
          item.put(t.name(), Tensor.of(t.name(), t.datatype(), shape, data));
        }
        out.add(item);
      }
      return out;
    }

    @Override
    public String toString() {
      return "tensors()";
    }
  }
}
