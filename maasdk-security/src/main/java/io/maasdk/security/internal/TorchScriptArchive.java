package io.maasdk.security.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * Checks every pickle in a TorchScript zip ({@code data.pkl}, {@code constants.pkl}, the {@code
 * code/*.debug_pkl} files, any other {@code *.pkl}) against the globals TorchScript's own loader
 * needs, like PyTorch's {@code weights_only} unpickler: the TorchScript classes compiled from the
 * archive's {@code code/} (modules {@code __torch__…}), the tensor-rebuild functions of {@code
 * torch._utils}, the storage types, {@code collections.OrderedDict} and the list builders of {@code
 * torch.jit._pickle}. Anything else ({@code os.system}, {@code builtins.eval}, {@code
 * subprocess.*}…) is refused. Stateless; thread-safe.
 */
public final class TorchScriptArchive {
  private TorchScriptArchive() {}

  /** Larger pickles are refused rather than inflated (TorchScript's are kilobytes). */
  static final long MAX_PICKLE_BYTES = 256L << 20;

  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "torch._utils",
              Set.of(
                  "_rebuild_tensor",
                  "_rebuild_tensor_v2",
                  "_rebuild_tensor_v3",
                  "_rebuild_parameter",
                  "_rebuild_parameter_with_state",
                  "_rebuild_qtensor",
                  "_rebuild_sparse_tensor",
                  "_rebuild_meta_tensor_no_storage"),
          "torch",
              Set.of(
                  "FloatStorage",
                  "DoubleStorage",
                  "HalfStorage",
                  "BFloat16Storage",
                  "LongStorage",
                  "IntStorage",
                  "ShortStorage",
                  "CharStorage",
                  "ByteStorage",
                  "BoolStorage",
                  "ComplexFloatStorage",
                  "ComplexDoubleStorage",
                  "QInt8Storage",
                  "QUInt8Storage",
                  "QInt32Storage",
                  "QUInt4x2Storage",
                  "QUInt2x4Storage",
                  "UntypedStorage",
                  "Size",
                  "device",
                  "float32",
                  "float64",
                  "float16",
                  "bfloat16",
                  "int8",
                  "int16",
                  "int32",
                  "int64",
                  "uint8",
                  "bool",
                  "complex64",
                  "complex128"),
          "collections", Set.of("OrderedDict"),
          "torch.jit._pickle",
              Set.of(
                  "build_intlist",
                  "build_tensorlist",
                  "build_doublelist",
                  "build_boollist",
                  "build_tensor_from_id",
                  "restore_type_tag"));

  /** Why a global is refused, or {@code null} if TorchScript's loader may import it. */
  static @Nullable String globalProblem(String module, String name) {
    if (module.equals("__torch__") || module.startsWith("__torch__.")) {
      return null; // a class compiled from the archive's own code/, never Python
    }
    Set<String> names = ALLOWED.get(module);
    if (names != null && names.contains(name)) {
      return null;
    }
    return "global " + module + "." + name + " is not one TorchScript needs to rebuild tensors";
  }

  /**
   * Scans {@code zip[0..len)}, a TorchScript archive.
   *
   * @return {@code null} if every pickle passes, else what is wrong, naming the entry and the
   *     global (or why the archive or pickle cannot be read)
   */
  public static @Nullable String problem(byte[] zip, int len) {
    int eocd = -1;
    for (int i = len - 22; i >= Math.max(0, len - 22 - 65535); i--) {
      if (u32(zip, i) == 0x06054b50L) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      return "its zip directory cannot be found";
    }
    long entries = u16(zip, eocd + 10);
    long cd = u32(zip, eocd + 16);
    if (cd == 0xffffffffL || entries == 0xffff) {
      int loc = eocd - 20;
      if (loc < 0 || u32(zip, loc) != 0x07064b50L) {
        return "its zip64 directory locator is missing";
      }
      long rec = u64(zip, loc + 8);
      if (rec < 0 || rec > len - 56 || u32(zip, (int) rec) != 0x06064b50L) {
        return "its zip64 directory is malformed";
      }
      entries = u64(zip, (int) rec + 32);
      cd = u64(zip, (int) rec + 48);
    }
    if (cd < 0 || cd >= len || entries < 0 || entries > 1_000_000) {
      return "its zip directory is malformed";
    }
    int p = (int) cd;
    int pickles = 0;
    for (long n = 0; n < entries; n++) {
      if (p < 0 || p + 46 > len || u32(zip, p) != 0x02014b50L) {
        return "its zip directory is malformed at entry " + n;
      }
      int method = u16(zip, p + 10);
      long csize = u32(zip, p + 20);
      long usize = u32(zip, p + 24);
      int nameLen = u16(zip, p + 28);
      int extraLen = u16(zip, p + 30);
      int commentLen = u16(zip, p + 32);
      long local = u32(zip, p + 42);
      if (p + 46L + nameLen + extraLen > len) {
        return "its zip directory is malformed at entry " + n;
      }
      String name = new String(zip, p + 46, nameLen, StandardCharsets.UTF_8);
      // zip64 sizes and offset, in that order, for the fields that say 0xffffffff
      int x = p + 46 + nameLen;
      int xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        int id = u16(zip, x);
        int size = u16(zip, x + 2);
        if (x + 4 + size > xEnd) {
          return "entry " + name + " has a malformed extra field";
        }
        if (id == 0x0001) {
          int f = x + 4;
          if (usize == 0xffffffffL && f + 8 <= x + 4 + size) {
            usize = u64(zip, f);
            f += 8;
          }
          if (csize == 0xffffffffL && f + 8 <= x + 4 + size) {
            csize = u64(zip, f);
            f += 8;
          }
          if (local == 0xffffffffL && f + 8 <= x + 4 + size) {
            local = u64(zip, f);
          }
        }
        x += 4 + size;
      }
      p += 46 + nameLen + extraLen + commentLen;
      if (!(name.endsWith(".pkl") || name.endsWith("_pkl"))) {
        continue;
      }
      pickles++;
      byte[] pickle;
      try {
        pickle = entryBytes(zip, len, name, method, csize, usize, local);
      } catch (IllegalArgumentException e) {
        return "entry " + name + ": " + e.getMessage();
      }
      try {
        PickleScanner.scan(pickle, TorchScriptArchive::globalProblem);
      } catch (PickleScanner.Refused e) {
        return "pickle " + name + ": " + e.getMessage();
      }
    }
    return pickles == 0 ? "it holds no pickle (data.pkl) for TorchScript to load" : null;
  }

  private static byte[] entryBytes(
      byte[] zip, int len, String name, int method, long csize, long usize, long local) {
    if (local < 0 || local > len - 30L || u32(zip, (int) local) != 0x04034b50L) {
      throw new IllegalArgumentException("its local header is missing");
    }
    long data = local + 30 + u16(zip, (int) local + 26) + u16(zip, (int) local + 28);
    if (csize < 0 || usize < 0 || data > len || csize > len - data) {
      throw new IllegalArgumentException("its data lies outside the archive");
    }
    if (usize > MAX_PICKLE_BYTES) {
      throw new IllegalArgumentException(
          "it is " + usize + " bytes, more than " + MAX_PICKLE_BYTES + " for a pickle");
    }
    if (method == 0) {
      if (csize != usize) {
        throw new IllegalArgumentException("a stored entry whose sizes differ");
      }
      byte[] out = new byte[(int) usize];
      System.arraycopy(zip, (int) data, out, 0, (int) usize);
      return out;
    }
    if (method != 8) {
      throw new IllegalArgumentException("compression method " + method + " is not supported");
    }
    Inflater inf = new Inflater(true);
    try {
      inf.setInput(zip, (int) data, (int) csize);
      byte[] out = new byte[(int) usize];
      int got = 0;
      while (got < out.length && !inf.finished()) {
        int k = inf.inflate(out, got, out.length - got);
        if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        got += k;
      }
      byte[] one = new byte[1];
      if (got != usize || (!inf.finished() && inf.inflate(one) > 0)) {
        throw new IllegalArgumentException(
            "it does not inflate to its declared " + usize + " bytes");
      }
      return out;
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("it does not inflate: " + e.getMessage());
    } finally {
      inf.end();
    }
  }

  private static int u16(byte[] b, int i) {
    if (i < 0 || i + 2 > b.length) {
      return -1;
    }
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int i) {
    if (i < 0 || i + 4 > b.length) {
      return -1;
    }
    return u16(b, i) | (long) u16(b, i + 2) << 16;
  }

  private static long u64(byte[] b, int i) {
    if (i < 0 || i + 8 > b.length) {
      return -1;
    }
    long lo = u32(b, i);
    long hi = u32(b, i + 4);
    return hi > Integer.MAX_VALUE ? -1 : lo | hi << 32;
  }
}
