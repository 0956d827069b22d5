package io.maasdk.security.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hex and SHA-256 helpers. */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String of(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static byte[] parse(String hex) {
    return HEX.parseHex(hex);
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public static String sha256(byte[] bytes, int off, int len) {
    MessageDigest d = sha256();
    d.update(bytes, off, len);
    return of(d.digest());
  }
}
