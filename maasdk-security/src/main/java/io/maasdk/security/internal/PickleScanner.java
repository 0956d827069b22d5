package io.maasdk.security.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Walks a pickle (protocols 0 to 5) opcode by opcode without executing it, and reports every global
 * it would import: {@code GLOBAL} and {@code INST} name theirs inline, {@code STACK_GLOBAL} takes
 * the two strings on top of the stack, which the scanner tracks through the memo ({@code PUT},
 * {@code BINPUT}, {@code MEMOIZE}, {@code GET}…). A global it cannot name (a {@code STACK_GLOBAL}
 * over anything but two strings, an {@code EXT*} extension code), an unknown opcode, a truncated or
 * malformed pickle is a {@link Refused} problem, never a pass. Stateless; thread-safe.
 */
public final class PickleScanner {
  private PickleScanner() {}

  /** Why a pickle was refused: malformed, or a global that could not be named. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Told about each global the pickle imports, as {@code module.name}. */
  @FunctionalInterface
  public interface GlobalCheck {
    /** Returns {@code null} to allow, else why it is refused. */
    @Nullable String problem(String module, String name);
  }

  private static final Object MARK = new Object();
  private static final Object OTHER = new Object();
  private static final int MAX_STACK = 1_000_000;

  /**
   * Scans {@code p} and asks {@code check} about every global.
   *
   * @throws Refused with the first problem (a refused global, or why the pickle is malformed)
   */
  public static void scan(byte[] p, GlobalCheck check) throws Refused {
    List<Object> stack = new ArrayList<>();
    Map<Long, Object> memo = new HashMap<>();
    int i = 0;
    while (true) {
      if (i >= p.length) {
        throw new Refused("the pickle ends without STOP at byte " + i);
      }
      int op = p[i] & 0xff;
      int at = i;
      i++;
      switch (op) {
        case '.': // STOP
          return;
        case '(': // MARK
          push(stack, MARK);
          break;
        case '0': // POP
          pop(stack, at);
          break;
        case '1': // POP_MARK
          popMark(stack, at);
          break;
        case '2': // DUP
          push(stack, top(stack, at));
          break;
        case 'F':
        case 'I':
        case 'L':
        case 'P': // FLOAT, INT, LONG, PERSID (text line)
          i = lineEnd(p, i) + 1;
          push(stack, OTHER);
          break;
        case 'S':
          { // STRING 'text' or "text"
            int e = lineEnd(p, i);
            String s = new String(p, i, e - i, StandardCharsets.ISO_8859_1);
            if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"')) {
              s = s.substring(1, s.length() - 1);
            }
            push(stack, s);
            i = e + 1;
            break;
          }
        case 'V':
          { // UNICODE (raw-unicode-escape line)
            int e = lineEnd(p, i);
            push(stack, new String(p, i, e - i, StandardCharsets.UTF_8));
            i = e + 1;
            break;
          }
        case 'J':
          i = need(p, i, 4);
          push(stack, OTHER);
          break; // BININT
        case 'K':
          i = need(p, i, 1);
          push(stack, OTHER);
          break; // BININT1
        case 'M':
          i = need(p, i, 2);
          push(stack, OTHER);
          break; // BININT2
        case 'G':
          i = need(p, i, 8);
          push(stack, OTHER);
          break; // BINFLOAT
        case 'N':
        case ')':
        case ']':
        case '}': // NONE, EMPTY_TUPLE/LIST/DICT
        case 0x88:
        case 0x89:
        case 0x8f:
        case 0x97: // NEWTRUE, NEWFALSE, EMPTY_SET, NEXT_BUFFER
          push(stack, OTHER);
          break;
        case 'Q': // BINPERSID
        case 0x85: // TUPLE1
        case 0x98: // READONLY_BUFFER
          pop(stack, at);
          push(stack, OTHER);
          break;
        case 'R':
        case 0x81:
        case 0x86: // REDUCE, NEWOBJ, TUPLE2
          pop(stack, at);
          pop(stack, at);
          push(stack, OTHER);
          break;
        case 0x87:
        case 0x92: // TUPLE3, NEWOBJ_EX
          pop(stack, at);
          pop(stack, at);
          pop(stack, at);
          push(stack, OTHER);
          break;
        case 'T':
          { // BINSTRING
            long n = u32(p, i, at);
            i = need(p, i + 4, n);
            push(stack, new String(p, i - (int) n, (int) n, StandardCharsets.ISO_8859_1));
            break;
          }
        case 'U':
          { // SHORT_BINSTRING
            int n = u8(p, i, at);
            i = need(p, i + 1, n);
            push(stack, new String(p, i - n, n, StandardCharsets.ISO_8859_1));
            break;
          }
        case 'X':
          { // BINUNICODE
            long n = u32(p, i, at);
            i = need(p, i + 4, n);
            push(stack, new String(p, i - (int) n, (int) n, StandardCharsets.UTF_8));
            break;
          }
        case 0x8c:
          { // SHORT_BINUNICODE
            int n = u8(p, i, at);
            i = need(p, i + 1, n);
            push(stack, new String(p, i - n, n, StandardCharsets.UTF_8));
            break;
          }
        case 0x8d:
          { // BINUNICODE8
            long n = u64(p, i, at);
            i = need(p, i + 8, n);
            push(stack, new String(p, i - (int) n, (int) n, StandardCharsets.UTF_8));
            break;
          }
        case 'B':
          {
            i = need(p, i + 4, u32(p, i, at));
            push(stack, OTHER);
            break;
          } // BINBYTES
        case 'C':
          {
            i = need(p, i + 1, u8(p, i, at));
            push(stack, OTHER);
            break;
          } // SHORT_BINBYTES
        case 0x8e:
        case 0x96:
          { // BINBYTES8, BYTEARRAY8
            i = need(p, i + 8, u64(p, i, at));
            push(stack, OTHER);
            break;
          }
        case 0x8a:
          {
            i = need(p, i + 1, u8(p, i, at));
            push(stack, OTHER);
            break;
          } // LONG1
        case 0x8b:
          {
            i = need(p, i + 4, u32(p, i, at));
            push(stack, OTHER);
            break;
          } // LONG4
        case 'a': // APPEND
        case 'b': // BUILD
          pop(stack, at);
          break;
        case 's': // SETITEM
          pop(stack, at);
          pop(stack, at);
          break;
        case 'e':
        case 'u':
        case 0x90: // APPENDS, SETITEMS, ADDITEMS
          popMark(stack, at);
          break;
        case 'd':
        case 'l':
        case 't':
        case 0x91:
        case 'o': // DICT, LIST, TUPLE, FROZENSET, OBJ
          popMark(stack, at);
          push(stack, OTHER);
          break;
        case 'c':
        case 'i':
          { // GLOBAL, INST: "module\nname\n"
            int e1 = lineEnd(p, i);
            int e2 = lineEnd(p, e1 + 1);
            String module = new String(p, i, e1 - i, StandardCharsets.UTF_8);
            String name = new String(p, e1 + 1, e2 - e1 - 1, StandardCharsets.UTF_8);
            i = e2 + 1;
            checkGlobal(check, module, name, at);
            if (op == 'i') {
              popMark(stack, at);
            }
            push(stack, OTHER);
            break;
          }
        case 0x93:
          { // STACK_GLOBAL
            Object name = pop(stack, at);
            Object module = pop(stack, at);
            if (!(module instanceof String m) || !(name instanceof String n)) {
              throw new Refused(
                  "STACK_GLOBAL at byte "
                      + at
                      + " imports a global whose name is not a plain string");
            }
            checkGlobal(check, m, n, at);
            push(stack, OTHER);
            break;
          }
        case 0x82:
        case 0x83:
        case 0x84: // EXT1, EXT2, EXT4
          throw new Refused(
              "opcode EXT at byte "
                  + at
                  + " imports a global through the copyreg extension registry");
        case 'p':
          { // PUT (decimal line)
            int e = lineEnd(p, i);
            memo.put(decimal(p, i, e, at), top(stack, at));
            i = e + 1;
            break;
          }
        case 'q':
          memo.put((long) u8(p, i, at), top(stack, at));
          i += 1;
          break; // BINPUT
        case 'r':
          memo.put(u32(p, i, at), top(stack, at));
          i += 4;
          break; // LONG_BINPUT
        case 0x94:
          memo.put((long) memo.size(), top(stack, at));
          break; // MEMOIZE
        case 'g':
          { // GET
            int e = lineEnd(p, i);
            push(stack, memo(memo, decimal(p, i, e, at), at));
            i = e + 1;
            break;
          }
        case 'h':
          push(stack, memo(memo, u8(p, i, at), at));
          i += 1;
          break; // BINGET
        case 'j':
          push(stack, memo(memo, u32(p, i, at), at));
          i += 4;
          break; // LONG_BINGET
        case 0x80:
          i = need(p, i, 1);
          break; // PROTO
        case 0x95:
          i = need(p, i, 8);
          break; // FRAME
        default:
          throw new Refused(String.format("unknown pickle opcode 0x%02x at byte %d", op, at));
      }
    }
  }

  private static void checkGlobal(GlobalCheck check, String module, String name, int at)
      throws Refused {
    String problem = check.problem(module, name);
    if (problem != null) {
      throw new Refused(problem + " (at byte " + at + ")");
    }
  }

  private static void push(List<Object> stack, Object o) throws Refused {
    if (stack.size() >= MAX_STACK) {
      throw new Refused("the pickle's stack grows past " + MAX_STACK + " items");
    }
    stack.add(o);
  }

  private static Object pop(List<Object> stack, int at) throws Refused {
    if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
      throw new Refused("the opcode at byte " + at + " pops an empty stack");
    }
    return stack.remove(stack.size() - 1);
  }

  private static Object top(List<Object> stack, int at) throws Refused {
    if (stack.isEmpty()) {
      throw new Refused("the opcode at byte " + at + " reads an empty stack");
    }
    return stack.get(stack.size() - 1);
  }

  private static void popMark(List<Object> stack, int at) throws Refused {
    while (true) {
      if (stack.isEmpty()) {
        throw new Refused("the opcode at byte " + at + " finds no MARK");
      }
      if (stack.remove(stack.size() - 1) == MARK) {
        return;
      }
    }
  }

  private static Object memo(Map<Long, Object> memo, long key, int at) throws Refused {
    Object o = memo.get(key);
    if (o == null) {
      throw new Refused("the opcode at byte " + at + " reads memo " + key + ", never stored");
    }
    return o;
  }

  private static int lineEnd(byte[] p, int from) throws Refused {
    for (int i = from; i < p.length; i++) {
      if (p[i] == '\n') {
        return i;
      }
    }
    throw new Refused("the pickle is cut inside a text argument at byte " + from);
  }

  private static long decimal(byte[] p, int from, int to, int at) throws Refused {
    try {
      return Long.parseLong(new String(p, from, to - from, StandardCharsets.US_ASCII).trim());
    } catch (NumberFormatException e) {
      throw new Refused("the opcode at byte " + at + " has a malformed memo index");
    }
  }

  /** The index after {@code n} argument bytes from {@code from}, if the pickle holds them. */
  private static int need(byte[] p, int from, long n) throws Refused {
    if (n < 0 || from > p.length || n > p.length - from) {
      throw new Refused("the pickle is cut inside an argument at byte " + from);
    }
    return from + (int) n;
  }

  private static int u8(byte[] p, int i, int at) throws Refused {
    need(p, i, 1);
    return p[i] & 0xff;
  }

  private static long u32(byte[] p, int i, int at) throws Refused {
    need(p, i, 4);
    return (p[i] & 0xffL)
        | (p[i + 1] & 0xffL) << 8
        | (p[i + 2] & 0xffL) << 16
        | (p[i + 3] & 0xffL) << 24;
  }

  private static long u64(byte[] p, int i, int at) throws Refused {
    need(p, i, 8);
    long v = 0;
    for (int k = 7; k >= 0; k--) {
      v = v << 8 | (p[i + k] & 0xffL);
    }
    if (v < 0) {
      throw new Refused("the opcode at byte " + at + " has a length beyond 2^63");
    }
    return v;
  }
}
