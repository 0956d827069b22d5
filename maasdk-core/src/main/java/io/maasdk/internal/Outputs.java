package io.maasdk.internal;

import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Compares two outputs of one model for the deploy-time batch check: floating-point values within a
 * relative tolerance (a batched engine call may sum in another order), arrays, lists, maps and
 * records element by element, anything else by {@code equals} when its class defines it.
 */
final class Outputs {
  private static final double TOLERANCE = 1e-3;

  private Outputs() {}

  /** {@code null} if {@code a} and {@code b} agree, else where they first differ. */
  static @Nullable String difference(@Nullable Object a, @Nullable Object b) {
    return difference(a, b, "output");
  }

  private static @Nullable String difference(@Nullable Object a, @Nullable Object b, String at) {
    if (a == null || b == null) {
      return a == b ? null : at + ": " + a + " vs " + b;
    }
    if (a instanceof Number x && b instanceof Number y && (isFloat(x) || isFloat(y))) {
      return close(x.doubleValue(), y.doubleValue()) ? null : at + ": " + x + " vs " + y;
    }
    if (a.getClass().isArray() && b.getClass().isArray()) {
      int n = Array.getLength(a);
      if (n != Array.getLength(b)) {
        return at + ": length " + n + " vs " + Array.getLength(b);
      }
      for (int i = 0; i < n; i++) {
        String d = difference(Array.get(a, i), Array.get(b, i), at + "[" + i + "]");
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      return difference(x.toArray(), y.toArray(), at);
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (!x.keySet().equals(y.keySet())) {
        return at + ": keys " + x.keySet() + " vs " + y.keySet();
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        String d = difference(e.getValue(), y.get(e.getKey()), at + "." + e.getKey());
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (a.getClass().isRecord() && a.getClass() == b.getClass()) {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        try {
          c.getAccessor().setAccessible(true);
          String d =
              difference(
                  c.getAccessor().invoke(a), c.getAccessor().invoke(b), at + "." + c.getName());
          if (d != null) {
            return d;
          }
        } catch (ReflectiveOperationException | RuntimeException e) {
          return null; // cannot look inside: do not refuse a deploy on a guess
        }
      }
      return null;
    }
    if (!definesEquals(a.getClass())) {
      return null; // identity only: nothing meaningful to compare
    }
    return Objects.equals(a, b) ? null : at + ": " + a + " vs " + b;
  }

  private static boolean isFloat(Number n) {
    return n instanceof Float || n instanceof Double;
  }

  private static boolean close(double x, double y) {
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return Double.isNaN(x) && Double.isNaN(y);
    }
    return Math.abs(x - y) <= TOLERANCE * Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
  }

  private static boolean definesEquals(Class<?> c) {
    try {
      return c.getMethod("equals", Object.class).getDeclaringClass() != Object.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
