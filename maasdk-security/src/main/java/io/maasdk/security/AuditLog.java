package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.TinkPrimitives;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ManagementRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only, tamper-evident log of deploys, alias moves, rollbacks, cache drops, key use and
 * (optionally) calls. One text line per record:
 *
 * <pre>
 * v1 TAB seq TAB time TAB event TAB model TAB version TAB actor TAB detail TAB prevHash TAB mac
 * </pre>
 *
 * Each record carries the SHA-256 of the previous line and an HMAC-SHA256 (Tink MAC, {@link
 * KeyPurpose#AUDIT} keyset) over its fields; a head file ({@code <log>.head}, MAC'd) records the
 * last sequence number and hash. {@link #verify} therefore detects a modified, forged, deleted,
 * inserted or reordered record and a truncated log, and says at which record. A head file rolled
 * back together with the log (an attacker replaying an older, genuine state) is only caught by
 * comparing {@link AuditVerification#records()} with a count kept elsewhere.
 *
 * <p><b>Who.</b> Management records name the principal that {@link AccessControl} bound the request
 * to (its id, never its key; {@code unauthenticated} when no access control identified it) and, in
 * the detail, its tenant ({@code tenant=acme}). Call records name the call's bound tenant.
 *
 * <p><b>Crashes.</b> An append writes the record's line, then replaces the head file atomically
 * (write {@code <log>.head.tmp}, rename). A crash (a {@code kill -9}, or with {@link #open(Path,
 * KeysetHandle, Clock, boolean) fsync} on, a power loss) can therefore leave exactly two states
 * besides a consistent one, and {@link #open} repairs both:
 *
 * <ul>
 *   <li>a last line cut short (no newline) after the records the head counts, holding the start of
 *       the next record: the append never returned, the fragment is removed;
 *   <li>one whole, valid record more than the head counts: the append wrote its line but not the
 *       head, the head is moved forward (the record is kept).
 * </ul>
 *
 * So at most the one record whose {@code append} had not returned is lost, and every record it
 * returned for survives. {@link #verify} reports these states as valid with {@link
 * AuditVerification#interrupted()} set. Anything else (a cut inside a record the head counts, a
 * missing record, more than one uncounted record, a fragment that is not the start of the next
 * record, a missing head beside a non-empty log) is reported as tampering and {@code open} refuses
 * it. Without fsync a power loss may lose records the page cache held and look like truncation.
 *
 * <p>Never write secrets, API keys or raw payloads into a record; the call listener records outcome
 * and tenant, never inputs. Thread-safe: appends are serialized; one process may have a log open at
 * a time. A failed append (disk full) is rolled back, so the log stays consistent.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final String ZERO = "0".repeat(64);
  private static final byte[] RECORD_DOMAIN = "maasdk/audit/v1\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HEAD_DOMAIN =
      "maasdk/audit-head/v1\n".getBytes(StandardCharsets.UTF_8);

  /** The actor of a management record that no authenticating interceptor bound. */
  public static final String UNAUTHENTICATED = "unauthenticated";

  private final Path file;
  private final Path head;
  private final Mac mac;
  private final Clock clock;
  private final boolean fsync;
  private long lastSeq;
  private String lastHash;
  private boolean closed;

  /** A failed append could not be taken back: the file may hold one record more than we know. */
  private boolean broken;

  private AuditLog(Path file, Mac mac, Clock clock, boolean fsync, long lastSeq, String lastHash) {
    this.file = file;
    this.head = headOf(file);
    this.mac = mac;
    this.clock = clock;
    this.fsync = fsync;
    this.lastSeq = lastSeq;
    this.lastHash = lastHash;
  }

  /**
   * Opens (or creates) the log at {@code file}; an existing log must verify first.
   *
   * @param file the log file
   * @param auditKeys the {@link KeyPurpose#AUDIT} keyset that authenticates records
   * @return the open log
   */
  public static AuditLog open(Path file, KeysetHandle auditKeys) {
    return open(file, auditKeys, Clock.systemUTC());
  }

  /**
   * Opens (or creates) the log, timestamping records with {@code clock}; no fsync.
   *
   * @param file the log file
   * @param auditKeys the {@link KeyPurpose#AUDIT} keyset that authenticates records
   * @param clock the clock of record timestamps
   * @return the open log
   */
  public static AuditLog open(Path file, KeysetHandle auditKeys, Clock clock) {
    return open(file, auditKeys, clock, false);
  }

  /**
   * Opens (or creates) the log, timestamping records with {@code clock}. A log left by a crash
   * during an append is repaired first (see the class comment), and a warning logged.
   *
   * @param fsync whether each append is forced to the device (the line, then the head and its
   *     folder) before it returns: needed for the crash guarantees to hold across a power loss or
   *     an OS crash, and costs a few fsyncs per record; a process crash needs none
   * @param file the log file
   * @param auditKeys the {@link KeyPurpose#AUDIT} keyset that authenticates records
   * @param clock the clock of record timestamps
   * @return the open log
   * @throws IntegrityException if an existing log does not verify (nothing is appended to it)
   * @throws UncheckedIOException if it cannot be read, repaired or created
   */
  public static AuditLog open(Path file, KeysetHandle auditKeys, Clock clock, boolean fsync) {
    Mac mac = mac(auditKeys);
    Path head = headOf(file);
    try {
      Files.deleteIfExists(tmpOf(head)); // a head write a crash interrupted
      if (Files.exists(file)) {
        Scan scan = scan(file, mac);
        AuditVerification v = scan.result;
        if (!v.valid()) {
          throw new IntegrityException(
              null, null, "refusing to append to the audit log " + file + ": " + v.problem());
        }
        AuditLog log = new AuditLog(file, mac, clock, fsync, v.records(), scan.lastHash);
        if (scan.validLength < Files.size(file)) {
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(scan.validLength);
            ch.force(true);
          }
        }
        if (scan.headBehind) {
          log.writeHead();
        }
        if (v.interrupted()) {
          LOG.warn("audit log {}: {}; repaired", file, v.problem());
        }
        return log;
      }
      if (Files.exists(head)) {
        throw new IntegrityException(
            null,
            null,
            "refusing to create the audit log "
                + file
                + ": its head file "
                + head.getFileName()
                + " exists, so the log was deleted");
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, new byte[0], StandardOpenOption.CREATE_NEW);
      AuditLog log = new AuditLog(file, mac, clock, fsync, 0, ZERO);
      log.writeHead();
      return log;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit log " + file, e);
    }
  }

  /**
   * One record to append.
   *
   * @param event what happened: {@code deploy}, {@code alias}, {@code rollback}, {@code key-use},
   *     {@code call}, …
   * @param model the model's name
   * @param version the version, or {@code null} for none
   * @param actor who did it (a principal, never a key)
   * @param detail the outcome and context; never secrets or payloads
   */
  public record Entry(
      String event, String model, @Nullable String version, String actor, String detail) {}

  /**
   * Appends one record.
   *
   * @param entry the record to append
   * @return its sequence number (1 for the first record)
   */
  public synchronized long append(Entry entry) {
    String event = entry.event();
    String model = entry.model();
    @Nullable String version = entry.version();
    String actor = entry.actor();
    String detail = entry.detail();
    if (closed) {
      throw new IllegalStateException("the audit log " + file + " is closed");
    }
    if (broken) {
      throw new IllegalStateException(
          "the audit log "
              + file
              + " could not take back a failed"
              + " append; open it again (opening repairs it)");
    }
    long seq = lastSeq + 1;
    String body =
        String.join(
            "\t",
            "v1",
            Long.toString(seq),
            clock.instant().toString(),
            esc(event),
            esc(model),
            version == null ? "-" : esc(version),
            esc(actor),
            esc(detail),
            lastHash);
    String line = body + "\t" + Hex.of(compute(mac, RECORD_DOMAIN, body));
    byte[] record = bytes(line + "\n");
    String hash = Hex.sha256(bytes(line), 0, bytes(line).length);
    long before = -1;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      before = ch.size();
      ch.position(before);
      ByteBuffer buf = ByteBuffer.wrap(record);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (fsync) {
        ch.force(false);
      }
      writeHead(seq, hash);
      lastSeq = seq;
      lastHash = hash;
    } catch (IOException e) {
      broken = !rollBack(before, e);
      throw new UncheckedIOException(
          "cannot append to the audit log "
              + file
              + (broken
                  ? " (the record may be in the file; reopen the log)"
                  : " (the record was not written)"),
          e);
    }
    return seq;
  }

  /**
   * Records every call's outcome: model, version, the principal {@link AccessControl} bound it to
   * as the actor ({@value #UNAUTHENTICATED} if none did; never the key), and in the detail the
   * outcome and the call's bound tenant; never the input.
   *
   * @return the listener
   */
  public InferenceListener callListener() {
    return e ->
        append(
            new Entry(
                "call",
                e.modelName(),
                e.version() == null ? null : e.version().toString(),
                e.principal() == null ? UNAUTHENTICATED : e.principal(),
                e.outcome().name().toLowerCase(java.util.Locale.ROOT) + " tenant=" + e.tenant()));
  }

  /**
   * Records every management request (deploy, undeploy, alias, rollback, invalidate) twice: {@code
   * requested} before it runs, then {@code done} or {@code failed: <exception>} once it has ended.
   * The actor is the principal {@link AccessControl} bound the request to ({@value
   * #UNAUTHENTICATED} if none did) and the detail names its tenant, its alias and, for an automatic
   * operation such as a rollout's rollback, its reason ({@code reason=<why>}, the gate that failed,
   * always last in the detail). It runs after access control (phase {@link
   * CallInterceptor.Phase#CHECK}), so only permitted requests are recorded.
   *
   * @return the interceptor
   */
  public CallInterceptor managementRecorder() {
    return new CallInterceptor() {
      @Override
      public void beforeCall(CallContext context) {}

      @Override
      public void beforeManagement(ManagementRequest r) {
        record(r, "requested");
      }

      @Override
      public void afterManagement(ManagementRequest r, @Nullable RuntimeException failure) {
        record(r, failure == null ? "done" : "failed: " + failure.getClass().getSimpleName());
      }

      private void record(ManagementRequest r, String outcome) {
        String principal = r.principal();
        String detail =
            outcome
                + (r.tenant() == null ? "" : " tenant=" + r.tenant())
                + (r.alias() == null ? "" : " alias=" + r.alias())
                + (r.reason() == null ? "" : " reason=" + r.reason());
        append(
            new Entry(
                r.action().name().toLowerCase(java.util.Locale.ROOT),
                r.modelName(),
                r.version() == null ? null : r.version().toString(),
                principal == null ? UNAUTHENTICATED : principal,
                detail));
      }
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  /**
   * Verifies the log at {@code file} and its head file. Never throws for a bad log.
   *
   * @param file the log file
   * @param auditKeys the keyset the log was written with
   * @return whether it verified, how many records, and the first problem
   */
  public static AuditVerification verify(Path file, KeysetHandle auditKeys) {
    try {
      return verify(file, mac(auditKeys));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + file, e);
    }
  }

  private static AuditVerification verify(Path file, Mac mac) throws IOException {
    return scan(file, mac).result;
  }

  /** What {@link #scan} found: the verdict, and what {@link #open} must repair. */
  private static final class Scan {
    final AuditVerification result;

    /** Bytes of the log that are whole records; a torn tail starts here. */
    final long validLength;

    /** The hash of the last whole record ({@code ZERO} if none). */
    final String lastHash;

    /** The log holds one whole record more than the head counts. */
    final boolean headBehind;

    Scan(AuditVerification result, long validLength, String lastHash, boolean headBehind) {
      this.result = result;
      this.validLength = validLength;
      this.lastHash = lastHash;
      this.headBehind = headBehind;
    }

    static Scan bad(AuditVerification result) {
      return new Scan(result, -1, ZERO, false);
    }
  }

  private static Scan scan(Path file, Mac mac) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int end = all.length;
    while (end > 0 && all[end - 1] != '\n') {
      end--;
    }
    byte[] tail = java.util.Arrays.copyOfRange(all, end, all.length);
    List<String> lines = lines(java.util.Arrays.copyOf(all, end));
    String prev = ZERO;
    String beforeLast = ZERO;
    for (int i = 0; i < lines.size(); i++) {
      long at = i + 1;
      String line = lines.get(i);
      String[] f = line.split("\t", -1);
      if (f.length != 10 || !f[0].equals("v1")) {
        return Scan.bad(
            AuditVerification.bad(i, at, "record " + at + " is malformed (modified or cut)"));
      }
      String body = line.substring(0, line.lastIndexOf('\t'));
      if (!verifyMac(mac, RECORD_DOMAIN, body, f[9])) {
        return Scan.bad(
            AuditVerification.bad(
                i, at, "record " + at + " fails its MAC: it was modified or forged"));
      }
      long seq;
      try {
        seq = Long.parseLong(f[1]);
      } catch (NumberFormatException e) {
        return Scan.bad(AuditVerification.bad(i, at, "record " + at + " is malformed"));
      }
      if (seq != at) {
        return Scan.bad(
            AuditVerification.bad(
                i,
                at,
                "record "
                    + at
                    + " has sequence number "
                    + seq
                    + ", expected "
                    + at
                    + ": records were deleted, inserted or reordered here"));
      }
      if (!f[8].equals(prev)) {
        return Scan.bad(
            AuditVerification.bad(
                i,
                at,
                "record "
                    + at
                    + " does not chain to record "
                    + i
                    + ": records were deleted, inserted or reordered here"));
      }
      beforeLast = prev;
      prev = Hex.sha256(bytes(line), 0, bytes(line).length);
    }
    long n = lines.size();
    Path head = headOf(file);
    if (!Files.exists(head)) {
      if (n == 0 && tail.length == 0) { // a crash between creating the log and its first head
        return new Scan(
            AuditVerification.interrupted(
                0,
                "the log was created but its head file"
                    + " was not yet written (a crash while creating it)"),
            end,
            ZERO,
            true);
      }
      return Scan.bad(
          AuditVerification.bad(
              n,
              n + 1,
              "the head file "
                  + head.getFileName()
                  + " is missing: truncation cannot be ruled out"));
    }
    String h = new String(Files.readAllBytes(head), StandardCharsets.UTF_8).trim();
    String[] hf = h.split("\t", -1);
    long headSeq;
    try {
      if (hf.length != 4
          || !hf[0].equals("v1")
          || !verifyMac(mac, HEAD_DOMAIN, h.substring(0, h.lastIndexOf('\t')), hf[3])) {
        throw new NumberFormatException();
      }
      headSeq = Long.parseLong(hf[1]);
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return Scan.bad(
          AuditVerification.bad(n, n + 1, "the head file fails its MAC: it was modified"));
    }
    if (tail.length > 0) {
      // Only the start of the next record, after exactly the records the head counts, is a torn
      // append; a cut anywhere else removed (part of) a record that had been acknowledged.
      String next = "v1\t" + (n + 1) + "\t";
      boolean startOfNext = headSeq == n && hf[2].equals(prev) && startsLike(tail, bytes(next));
      if (!startOfNext) {
        return Scan.bad(
            AuditVerification.bad(
                n,
                n + 1,
                "record "
                    + (n + 1)
                    + " is cut short: the"
                    + " log was truncated or modified there"));
      }
      return new Scan(
          AuditVerification.interrupted(
              n,
              "an append interrupted by a crash left "
                  + tail.length
                  + " byte(s) of record "
                  + (n + 1)
                  + ", which was never acknowledged,"
                  + " after record "
                  + n),
          end,
          prev,
          false);
    }
    if (headSeq > n) {
      return Scan.bad(
          AuditVerification.bad(
              n,
              n + 1,
              "the log ends after record "
                  + n
                  + " but its head records "
                  + headSeq
                  + ": records "
                  + (n + 1)
                  + ".."
                  + headSeq
                  + " were truncated"));
    }
    if (headSeq == n && hf[2].equals(prev)) {
      return new Scan(AuditVerification.ok(n), end, prev, false);
    }
    if (headSeq == n - 1 && hf[2].equals(beforeLast)) {
      return new Scan(
          AuditVerification.interrupted(
              n,
              "record "
                  + n
                  + " was written but a crash"
                  + " stopped the append before it moved the head forward"),
          end,
          prev,
          true);
    }
    return Scan.bad(
        AuditVerification.bad(
            n,
            headSeq + 1,
            "the head records "
                + headSeq
                + " records but the log has "
                + n
                + " that do not end where the head says"));
  }

  /** Whether {@code tail} and {@code prefix} agree on their common length. */
  private static boolean startsLike(byte[] tail, byte[] prefix) {
    for (int i = 0; i < Math.min(tail.length, prefix.length); i++) {
      if (tail[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Cuts the log back to {@code size} after a failed append, so no fragment stays in it.
   *
   * @return whether the log is back to {@code size} (or was never written)
   */
  private boolean rollBack(long size, IOException cause) {
    if (size < 0) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      if (ch.size() > size) {
        ch.truncate(size);
      }
      return true;
    } catch (IOException e) {
      cause.addSuppressed(e);
      return false;
    }
  }

  private void writeHead() throws IOException {
    writeHead(lastSeq, lastHash);
  }

  private void writeHead(long seq, String hash) throws IOException {
    String body = "v1\t" + seq + "\t" + hash;
    String text = body + "\t" + Hex.of(compute(mac, HEAD_DOMAIN, body)) + "\n";
    Path tmp = tmpOf(head);
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes(text));
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (fsync) {
        ch.force(false);
      }
    }
    Files.move(tmp, head, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Path folder = head.toAbsolutePath().getParent();
    if (fsync && folder != null) {
      forceFolder(folder);
    }
  }

  private static void forceFolder(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open a folder; the rename itself is atomic
    }
  }

  private static Path tmpOf(Path head) {
    return head.resolveSibling(head.getFileName() + ".tmp");
  }

  /**
   * The head file of {@code log}: {@code <log>.head}.
   *
   * @param log the log file
   * @return its head file
   */
  public static Path headOf(Path log) {
    return log.resolveSibling(log.getFileName() + ".head");
  }

  private static Mac mac(KeysetHandle keys) {
    return TinkPrimitives.primitive(
        keys, Mac.class, "the audit keyset", "not a MAC keyset: use KeyPurpose.AUDIT.generate()");
  }

  private static byte[] compute(Mac mac, byte[] domain, String body) {
    return TinkPrimitives.run("MAC", () -> mac.computeMac(concat(domain, bytes(body))));
  }

  private static boolean verifyMac(Mac mac, byte[] domain, String body, String hex) {
    try {
      mac.verifyMac(Hex.parse(hex), concat(domain, bytes(body)));
      return true;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static List<String> lines(byte[] all) {
    List<String> out = new ArrayList<>();
    String s = new String(all, StandardCharsets.UTF_8);
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    if (start < s.length()) {
      out.add(s.substring(start));
    }
    return out;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String esc(String s) {
    Objects.requireNonNull(s);
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
  }
}
