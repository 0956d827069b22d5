package io.maasdk.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.StateStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file state store under SIGKILL: a JVM killed while it rewrites a key leaves one whole value,
 * never a torn one.
 */
class CrashSafeStoreTest {
  @TempDir Path dir;

  @Test
  void writerKilledMidWrite_leavesAWholeValue_everyTime() throws Exception {
    for (int round = 0; round < 6; round++) {
      Path state = dir.resolve("state-" + round);
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  StateWriterChild.class.getName(),
                  state.toString())
              .redirectErrorStream(true)
              .start();
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        int target = 10 + 7 * round; // kill at different points of the loop
        for (String l = r.readLine(); l != null; l = r.readLine()) {
          if (l.startsWith("WROTE ") && Integer.parseInt(l.substring(6)) >= target) {
            break;
          }
        }
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the writer did not die");
      }

      byte[] value = StateStore.directory(state).read("rollouts/digits/stable").orElseThrow();
      String head = new String(value, 0, Math.min(16, value.length), StandardCharsets.UTF_8);
      assertTrue(
          head.startsWith("v") && head.indexOf('\n') > 1,
          "round " + round + ": a torn value of " + value.length + " bytes");
      int i = Integer.parseInt(head.substring(1, head.indexOf('\n')));
      assertTrue(i >= 10 + 7 * round - 1, "value " + i);
      assertArrayEquals(
          StateWriterChild.value(i), value, "round " + round + ": value " + i + " is whole");
    }
  }
}
