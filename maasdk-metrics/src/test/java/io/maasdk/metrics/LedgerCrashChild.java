package io.maasdk.metrics;

import io.maasdk.spi.InferenceEvent.Outcome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM for {@link LedgerTest}: appends records to a ledger (fsync always) until killed,
 * printing {@code ack <n>} after batch {@code 1..n} was written and synced.
 */
public final class LedgerCrashChild {
  private LedgerCrashChild() {}

  /**
   * Appends until killed.
   *
   * @param args the ledger directory
   * @throws Exception if the ledger cannot be opened or written
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    try (LedgerSink sink =
        LedgerSink.builder(dir).fsync(FsyncPolicy.always()).maxFileBytes(64 * 1024).build()) {
      long n = 0;
      Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
      while (true) {
        List<UsageRecord> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          n++;
          batch.add(
              new UsageRecord(
                  "child-" + n,
                  t0.plusMillis(n),
                  "tenant-" + (n % 3),
                  "digits",
                  "1.0.0",
                  1 + n % 5,
                  false,
                  Outcome.SUCCESS,
                  1000));
        }
        sink.write(batch);
        System.out.println("ack " + n);
        System.out.flush();
      }
    }
  }
}
