package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.TinkInit;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ManagementRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
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

/**
 * An append-only, tamper-evident log of deploys, alias moves, rollbacks, key use and (optionally)
 * calls. One text line per record:
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
 * <p>Never write secrets, API keys or raw payloads into a record; the call listener records
 * outcome and tenant, never inputs. Thread-safe: appends are serialized. Each append writes the
 * line and replaces the head file (no fsync), so the call listener suits modest call rates.
 */
public final class AuditLog implements AutoCloseable {
  private static final String ZERO = "0".repeat(64);
  private static final byte[] RECORD_DOMAIN = "maasdk/audit/v1\n".getBytes(StandardCharsets.UTF_8);
  private static final byte[] HEAD_DOMAIN = "maasdk/audit-head/v1\n".getBytes(StandardCharsets.UTF_8);

  private final Path file;
  private final Path head;
  private final Mac mac;
  private final Clock clock;
  private long lastSeq;
  private String lastHash;
  private boolean closed;

  private AuditLog(Path file, Mac mac, Clock clock, long lastSeq, String lastHash) {
    this.file = file;
    this.head = headOf(file);
    this.mac = mac;
    this.clock = clock;
    this.lastSeq = lastSeq;
    this.lastHash = lastHash;
  }

  /** Opens (or creates) the log at {@code file}; an existing log must verify first. */
  public static AuditLog open(Path file, KeysetHandle auditKeys) {
    return open(file, auditKeys, Clock.systemUTC());
  }

  /**
   * Opens (or creates) the log, timestamping records with {@code clock}.
   *
   * @throws IntegrityException if an existing log does not verify (nothing is appended to it)
   */
  public static AuditLog open(Path file, KeysetHandle auditKeys, Clock clock) {
    Mac mac = mac(auditKeys);
    try {
      if (Files.exists(file)) {
        AuditVerification v = verify(file, mac);
        if (!v.valid()) {
          throw new IntegrityException(null, null,
              "refusing to append to the audit log " + file + ": " + v.problem());
        }
        List<String> lines = lines(Files.readAllBytes(file));
        String last = lines.isEmpty() ? null : lines.get(lines.size() - 1);
        return new AuditLog(file, mac, clock, v.records(),
            last == null ? ZERO : Hex.sha256(bytes(last), 0, bytes(last).length));
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, new byte[0], StandardOpenOption.CREATE_NEW);
      AuditLog log = new AuditLog(file, mac, clock, 0, ZERO);
      log.writeHead();
      return log;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit log " + file, e);
    }
  }

  /**
   * Appends one record.
   *
   * @param event what happened: {@code deploy}, {@code alias}, {@code rollback}, {@code key-use},
   *     {@code call}, …
   * @return its sequence number (1 for the first record)
   */
  public synchronized long append(
      String event, String model, @Nullable String version, String actor, String detail) {
    if (closed) {
      throw new IllegalStateException("the audit log " + file + " is closed");
    }
    long seq = lastSeq + 1;
    String body = String.join("\t", "v1", Long.toString(seq), clock.instant().toString(),
        esc(event), esc(model), version == null ? "-" : esc(version), esc(actor), esc(detail),
        lastHash);
    String line = body + "\t" + Hex.of(compute(mac, RECORD_DOMAIN, body));
    try {
      Files.write(file, bytes(line + "\n"), StandardOpenOption.APPEND);
      lastSeq = seq;
      lastHash = Hex.sha256(bytes(line), 0, bytes(line).length);
      writeHead();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the audit log " + file, e);
    }
    return seq;
  }

  /** Records every call's outcome (model, version, tenant, outcome; never the input). */
  public InferenceListener callListener() {
    return e -> append("call", e.modelName(), e.version() == null ? null : e.version().toString(),
        e.tenant(), e.outcome().name().toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * Records every management request (deploy, undeploy, alias, rollback) twice: {@code requested}
   * before it runs, then {@code done} or {@code failed: <exception>} once it has ended. Add it
   * after {@link AccessControl} so only permitted requests are recorded.
   */
  public CallInterceptor managementRecorder() {
    return new CallInterceptor() {
      @Override
      public void beforeCall(CallContext context) {}

      @Override
      public void beforeManagement(ManagementRequest r) {
        append(r.action().name().toLowerCase(java.util.Locale.ROOT), r.modelName(),
            r.version() == null ? null : r.version().toString(),
            r.credentials() == null ? AccessPolicy.ANONYMOUS : "credentialed",
            r.alias() == null ? "requested" : "requested alias=" + r.alias());
      }

      @Override
      public void afterManagement(ManagementRequest r, @Nullable RuntimeException failure) {
        String outcome = failure == null ? "done" : "failed: " + failure.getClass().getSimpleName();
        append(r.action().name().toLowerCase(java.util.Locale.ROOT), r.modelName(),
            r.version() == null ? null : r.version().toString(),
            r.credentials() == null ? AccessPolicy.ANONYMOUS : "credentialed",
            r.alias() == null ? outcome : outcome + " alias=" + r.alias());
      }
    };
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  /** Verifies the log at {@code file} and its head file. Never throws for a bad log. */
  public static AuditVerification verify(Path file, KeysetHandle auditKeys) {
    try {
      return verify(file, mac(auditKeys));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log " + file, e);
    }
  }

  private static AuditVerification verify(Path file, Mac mac) throws IOException {
    byte[] all = Files.readAllBytes(file);
    if (all.length > 0 && all[all.length - 1] != '\n') {
      long n = lines(all).size();
      return AuditVerification.bad(n - 1, n, "record " + n + " is cut short: the log was truncated"
          + " or modified there");
    }
    List<String> lines = lines(all);
    String prev = ZERO;
    for (int i = 0; i < lines.size(); i++) {
      long at = i + 1;
      String line = lines.get(i);
      String[] f = line.split("\t", -1);
      if (f.length != 10 || !f[0].equals("v1")) {
        return AuditVerification.bad(i, at, "record " + at + " is malformed (modified or cut)");
      }
      String body = line.substring(0, line.lastIndexOf('\t'));
      if (!verifyMac(mac, RECORD_DOMAIN, body, f[9])) {
        return AuditVerification.bad(i, at,
            "record " + at + " fails its MAC: it was modified or forged");
      }
      long seq;
      try {
        seq = Long.parseLong(f[1]);
      } catch (NumberFormatException e) {
        return AuditVerification.bad(i, at, "record " + at + " is malformed");
      }
      if (seq != at) {
        return AuditVerification.bad(i, at, "record " + at + " has sequence number " + seq
            + ", expected " + at + ": records were deleted, inserted or reordered here");
      }
      if (!f[8].equals(prev)) {
        return AuditVerification.bad(i, at, "record " + at + " does not chain to record " + i
            + ": records were deleted, inserted or reordered here");
      }
      prev = Hex.sha256(bytes(line), 0, bytes(line).length);
    }
    long n = lines.size();
    Path head = headOf(file);
    if (!Files.exists(head)) {
      return AuditVerification.bad(n, n + 1, "the head file " + head.getFileName()
          + " is missing: truncation cannot be ruled out");
    }
    String h = new String(Files.readAllBytes(head), StandardCharsets.UTF_8).trim();
    String[] hf = h.split("\t", -1);
    if (hf.length != 4 || !hf[0].equals("v1")
        || !verifyMac(mac, HEAD_DOMAIN, h.substring(0, h.lastIndexOf('\t')), hf[3])) {
      return AuditVerification.bad(n, n + 1, "the head file fails its MAC: it was modified");
    }
    long headSeq = Long.parseLong(hf[1]);
    if (headSeq > n) {
      return AuditVerification.bad(n, n + 1, "the log ends after record " + n + " but its head"
          + " records " + headSeq + ": records " + (n + 1) + ".." + headSeq
          + " were truncated");
    }
    if (headSeq != n || !hf[2].equals(prev)) {
      return AuditVerification.bad(n, headSeq + 1, "the head records " + headSeq
          + " records but the log has " + n + " that do not end where the head says");
    }
    return AuditVerification.ok(n);
  }

  private void writeHead() throws IOException {
    String body = "v1\t" + lastSeq + "\t" + lastHash;
    String text = body + "\t" + Hex.of(compute(mac, HEAD_DOMAIN, body)) + "\n";
    Path tmp = Files.createTempFile(head.toAbsolutePath().getParent(), ".maasdk-", ".tmp");
    try {
      Files.write(tmp, bytes(text));
      Files.move(tmp, head, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The head file of {@code log}: {@code <log>.head}. */
  public static Path headOf(Path log) {
    return log.resolveSibling(log.getFileName() + ".head");
  }

  private static Mac mac(KeysetHandle keys) {
    KeysetLoader.requirePrimary(keys, "the audit keyset");
    try {
      return keys.getPrimitive(TinkInit.config(), Mac.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a MAC keyset: use KeyPurpose.AUDIT.generate()", e);
    }
  }

  private static byte[] compute(Mac mac, byte[] domain, String body) {
    try {
      return mac.computeMac(concat(domain, bytes(body)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("MAC failed", e);
    }
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
