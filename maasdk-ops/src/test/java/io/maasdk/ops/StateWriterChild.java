package io.maasdk.ops;

import io.maasdk.spi.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/** The child JVM of {@link CrashSafeStoreTest}: rewrites one key forever until it is killed. */
public final class StateWriterChild {
  static final int SIZE = 256 * 1024;

  private StateWriterChild() {}

  /** Value {@code i}: a header line, then {@code SIZE} copies of one letter. */
  static byte[] value(int i) {
    byte[] b = new byte[SIZE];
    Arrays.fill(b, (byte) ('a' + i % 26));
    byte[] head = ("v" + i + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + SIZE];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(b, 0, out, head.length, SIZE);
    return out;
  }

  /**
   * Rewrites the key until killed.
   *
   * @param args the state store directory
   */
  public static void main(String[] args) {
    StateStore store = StateStore.directory(Path.of(args[0]));
    for (int i = 0; ; i++) {
      store.write("rollouts/digits/stable", value(i));
      if (i % 5 == 4) {
        System.out.println("WROTE " + (i + 1));
        System.out.flush();
      }
    }
  }
}
