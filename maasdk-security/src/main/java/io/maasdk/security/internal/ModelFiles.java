package io.maasdk.security.internal;

import io.maasdk.IntegrityException;
import io.maasdk.Version;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Name and path checks, and bounded reads that never follow a link out of a model's folder. */
public final class ModelFiles {
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,254}");

  /** Plaintext file names the engine looks for, in order of preference. */
  public static final List<String> MODEL_FILES =
      List.of("model.pt", "model.onnx", "model.torchscript", "model.params");

  private ModelFiles() {}

  /** Whether {@code name} is a safe model identifier: letters, digits, {@code . _ -}, no "..". */
  public static boolean isSafeName(String name) {
    return SAFE_NAME.matcher(name).matches() && !name.contains("..");
  }

  public static void requireSafeName(String name, @Nullable Version version) {
    if (!isSafeName(name)) {
      throw new IntegrityException(
          null,
          version,
          "refused model name '"
              + printable(name)
              + "': a model name must be 1-128 letters,"
              + " digits, '.', '_' or '-', start with a letter or digit and not contain '..'");
    }
  }

  /**
   * Why {@code rel} is not a safe relative path inside a model folder, or {@code null} if it is: no
   * absolute paths, no {@code ..} or {@code .} segments, no backslashes, plain characters.
   */
  public static @Nullable String pathProblem(String rel) {
    if (rel.isEmpty() || rel.length() > 1024) {
      return "empty or too long";
    }
    if (rel.startsWith("/") || rel.contains("\\") || rel.contains(":")) {
      return "absolute path";
    }
    for (String seg : rel.split("/", -1)) {
      if (seg.equals("..")) {
        return "'..' leaves the model's folder";
      }
      if (!SAFE_SEGMENT.matcher(seg).matches()) {
        return "segment is empty, '.', or has characters other than letters, digits, '.', '_', '-'";
      }
    }
    return null;
  }

  /** Text safe to echo in a message: printable ASCII only, at most 80 characters. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && b.length() < 80; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  /**
   * Resolves {@code rel} inside {@code realDir} (which must be a real path), refusing anything that
   * is not a regular file reached without symbolic links.
   *
   * @return the file, or {@code null} with {@code problem[0]} set
   */
  public static @Nullable Path resolveInside(Path realDir, String rel, String[] problem) {
    String p = pathProblem(rel);
    if (p != null) {
      problem[0] = p;
      return null;
    }
    Path file = realDir.resolve(rel).normalize();
    if (!file.startsWith(realDir)) {
      problem[0] = "leaves the model's folder";
      return null;
    }
    try {
      BasicFileAttributes a =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink()) {
        problem[0] = "is a symbolic link";
        return null;
      }
      if (!a.isRegularFile()) {
        problem[0] = "is not a regular file";
        return null;
      }
      if (!file.toRealPath().equals(file)) {
        problem[0] = "is reached through a symbolic link";
        return null;
      }
    } catch (NoSuchFileException e) {
      problem[0] = "does not exist";
      return null;
    } catch (IOException e) {
      problem[0] = "cannot be read (" + e.getClass().getSimpleName() + ")";
      return null;
    }
    return file;
  }

  /**
   * Reads a whole file, refusing files larger than {@code max} bytes.
   *
   * @throws IOException if it cannot be read or is larger than {@code max}
   */
  public static byte[] readBounded(Path file, long max) throws IOException {
    long size = Files.size(file);
    if (size > max) {
      throw new IOException(
          file.getFileName() + " is " + size + " bytes, more than the limit of " + max);
    }
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] b = in.readNBytes((int) Math.min(max, Integer.MAX_VALUE - 16) + 1);
      if (b.length > max) {
        throw new IOException(file.getFileName() + " grew past the limit of " + max + " bytes");
      }
      return b;
    }
  }
}
