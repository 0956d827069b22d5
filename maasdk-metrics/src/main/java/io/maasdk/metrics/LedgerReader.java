package io.maasdk.metrics;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@link LedgerSink} directory back: every record once, in the order written. A line that
 * is not a complete record (a torn write the sink has not yet recovered) is skipped and counted; a
 * record id seen before is skipped and counted, so nothing is counted twice.
 *
 * <p>Immutable snapshot: the files are read once, in {@link #read}. Reading a ledger that a sink is
 * writing is safe; it sees the lines complete at that moment.
 *
 * <pre>{@code
 * LedgerReader ledger = LedgerReader.read(Path.of("ledger"));
 * List<UsageTotals> usage = ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC);
 * }</pre>
 */
public final class LedgerReader {
  private final List<UsageRecord> records;
  private final long skippedLines;
  private final long duplicates;

  private LedgerReader(List<UsageRecord> records, long skippedLines, long duplicates) {
    this.records = List.copyOf(records);
    this.skippedLines = skippedLines;
    this.duplicates = duplicates;
  }

  /** Reads every ledger file in {@code dir}; an absent directory is an empty ledger. */
  public static LedgerReader read(Path dir) throws IOException {
    List<UsageRecord> records = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    long skipped = 0;
    long dups = 0;
    for (Path file : LedgerSink.files(dir)) {
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          UsageRecord r;
          try {
            r = UsageRecord.fromJson(line);
          } catch (IllegalArgumentException e) {
            skipped++;
            continue;
          }
          if (ids.add(r.id())) {
            records.add(r);
          } else {
            dups++;
          }
        }
      }
    }
    return new LedgerReader(records, skipped, dups);
  }

  /** Every record, once, in the order written. */
  public List<UsageRecord> records() {
    return records;
  }

  /** Lines that were not complete records. */
  public long skippedLines() {
    return skippedLines;
  }

  /** Records whose id appeared earlier in the ledger (ignored). */
  public long duplicates() {
    return duplicates;
  }

  /** Usage per tenant × model × period, periods taken in {@code zone}. */
  public List<UsageTotals> usage(BillingPeriod period, ZoneId zone) {
    return UsageTotals.aggregate(records, period, zone);
  }
}
