package io.maasdk.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a {@link LedgerSink} directory back: every record once, in the order written.
 *
 * <p><b>Damage.</b> The reader never fails on damage it can step over. A line that is not a
 * complete record — torn by a crash (even inside a multi-byte UTF-8 character), not valid UTF-8,
 * not JSON, a record with a field missing, or a last line without its newline — is skipped and
 * reported in {@link #skipped()}, with its file, line number, byte offset and why, wherever it is
 * in the file. The lines after it are read as usual. A record id seen before is skipped and counted
 * in {@link #duplicates()}, so nothing is counted twice. Only an I/O failure (a file that cannot be
 * read) makes {@link #read} throw.
 *
 * <p>Immutable snapshot: the files are read once, in {@link #read}. Reading a ledger that a sink is
 * writing is safe; it sees the lines complete at that moment (a line being written is reported as
 * skipped).
 *
 * <pre>{@code
 * LedgerReader ledger = LedgerReader.read(Path.of("ledger"));
 * List<UsageTotals> usage = ledger.usage(BillingPeriod.MONTH, ZoneOffset.UTC);
 * }</pre>
 */
public final class LedgerReader {
  /** At most this many skipped lines are kept with their details; all are counted. */
  static final int MAX_SKIPPED_DETAILS = 1_000;

  private final List<UsageRecord> records;
  private final List<SkippedLine> skipped;
  private final long skippedLines;
  private final long duplicates;

  private LedgerReader(
      List<UsageRecord> records, List<SkippedLine> skipped, long skippedLines, long duplicates) {
    this.records = List.copyOf(records);
    this.skipped = List.copyOf(skipped);
    this.skippedLines = skippedLines;
    this.duplicates = duplicates;
  }

  /**
   * A line of the ledger that was not a complete record, and so was skipped.
   *
   * @param file the ledger file
   * @param line its line number in the file, from 1
   * @param offset the byte offset in the file where the line starts
   * @param length its length in bytes, without the newline
   * @param reason why it is not a record (torn, not UTF-8, not a usage record: …)
   */
  public record SkippedLine(Path file, long line, long offset, int length, String reason) {
    /**
     * Checks the components.
     *
     * @param file the ledger file
     * @param line its line number in the file, from 1
     * @param offset the byte offset in the file where the line starts
     * @param length its length in bytes, without the newline
     * @param reason why it is not a record (torn, not UTF-8, not a usage record: …)
     */
    public SkippedLine {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Reads every ledger file in {@code dir}; an absent directory is an empty ledger.
   *
   * @param dir the ledger's directory
   * @return the reader, holding every record read
   * @throws IOException only if a file cannot be read; damaged content is skipped and reported
   */
  public static LedgerReader read(Path dir) throws IOException {
    Reading reading = new Reading();
    for (Path file : LedgerSink.files(dir)) {
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        long lineNo = 0;
        long offset = 0; // of buf[0] in the file
        long lineStart = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
          int from = 0;
          for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
              line.write(buf, from, i - from);
              reading.line(file, ++lineNo, lineStart, line.toByteArray(), true);
              line.reset();
              from = i + 1;
              lineStart = offset + i + 1;
            }
          }
          line.write(buf, from, n - from);
          offset += n;
        }
        if (line.size() > 0) {
          reading.line(file, ++lineNo, lineStart, line.toByteArray(), false);
        }
      }
    }
    return new LedgerReader(
        reading.records, reading.skipped, reading.skippedCount, reading.duplicates);
  }

  /** The state of one {@link #read}: records so far, ids seen, what was skipped. */
  private static final class Reading {
    final List<UsageRecord> records = new ArrayList<>();
    final List<SkippedLine> skipped = new ArrayList<>();
    final Set<String> ids = new HashSet<>();
    final CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    long skippedCount;
    long duplicates;

    void line(Path file, long lineNo, long start, byte[] bytes, boolean complete) {
      String problem = null;
      UsageRecord r = null;
      if (!complete) {
        problem = "torn: no newline at the end of the file";
      } else {
        String text = null;
        try {
          text = utf8.reset().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
          problem = "not valid UTF-8 (a torn or corrupt line)";
        }
        if (text != null) {
          if (text.isBlank()) {
            return;
          }
          try {
            r = UsageRecord.fromJson(text);
          } catch (RuntimeException e) {
            problem = "not a usage record: " + e.getMessage();
          }
        }
      }
      if (r == null) {
        skippedCount++;
        if (skipped.size() < MAX_SKIPPED_DETAILS) {
          skipped.add(
              new SkippedLine(
                  file, lineNo, start, bytes.length, abbreviate(String.valueOf(problem))));
        }
      } else if (ids.add(r.id())) {
        records.add(r);
      } else {
        duplicates++;
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }

  /**
   * Every record, once, in the order written.
   *
   * @return the records, without duplicates
   */
  public List<UsageRecord> records() {
    return records;
  }

  /**
   * Lines that were not complete records (blank lines are not counted).
   *
   * @return the number of skipped lines
   */
  public long skippedLines() {
    return skippedLines;
  }

  /**
   * Where the skipped lines are and why they were skipped, in the order found; the first 1,000 when
   * there are more ({@link #skippedLines()} counts them all).
   *
   * @return the first skipped lines, in ledger order
   */
  public List<SkippedLine> skipped() {
    return skipped;
  }

  /**
   * Records whose id appeared earlier in the ledger (ignored).
   *
   * @return the number of duplicate records
   */
  public long duplicates() {
    return duplicates;
  }

  /**
   * Usage per tenant × model × period, periods taken in {@code zone}.
   *
   * @param period the billing period to total by
   * @param zone the time zone that decides which period a record falls in
   * @return the totals
   */
  public List<UsageTotals> usage(BillingPeriod period, ZoneId zone) {
    return UsageTotals.aggregate(records, period, zone);
  }
}
