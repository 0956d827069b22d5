package io.maasdk.security.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict JSON for manifests and policy files on jackson-core's streaming API (no data binding).
 * Objects become {@code Map<String,Object>} (duplicate keys refused), arrays {@code List<Object>},
 * numbers {@code Long} (integers of at most 18 digits), strings {@code String}, plus {@code
 * Boolean}; {@code null} is refused. Jackson's {@link StreamReadConstraints} bound depth, string
 * and number length before anything is allocated. Error messages give an offset, never the input's
 * content (Jackson's own messages quote tokens, so they are not passed on).
 */
public final class JsonTrees {
  private static final int MAX_DIGITS = 18;

  private JsonTrees() {}

  /** What a generator writes. */
  @FunctionalInterface
  public interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  /** The UTF-8 bytes {@code writer} produces; Jackson's default escaping, no pretty printing. */
  public static byte[] write(Writer writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      writer.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /**
   * Parses one JSON value that must span the whole text.
   *
   * @param maxDepth how deep values may nest, the outermost value being at depth 1
   * @param maxString the longest string or field name, in characters
   * @throws IllegalArgumentException naming the offset of the first problem
   */
  public static Object parse(String text, int maxDepth, int maxString) {
    JsonFactory factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(maxDepth)
                    .maxStringLength(maxString)
                    .maxNameLength(maxString)
                    .maxNumberLength(MAX_DIGITS + 1)
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    try (JsonParser p = factory.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw error(p, "unexpected end of input");
      }
      Object v = value(p, 1, maxDepth, maxString);
      if (p.nextToken() != null) {
        throw error(p, "trailing content after the JSON value");
      }
      return v;
    } catch (StreamConstraintsException e) {
      throw new IllegalArgumentException(
          "malformed JSON at offset " + offset(e) + ": " + limit(e, maxDepth, maxString));
    } catch (JsonProcessingException e) {
      String what =
          e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
              ? "duplicate field"
              : "not well-formed JSON";
      throw new IllegalArgumentException("malformed JSON at offset " + offset(e) + ": " + what);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String does not fail
    }
  }

  /** Which limit Jackson enforced, in our words (its message is not passed on). */
  private static String limit(StreamConstraintsException e, int maxDepth, int maxString) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("nesting depth")) {
      return "nested deeper than " + maxDepth + " levels";
    }
    if (m.contains("Number")) {
      return "expected an integer of at most " + MAX_DIGITS + " digits";
    }
    return "string longer than " + maxString + " characters";
  }

  private static long offset(JsonProcessingException e) {
    return e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
  }

  private static IllegalArgumentException error(JsonParser p, String what) {
    return new IllegalArgumentException(
        "malformed JSON at offset " + p.currentTokenLocation().getCharOffset() + ": " + what);
  }

  private static Object value(JsonParser p, int depth, int maxDepth, int maxString)
      throws IOException {
    if (depth > maxDepth) {
      throw error(p, "nested deeper than " + maxDepth + " levels");
    }
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Object> m = new LinkedHashMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            m.put(key, value(p, depth + 1, maxDepth, maxString));
          }
          return m;
        }
      case START_ARRAY:
        {
          List<Object> l = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            l.add(value(p, depth + 1, maxDepth, maxString));
          }
          return l;
        }
      case VALUE_STRING:
        {
          String s = p.getText();
          if (s.length() > maxString) {
            throw error(p, "string longer than " + maxString + " characters");
          }
          return s;
        }
      case VALUE_NUMBER_INT:
        {
          String digits = p.getText();
          if (digits.length() - (digits.startsWith("-") ? 1 : 0) > MAX_DIGITS) {
            throw error(p, "expected an integer of at most " + MAX_DIGITS + " digits");
          }
          return p.getLongValue();
        }
      case VALUE_NUMBER_FLOAT:
        throw error(p, "only integers are allowed");
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      default:
        throw error(p, "unexpected " + (t == JsonToken.VALUE_NULL ? "null" : "token"));
    }
  }
}
