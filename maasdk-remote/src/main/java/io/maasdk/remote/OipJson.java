package io.maasdk.remote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The protocol's JSON bodies (KServe v2 REST): inference requests and responses, metadata and
 * errors, with jackson-core's streaming parser and generator. Stateless and thread-safe. Malformed
 * bodies fail with {@link IllegalArgumentException} saying what is wrong and where.
 */
final class OipJson {
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(400).build())
          .build();

  private OipJson() {}

  /** An inference request or response: the tensors, the id and (responses) model and version. */
  record Message(
      @Nullable String id,
      @Nullable String modelName,
      @Nullable String modelVersion,
      List<Tensor> tensors,
      List<String> requestedOutputs) {}

  // ---------------------------------------------------------------- writing

  static byte[] request(@Nullable String id, List<Tensor> inputs, List<String> outputs) {
    return write(
        g -> {
          g.writeStartObject();
          if (id != null) {
            g.writeStringField("id", id);
          }
          g.writeArrayFieldStart("inputs");
          for (Tensor t : inputs) {
            tensor(g, t);
          }
          g.writeEndArray();
          if (!outputs.isEmpty()) {
            g.writeArrayFieldStart("outputs");
            for (String o : outputs) {
              g.writeStartObject();
              g.writeStringField("name", o);
              g.writeEndObject();
            }
            g.writeEndArray();
          }
          g.writeEndObject();
        });
  }

  static byte[] response(String model, String version, @Nullable String id, List<Tensor> outputs) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("model_name", model);
          g.writeStringField("model_version", version);
          if (id != null) {
            g.writeStringField("id", id);
          }
          g.writeArrayFieldStart("outputs");
          for (Tensor t : outputs) {
            tensor(g, t);
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  static byte[] error(String message) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("error", message);
          g.writeEndObject();
        });
  }

  /** {@code {"name", "versions", "platform", "inputs": [..], "outputs": [..]}}. */
  static byte[] modelMetadata(
      String name,
      List<String> versions,
      String platform,
      List<String> inputs,
      List<String> outputs) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("name", name);
          g.writeArrayFieldStart("versions");
          for (String v : versions) {
            g.writeString(v);
          }
          g.writeEndArray();
          g.writeStringField("platform", platform);
          io(g, "inputs", inputs);
          io(g, "outputs", outputs);
          g.writeEndObject();
        });
  }

  private static void io(JsonGenerator g, String field, List<String> names) throws IOException {
    g.writeArrayFieldStart(field);
    for (String n : names) {
      g.writeStartObject();
      g.writeStringField("name", n);
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  static byte[] serverMetadata(String name, String version) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("name", name);
          g.writeStringField("version", version);
          g.writeArrayFieldStart("extensions");
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  static byte[] ready(String name, boolean ready) {
    return write(
        g -> {
          g.writeStartObject();
          g.writeStringField("name", name);
          g.writeBooleanField("ready", ready);
          g.writeEndObject();
        });
  }

  private static void tensor(JsonGenerator g, Tensor t) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.name());
    g.writeArrayFieldStart("shape");
    for (long d : t.shape()) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    g.writeStringField("datatype", t.datatype().name());
    g.writeArrayFieldStart("data");
    Object data = t.data();
    switch (t.datatype()) {
      case FP32 -> {
        for (float v : (float[]) data) {
          g.writeNumber(v);
        }
      }
      case FP64 -> {
        for (double v : (double[]) data) {
          g.writeNumber(v);
        }
      }
      case INT32 -> {
        for (int v : (int[]) data) {
          g.writeNumber(v);
        }
      }
      case INT64 -> {
        for (long v : (long[]) data) {
          g.writeNumber(v);
        }
      }
      case BOOL -> {
        for (boolean v : (boolean[]) data) {
          g.writeBoolean(v);
        }
      }
      case BYTES -> {
        for (String v : (String[]) data) {
          g.writeString(v);
        }
      }
      default -> throw new IllegalStateException(t.datatype().name());
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** Writes one JSON document (used by the protocols' bodies in this package). */
  interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  /** The bytes {@code w} writes. */
  static byte[] write(Writer w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- reading

  /** Parses a request ({@code inputs}) or a response ({@code outputs}) body. */
  static Message parse(byte[] body, boolean request) {
    try (JsonParser p = JSON.createParser(body)) {
      expect(p.nextToken(), JsonToken.START_OBJECT, "the body");
      String id = null;
      String model = null;
      String version = null;
      List<Tensor> tensors = null;
      List<String> requested = new ArrayList<>();
      String tensorsField = request ? "inputs" : "outputs";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals(tensorsField)) {
          expect(value, JsonToken.START_ARRAY, "'" + field + "'");
          tensors = new ArrayList<>();
          while (p.nextToken() == JsonToken.START_OBJECT) {
            tensors.add(tensor(p, field));
          }
        } else if (request && field.equals("outputs")) {
          expect(value, JsonToken.START_ARRAY, "'outputs'");
          while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String f = p.currentName();
              JsonToken v = p.nextToken();
              if (f.equals("name") && v == JsonToken.VALUE_STRING) {
                requested.add(p.getText());
              } else {
                p.skipChildren();
              }
            }
          }
        } else if (field.equals("id") && value == JsonToken.VALUE_STRING) {
          id = p.getText();
        } else if (field.equals("model_name") && value == JsonToken.VALUE_STRING) {
          model = p.getText();
        } else if (field.equals("model_version") && value == JsonToken.VALUE_STRING) {
          version = p.getText();
        } else {
          p.skipChildren(); // parameters and anything newer
        }
      }
      if (tensors == null) {
        throw new IllegalArgumentException("the body has no '" + tensorsField + "' array");
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after the JSON object");
      }
      return new Message(id, model, version, tensors, requested);
    } catch (IOException e) { // jackson's JsonParseException included
      throw new IllegalArgumentException("malformed JSON: " + firstLine(e.getMessage()), e);
    }
  }

  /** The {@code error} of an error body, or the body itself (cut) if it is not one. */
  static String errorMessage(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken v = p.nextToken();
          if (f.equals("error") && v == JsonToken.VALUE_STRING) {
            return p.getText();
          }
          p.skipChildren();
        }
      }
    } catch (IOException e) {
      // not JSON: fall through
    }
    String text =
        new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8);
    return text.isBlank() ? "(empty body)" : text;
  }

  /** The first line of a (parser's) message, for error texts. */
  static String firstLine(@Nullable String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static void expect(@Nullable JsonToken got, JsonToken want, String what) {
    if (got != want) {
      throw new IllegalArgumentException(
          what
              + " must be a JSON "
              + (want == JsonToken.START_OBJECT ? "object" : "array")
              + ", found "
              + got);
    }
  }

  /** One tensor object; {@code p} is at its START_OBJECT. */
  private static Tensor tensor(JsonParser p, String where) throws IOException {
    String name = null;
    DataType type = null;
    long[] shape = null;
    Object data = null;
    List<Object> untyped = null; // data seen before the datatype
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "name" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("a tensor's 'name' must be a string");
          }
          name = p.getText();
        }
        case "datatype" -> {
          if (v != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("a tensor's 'datatype' must be a string");
          }
          type = DataType.parse(p.getText());
        }
        case "shape" -> {
          expect(v, JsonToken.START_ARRAY, "a tensor's 'shape'");
          LongBuffer b = new LongBuffer();
          while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
            b.add(p.getLongValue());
          }
          if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IllegalArgumentException("a tensor's 'shape' must hold integers only");
          }
          shape = b.toArray();
        }
        case "data" -> {
          expect(v, JsonToken.START_ARRAY, "a tensor's 'data'");
          if (type != null) {
            data = typed(p, type, name);
          } else {
            untyped = new ArrayList<>();
            untyped(p, untyped);
          }
        }
        default -> p.skipChildren();
      }
    }
    String label = name == null ? "a tensor in '" + where + "'" : "tensor '" + name + "'";
    if (name == null) {
      throw new IllegalArgumentException(label + " has no 'name'");
    }
    if (type == null) {
      throw new IllegalArgumentException(label + " has no 'datatype'");
    }
    if (shape == null) {
      throw new IllegalArgumentException(label + " has no 'shape'");
    }
    if (data == null) {
      if (untyped == null) {
        throw new IllegalArgumentException(label + " has no 'data'");
      }
      data = convert(untyped, type, name);
    }
    return Tensor.of(name, type, shape, data);
  }

  private static String label(@Nullable String name) {
    return name == null ? "a tensor" : "tensor '" + name + "'";
  }

  /** Flattened data of a known type; {@code p} is at the data's START_ARRAY. */
  private static Object typed(JsonParser p, DataType type, @Nullable String name)
      throws IOException {
    int depth = 1;
    switch (type) {
      case FP32, FP64 -> {
        DoubleBuffer b = new DoubleBuffer(type == DataType.FP32);
        while (depth > 0) {
          JsonToken t = p.nextToken();
          if (t == JsonToken.START_ARRAY) {
            depth++;
          } else if (t == JsonToken.END_ARRAY) {
            depth--;
          } else if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
            if (type == DataType.FP32) {
              b.addFloat(p.getFloatValue());
            } else {
              b.add(p.getDoubleValue());
            }
          } else {
            throw mismatch(name, type, t);
          }
        }
        return type == DataType.FP32 ? b.toFloats() : b.toArray();
      }
      case INT32, INT64 -> {
        LongBuffer b = new LongBuffer();
        while (depth > 0) {
          JsonToken t = p.nextToken();
          if (t == JsonToken.START_ARRAY) {
            depth++;
          } else if (t == JsonToken.END_ARRAY) {
            depth--;
          } else if (t == JsonToken.VALUE_NUMBER_INT) {
            long v = p.getLongValue();
            if (type == DataType.INT32 && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
              throw new IllegalArgumentException(label(name) + " is INT32 but holds " + v);
            }
            b.add(v);
          } else {
            throw mismatch(name, type, t);
          }
        }
        return type == DataType.INT32 ? b.toInts() : b.toArray();
      }
      default -> {
        List<Object> values = new ArrayList<>();
        p.nextToken();
        untypedFrom(p, values, 1);
        return convert(values, type, name);
      }
    }
  }

  private static IllegalArgumentException mismatch(
      @Nullable String name, DataType type, @Nullable JsonToken t) {
    return new IllegalArgumentException(
        label(name) + " is " + type + " but its data holds " + describe(t));
  }

  private static String describe(@Nullable JsonToken t) {
    if (t == null) {
      return "the end of the body";
    }
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_FLOAT -> "a fractional number";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      default -> t.toString();
    };
  }

  private static void untyped(JsonParser p, List<Object> out) throws IOException {
    p.nextToken();
    untypedFrom(p, out, 1);
  }

  /** Collects scalar values until the array at {@code depth} closes; p is at the first token. */
  private static void untypedFrom(JsonParser p, List<Object> out, int depth) throws IOException {
    JsonToken t = p.currentToken();
    while (true) {
      if (t == null) {
        throw new IllegalArgumentException("the body ends inside a tensor's data");
      } else if (t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_ARRAY) {
        if (--depth == 0) {
          return;
        }
      } else if (t == JsonToken.VALUE_NUMBER_INT) {
        out.add(p.getLongValue());
      } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
        out.add(new NumberText(p.getText())); // parsed once the datatype is known
      } else if (t == JsonToken.VALUE_STRING) {
        out.add(p.getText());
      } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
        out.add(t == JsonToken.VALUE_TRUE);
      } else {
        throw new IllegalArgumentException("a tensor's data holds " + describe(t));
      }
      t = p.nextToken();
    }
  }

  private record NumberText(String text) {}

  private static Object convert(List<Object> values, DataType type, @Nullable String name) {
    int n = values.size();
    switch (type) {
      case FP32 -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          Object v = values.get(i);
          if (v instanceof NumberText nt) {
            out[i] = Float.parseFloat(nt.text());
          } else if (v instanceof Long l) {
            out[i] = l;
          } else {
            throw mismatchValue(name, type, v);
          }
        }
        return out;
      }
      case FP64 -> {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
          Object v = values.get(i);
          if (v instanceof NumberText nt) {
            out[i] = Double.parseDouble(nt.text());
          } else if (v instanceof Long l) {
            out[i] = l;
          } else {
            throw mismatchValue(name, type, v);
          }
        }
        return out;
      }
      case INT32, INT64 -> {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
          if (!(values.get(i) instanceof Long l)
              || type == DataType.INT32 && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            throw mismatchValue(name, type, values.get(i));
          }
          out[i] = l;
        }
        if (type == DataType.INT64) {
          return out;
        }
        int[] ints = new int[n];
        for (int i = 0; i < n; i++) {
          ints[i] = (int) out[i];
        }
        return ints;
      }
      case BOOL -> {
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
          if (!(values.get(i) instanceof Boolean b)) {
            throw mismatchValue(name, type, values.get(i));
          }
          out[i] = b;
        }
        return out;
      }
      case BYTES -> {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
          if (!(values.get(i) instanceof String s)) {
            throw mismatchValue(name, type, values.get(i));
          }
          out[i] = s;
        }
        return out;
      }
      default -> throw new IllegalStateException(type.name());
    }
  }

  private static IllegalArgumentException mismatchValue(
      @Nullable String name, DataType type, Object v) {
    String what =
        v instanceof NumberText
            ? "a fractional number"
            : v instanceof Long ? "an integer" : v instanceof Boolean ? "a boolean" : "a string";
    return new IllegalArgumentException(
        label(name) + " is " + type + " but its data holds " + what);
  }

  /** The tensors of a message by name, refusing duplicates. */
  static Map<String, Tensor> byName(List<Tensor> tensors) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      if (out.put(t.name(), t) != null) {
        throw new IllegalArgumentException("tensor '" + t.name() + "' appears twice");
      }
    }
    return out;
  }

  private static final class LongBuffer {
    private long[] a = new long[16];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }

    int[] toInts() {
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = (int) a[i];
      }
      return out;
    }
  }

  private static final class DoubleBuffer {
    private final boolean single;
    private float[] f;
    private double[] d;
    private int n;

    DoubleBuffer(boolean single) {
      this.single = single;
      f = new float[single ? 64 : 0];
      d = new double[single ? 0 : 64];
    }

    void addFloat(float v) {
      if (n == f.length) {
        f = Arrays.copyOf(f, n * 2);
      }
      f[n++] = v;
    }

    void add(double v) {
      if (n == d.length) {
        d = Arrays.copyOf(d, n * 2);
      }
      d[n++] = v;
    }

    float[] toFloats() {
      return Arrays.copyOf(f, n);
    }

    double[] toArray() {
      return single ? new double[0] : Arrays.copyOf(d, n);
    }
  }
}
