package io.maasdk.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a serving JVM behind a slow disk: in durable mode no served call's record is
 * lost (in asynchronous mode the same run loses the records still in the buffer).
 */
class MeteringCrashTest {

  @Test
  void killMinus9_durableMode_everyServedCallIsInTheLedger(@TempDir Path dir) throws Exception {
    Set<String> served = serveThenKill(dir, "durable", 500);
    LedgerReader ledger = LedgerReader.read(dir);
    Set<String> recorded = new HashSet<>();
    for (UsageRecord r : ledger.records()) {
      recorded.add(r.tenant());
    }
    Set<String> lost = new HashSet<>(served);
    lost.removeAll(recorded);
    assertEquals(Set.of(), lost, "served but not recorded, of " + served.size());
    assertEquals(0, ledger.duplicates());
    assertTrue(ledger.skippedLines() <= 1, "at most the torn last line: " + ledger.skipped());
  }

  /** Runs the child until it has served {@code calls} calls, kills it, returns their tenants. */
  static Set<String> serveThenKill(Path dir, String mode, int calls) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Dai.djl.offline=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                    "-cp",
                    System.getProperty("java.class.path"),
                    DurableMeteringCrashChild.class.getName(),
                    dir.toString(),
                    mode))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    Set<String> served = new HashSet<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (served.size() < calls && (line = out.readLine()) != null) {
        if (line.startsWith("served ")) {
          served.add(line.substring(7));
        }
      }
      child.destroyForcibly(); // SIGKILL while calls are in flight
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(served.size() >= calls, "the child served " + served.size());
    return served;
  }
}
