package io.maasdk.security.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and writer for manifests. Objects become {@code Map<String,Object>}
 * (duplicate keys refused), arrays {@code List<Object>}, numbers {@code Long} (integers only),
 * strings {@code String}, plus {@code Boolean}; {@code null} is refused. Limits on depth and string
 * length bound the work an attacker's input can cause. Error messages give a position, never the
 * input's content.
 */
public final class Json {
  private final String s;
  private final int maxDepth;
  private final int maxString;
  private int pos;

  private Json(String s, int maxDepth, int maxString) {
    this.s = s;
    this.maxDepth = maxDepth;
    this.maxString = maxString;
  }

  /**
   * Parses one JSON value that must span the whole text.
   *
   * @throws IllegalArgumentException naming the position of the first problem
   */
  public static Object parse(String text, int maxDepth, int maxString) {
    Json j = new Json(text, maxDepth, maxString);
    j.ws();
    Object v = j.value(1);
    j.ws();
    if (j.pos != text.length()) {
      throw j.error("trailing content after the JSON value");
    }
    return v;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
  }

  private void ws() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        pos++;
      } else {
        break;
      }
    }
  }

  private Object value(int depth) {
    if (depth > maxDepth) {
      throw error("nested deeper than " + maxDepth + " levels");
    }
    if (pos >= s.length()) {
      throw error("unexpected end of input");
    }
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected character");
    }
  }

  private void literal(String word) {
    if (!s.startsWith(word, pos)) {
      throw error("unexpected token");
    }
    pos += word.length();
  }

  private Map<String, Object> object(int depth) {
    pos++; // {
    Map<String, Object> m = new LinkedHashMap<>();
    ws();
    if (peek() == '}') {
      pos++;
      return m;
    }
    while (true) {
      ws();
      if (peek() != '"') {
        throw error("expected a field name");
      }
      String key = string();
      ws();
      expect(':');
      ws();
      Object v = value(depth + 1);
      if (m.put(key, v) != null) {
        throw error("duplicate field");
      }
      ws();
      char c = next();
      if (c == '}') {
        return m;
      }
      if (c != ',') {
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) {
    pos++; // [
    List<Object> l = new ArrayList<>();
    ws();
    if (peek() == ']') {
      pos++;
      return l;
    }
    while (true) {
      ws();
      l.add(value(depth + 1));
      ws();
      char c = next();
      if (c == ']') {
        return l;
      }
      if (c != ',') {
        throw error("expected ',' or ']'");
      }
    }
  }

  private Long number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    int digits = pos;
    while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
      pos++;
    }
    if (pos == digits || pos - digits > 18) {
      throw error("expected an integer of at most 18 digits");
    }
    if (s.charAt(digits) == '0' && pos - digits > 1) {
      throw error("leading zeros");
    }
    if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
      throw error("only integers are allowed");
    }
    return Long.parseLong(s.substring(start, pos));
  }

  private String string() {
    pos++; // "
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c < 0x20) {
        throw error("control character in string");
      }
      if (c == '\\') {
        char e = next();
        switch (e) {
          case '"': b.append('"'); break;
          case '\\': b.append('\\'); break;
          case '/': b.append('/'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'n': b.append('\n'); break;
          case 'r': b.append('\r'); break;
          case 't': b.append('\t'); break;
          case 'u':
            if (pos + 4 > s.length()) {
              throw error("bad unicode escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad unicode escape");
            }
            pos += 4;
            break;
          default:
            throw error("bad escape");
        }
      } else {
        b.append(c);
      }
      if (b.length() > maxString) {
        throw error("string longer than " + maxString + " characters");
      }
    }
  }

  private char peek() {
    if (pos >= s.length()) {
      throw error("unexpected end of input");
    }
    return s.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      pos--;
      throw error("expected '" + c + "'");
    }
  }

  /** A JSON string literal for {@code value}. */
  public static String quote(String value) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
