package io.maasdk.internal;

import io.maasdk.spi.InputFingerprinter;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The built-in {@link InputFingerprinter}: value types are their own key, containers of value types
 * an immutable copy, and anything holding arrays a SHA-256 digest of an unambiguous encoding in
 * which every value is preceded by a type tag and every variable-length thing by its length.
 */
public final class Fingerprints implements InputFingerprinter {
  public static final Fingerprints INSTANCE = new Fingerprints();

  /** Records whose declared components are all immutable value types (recursively). */
  private static final ClassValue<Boolean> VALUE_RECORD =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          if (!type.isRecord()) {
            return false;
          }
          for (RecordComponent c : type.getRecordComponents()) {
            Class<?> t = c.getType();
            if (!(t.isPrimitive() || valueClass(t) || (t.isRecord() && get(t)))) {
              return false;
            }
          }
          return true;
        }
      };

  /** A record's accessors, made accessible once; {@code null} when they cannot be. */
  private static final ClassValue<Method @Nullable []> ACCESSORS =
      new ClassValue<>() {
        @Override
        protected Method @Nullable [] computeValue(Class<?> type) {
          RecordComponent[] cs = type.getRecordComponents();
          Method[] out = new Method[cs.length];
          try {
            for (int i = 0; i < cs.length; i++) {
              out[i] = cs[i].getAccessor();
              out[i].setAccessible(true);
            }
            return out;
          } catch (RuntimeException e) { // InaccessibleObjectException, SecurityException
            return null;
          }
        }
      };

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by every Java platform", e);
            }
          });

  private Fingerprints() {}

  /** A SHA-256 digest as four longs: compared and hashed by value, 32 bytes of key. */
  record Sha256(long a, long b, long c, long d) {}

  @Override
  public @Nullable Object fingerprint(Object input) {
    if (isValue(input)) {
      return input;
    }
    if (input instanceof List<?> list && allValues(list)) {
      return List.copyOf(list);
    }
    if (input instanceof Map<?, ?> map && allValues(map.keySet()) && allValues(map.values())) {
      return Map.copyOf(map);
    }
    MessageDigest md = SHA256.get();
    md.reset();
    Encoder enc = new Encoder(md);
    if (!enc.write(input, 0)) {
      return null;
    }
    enc.flush();
    byte[] h = md.digest();
    return new Sha256(longAt(h, 0), longAt(h, 8), longAt(h, 16), longAt(h, 24));
  }

  private static boolean valueClass(Class<?> c) {
    return c == String.class
        || c == Integer.class
        || c == Long.class
        || c == Boolean.class
        || c == Double.class
        || c == Float.class
        || c == Short.class
        || c == Byte.class
        || c == Character.class
        || c.isEnum();
  }

  private static boolean isValue(@Nullable Object o) {
    if (o == null) {
      return false;
    }
    Class<?> c = o.getClass();
    return valueClass(c) || o instanceof Enum<?> || VALUE_RECORD.get(c);
  }

  private static boolean allValues(Iterable<?> items) {
    for (Object o : items) {
      if (!isValue(o)) {
        return false;
      }
    }
    return true;
  }

  private static long longAt(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  /** Streams an object graph into a digest through a small buffer. */
  private static final class Encoder {
    private static final int MAX_DEPTH = 32;
    private final MessageDigest md;
    private final byte[] buf = new byte[512];
    private int n;

    Encoder(MessageDigest md) {
      this.md = md;
    }

    /** Writes {@code o}; {@code false} if it holds something this encoder does not know. */
    boolean write(@Nullable Object o, int depth) {
      if (depth > MAX_DEPTH) {
        return false;
      }
      if (o == null) {
        tag(0);
      } else if (o instanceof String s) {
        tag(1);
        bytes(s.getBytes(StandardCharsets.UTF_8));
      } else if (o instanceof byte[] a) {
        tag(2);
        bytes(a);
      } else if (o instanceof float[] a) {
        tag(3);
        i32(a.length);
        for (float f : a) {
          i32(Float.floatToIntBits(f));
        }
      } else if (o instanceof int[] a) {
        tag(4);
        i32(a.length);
        for (int v : a) {
          i32(v);
        }
      } else if (o instanceof long[] a) {
        tag(5);
        i32(a.length);
        for (long v : a) {
          i64(v);
        }
      } else if (o instanceof double[] a) {
        tag(6);
        i32(a.length);
        for (double v : a) {
          i64(Double.doubleToLongBits(v));
        }
      } else if (o instanceof short[] a) {
        tag(7);
        i32(a.length);
        for (short v : a) {
          i32(v);
        }
      } else if (o instanceof char[] a) {
        tag(8);
        i32(a.length);
        for (char v : a) {
          i32(v);
        }
      } else if (o instanceof boolean[] a) {
        tag(9);
        i32(a.length);
        for (boolean v : a) {
          tag(v ? 1 : 0);
        }
      } else if (o instanceof Integer v) {
        tag(10);
        i32(v);
      } else if (o instanceof Long v) {
        tag(11);
        i64(v);
      } else if (o instanceof Float v) {
        tag(12);
        i32(Float.floatToIntBits(v));
      } else if (o instanceof Double v) {
        tag(13);
        i64(Double.doubleToLongBits(v));
      } else if (o instanceof Boolean v) {
        tag(v ? 14 : 15);
      } else if (o instanceof Short v) {
        tag(16);
        i32(v);
      } else if (o instanceof Byte v) {
        tag(17);
        i32(v);
      } else if (o instanceof Character v) {
        tag(18);
        i32(v);
      } else if (o instanceof Enum<?> e) {
        tag(19);
        bytes(e.getDeclaringClass().getName().getBytes(StandardCharsets.UTF_8));
        bytes(e.name().getBytes(StandardCharsets.UTF_8));
      } else if (o instanceof List<?> list) {
        tag(20);
        i32(list.size());
        for (Object e : list) {
          if (!write(e, depth + 1)) {
            return false;
          }
        }
      } else if (o instanceof Map<?, ?> map) {
        return writeMap(map, depth);
      } else if (o.getClass().isRecord()) {
        return writeRecord(o, depth);
      } else {
        return false;
      }
      return true;
    }

    /** Map equality ignores order: each entry is digested alone, and the sorted digests written. */
    private boolean writeMap(Map<?, ?> map, int depth) {
      List<byte[]> entries = new ArrayList<>(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        MessageDigest sub = sha256();
        Encoder enc = new Encoder(sub);
        if (!enc.write(e.getKey(), depth + 1) || !enc.write(e.getValue(), depth + 1)) {
          return false;
        }
        enc.flush();
        entries.add(sub.digest());
      }
      entries.sort(Arrays::compareUnsigned);
      tag(21);
      i32(entries.size());
      for (byte[] e : entries) {
        raw(e);
      }
      return true;
    }

    private boolean writeRecord(Object r, int depth) {
      Method[] accessors = ACCESSORS.get(r.getClass());
      if (accessors == null) {
        return false;
      }
      tag(22);
      bytes(r.getClass().getName().getBytes(StandardCharsets.UTF_8));
      for (Method m : accessors) {
        Object v;
        try {
          v = m.invoke(r);
        } catch (ReflectiveOperationException | RuntimeException e) {
          return false;
        }
        if (!write(v, depth + 1)) {
          return false;
        }
      }
      return true;
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private void tag(int t) {
      if (n == buf.length) {
        flush();
      }
      buf[n++] = (byte) t;
    }

    private void i32(int v) {
      if (n + 4 > buf.length) {
        flush();
      }
      buf[n++] = (byte) (v >>> 24);
      buf[n++] = (byte) (v >>> 16);
      buf[n++] = (byte) (v >>> 8);
      buf[n++] = (byte) v;
    }

    private void i64(long v) {
      i32((int) (v >>> 32));
      i32((int) v);
    }

    private void bytes(byte[] b) {
      i32(b.length);
      raw(b);
    }

    private void raw(byte[] b) {
      if (b.length <= buf.length - n) {
        System.arraycopy(b, 0, buf, n, b.length);
        n += b.length;
      } else {
        flush();
        md.update(b);
      }
    }

    void flush() {
      if (n > 0) {
        md.update(buf, 0, n);
        n = 0;
      }
    }
  }

  /** For tests and diagnostics: a readable form of the built-in's handling of {@code input}. */
  static String describe(Object input) {
    Object f = INSTANCE.fingerprint(input);
    return f == null ? "uncacheable" : f == input ? "itself" : f.getClass().getSimpleName();
  }
}
