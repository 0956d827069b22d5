package io.maasdk.security;

import java.util.Locale;

/** What a model file is, judged from its bytes (and, for ONNX and DJL, its name). */
public enum ModelFormat {
  /** A TorchScript zip ({@code torch.jit.save}): holds compiled {@code code/}. */
  TORCHSCRIPT,
  /** An ONNX protobuf ({@code .onnx}). */
  ONNX,
  /** DJL's own parameter file ({@code .params}). */
  DJL_PARAMS,
  /**
   * A Python pickle: a raw pickle, or a {@code torch.save} zip holding {@code data.pkl} without
   * TorchScript code. Unpickling runs arbitrary code.
   */
  PICKLE,
  /** Anything else. */
  UNKNOWN;

  /**
   * Detects the format of {@code bytes[0..len)} named {@code fileName}.
   *
   * @param fileName the file's name
   * @param bytes the file's first bytes
   * @param len how many of {@code bytes} hold data
   * @return the format
   */
  public static ModelFormat detect(String fileName, byte[] bytes, int len) {
    String name = fileName.toLowerCase(Locale.ROOT);
    if (len > 0 && (bytes[0] & 0xff) == 0x80) {
      return PICKLE; // pickle protocol 2+ opcode PROTO
    }
    if (name.endsWith(".pkl") || name.endsWith(".pickle")) {
      return PICKLE;
    }
    if (len >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4) {
      return zipFormat(bytes, len);
    }
    if (name.endsWith(".onnx") && len > 0 && bytes[0] == 0x08) {
      return ONNX; // field 1 (ir_version), varint
    }
    if (name.endsWith(".params")
        && len >= 5
        && new String(bytes, 0, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("PARAM")) {
      return DJL_PARAMS;
    }
    return UNKNOWN;
  }

  private static ModelFormat zipFormat(byte[] b, int len) {
    // Read the central directory (PyTorch writes STORED entries with data descriptors, which
    // java.util.zip.ZipInputStream cannot walk). Bounds are checked at every step.
    boolean code = false;
    boolean dataPkl = false;
    int eocd = -1;
    for (int i = len - 22; i >= Math.max(0, len - 22 - 65535); i--) {
      if (u32(b, i) == 0x06054b50L) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      return UNKNOWN;
    }
    long entries = u16(b, eocd + 10);
    long cdOffset = u32(b, eocd + 16);
    if (cdOffset == 0xffffffffL || entries == 0xffff) {
      int loc = eocd - 20;
      if (loc < 0 || u32(b, loc) != 0x07064b50L) {
        return UNKNOWN;
      }
      long rec = u64(b, loc + 8);
      if (rec < 0 || rec > len - 56 || u32(b, (int) rec) != 0x06064b50L) {
        return UNKNOWN;
      }
      entries = u64(b, (int) rec + 32);
      cdOffset = u64(b, (int) rec + 48);
    }
    if (cdOffset < 0 || cdOffset >= len || entries < 0 || entries > 1_000_000) {
      return UNKNOWN;
    }
    int p = (int) cdOffset;
    for (long n = 0; n < entries; n++) {
      if (p + 46 > len || u32(b, p) != 0x02014b50L) {
        return UNKNOWN;
      }
      int nameLen = u16(b, p + 28);
      int extraLen = u16(b, p + 30);
      int commentLen = u16(b, p + 32);
      if (p + 46 + nameLen > len) {
        return UNKNOWN;
      }
      String name = new String(b, p + 46, nameLen, java.nio.charset.StandardCharsets.UTF_8);
      if (name.startsWith("code/") || name.contains("/code/")) {
        code = true;
      }
      if (name.equals("data.pkl") || name.endsWith("/data.pkl")) {
        dataPkl = true;
      }
      p += 46 + nameLen + extraLen + commentLen;
    }
    if (code) {
      return TORCHSCRIPT;
    }
    return dataPkl ? PICKLE : UNKNOWN;
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int i) {
    return u16(b, i) | (long) u16(b, i + 2) << 16;
  }

  private static long u64(byte[] b, int i) {
    return u32(b, i) | u32(b, i + 4) << 32;
  }
}
