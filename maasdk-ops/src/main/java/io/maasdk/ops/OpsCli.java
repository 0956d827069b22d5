package io.maasdk.ops;

import io.maasdk.internal.cli.CliOptions;
import io.maasdk.internal.cli.CliOptions.UsageException;
import io.maasdk.spi.StateStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code maasdk-ops} command-line tool: backups of a runtime's durable state, usage ledger and
 * audit log in one archive ({@link Backups}), made and restored while the runtime is stopped.
 *
 * <pre>
 * maasdk-ops backup create  backup.zip --state var/state --ledger var/ledger --audit var/audit.log
 * maasdk-ops backup inspect backup.zip
 * maasdk-ops backup restore backup.zip --state new/state --ledger new/ledger --audit new/audit.log
 * </pre>
 *
 * <p>{@code --state} is the directory of a {@link StateStore#directory} store (aliases, their
 * history, rollouts); {@code --ledger} the directory of maasdk-metrics' {@code LedgerSink} (its
 * {@code usage-YYYYMMDD-NNNNNN.jsonl} files); {@code --audit} maasdk-security's audit log (with its
 * {@code .head} file). A restore never overwrites: the state store must be empty, the ledger
 * directory without usage files and the audit log absent; every entry of the archive is checked
 * against its SHA-256 before anything is written.
 *
 * <p>{@link #run} is the testable entry point; {@link #main} only adds {@code System.exit}. Exit
 * codes: {@value #OK} success, {@value #VERIFY_FAILED} the archive is not a maasdk backup or an
 * entry does not match its manifest, {@value #USAGE} bad usage (unknown command or option, with a
 * suggestion for a typo; missing or repeated option), {@value #ERROR} any other error (I/O, a
 * target that is not empty). Each run is independent.
 */
public final class OpsCli {
  /** Exit code: the command succeeded. */
  public static final int OK = 0;

  /** Exit code: the archive is not a maasdk backup, or an entry does not match its manifest. */
  public static final int VERIFY_FAILED = 1;

  /** Exit code: the command line is wrong (the usage text is printed). */
  public static final int USAGE = 2;

  /** Exit code: any other error (I/O, a target that is not empty). */
  public static final int ERROR = 3;

  static final String USAGE_TEXT =
      String.join(
          "\n",
          "usage: maasdk-ops <command> ARCHIVE [options]",
          "  backup create  ARCHIVE --state DIR [--ledger DIR] [--audit FILE]",
          "  backup restore ARCHIVE --state DIR [--ledger DIR] [--audit FILE]",
          "  backup inspect ARCHIVE",
          "exit codes: 0 ok, 1 archive failed verification, 2 usage error, 3 other error");

  /**
   * The options each command takes; anything else is a usage error (a typo must not be ignored).
   */
  private static final Map<String, Set<String>> OPTIONS =
      Map.of(
          "backup create", Set.of("state", "ledger", "audit"),
          "backup restore", Set.of("state", "ledger", "audit"),
          "backup inspect", Set.of());

  private static final Set<String> REQUIRED = Set.of("state");

  /** maasdk-metrics' ledger file names. */
  private static final Pattern LEDGER_FILE = Pattern.compile("usage-\\d{8}-\\d{6}\\.jsonl");

  /** Archive names: ledger files under this prefix, the audit log and its head under fixed ones. */
  static final String LEDGER_PREFIX = "ledger.";

  static final String AUDIT_LOG = "audit.log";
  static final String AUDIT_HEAD = "audit.log.head";

  private final PrintStream out;

  private OpsCli(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs one command and exits with its exit code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs one command and returns its exit code; never calls {@code System.exit}.
   *
   * @param args the command line
   * @param out where results go
   * @param err where errors and the usage text go
   * @return the exit code: {@value #OK}, {@value #VERIFY_FAILED}, {@value #USAGE} or {@value
   *     #ERROR}
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      return new OpsCli(out).dispatch(args);
    } catch (UsageException e) {
      err.println("maasdk-ops: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    } catch (VerificationException e) {
      err.println("maasdk-ops: VERIFICATION FAILED: " + e.getMessage());
      return VERIFY_FAILED;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("maasdk-ops: " + e.getMessage());
      return ERROR;
    } catch (UncheckedIOException e) {
      err.println(
          "maasdk-ops: " + e.getMessage() + " (" + e.getCause().getClass().getSimpleName() + ")");
      return ERROR;
    } catch (IOException e) {
      err.println("maasdk-ops: I/O error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return ERROR;
    } catch (RuntimeException e) {
      err.println("maasdk-ops: unexpected error: " + e);
      return ERROR;
    }
  }

  private int dispatch(String[] args) throws IOException {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("help"))) {
      out.println(USAGE_TEXT);
      return OK;
    }
    if (args.length < 2) {
      throw new UsageException("missing command");
    }
    String cmd = args[0] + " " + args[1];
    Set<String> known = OPTIONS.get(cmd);
    if (known == null) {
      throw new UsageException("unknown command '" + cmd + "'" + commandSuggestion(cmd));
    }
    if (args.length < 3 || args[2].startsWith("--")) {
      throw new UsageException("`" + cmd + "` needs the archive's path first");
    }
    Path archive = Path.of(args[2]);
    Map<String, String> o = options(args, cmd, known);
    for (String r : REQUIRED) {
      if (known.contains(r) && !o.containsKey(r)) {
        throw new UsageException("`" + cmd + "` needs --" + r);
      }
    }
    return switch (cmd) {
      case "backup create" -> create(archive, o);
      case "backup restore" -> restore(archive, o);
      case "backup inspect" -> inspect(archive);
      default -> throw new UsageException("unknown command '" + cmd + "'");
    };
  }

  private int create(Path archive, Map<String, String> o) throws IOException {
    if (Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException(
          "archive " + archive + " exists; a backup never overwrites one, give a new name");
    }
    Path stateDir = Path.of(o.get("state"));
    if (!Files.isDirectory(stateDir)) {
      throw new IllegalArgumentException(
          "--state " + stateDir + " is not a directory (the" + " runtime's StateStore.directory)");
    }
    Map<String, Path> files = new LinkedHashMap<>();
    if (o.containsKey("ledger")) {
      Path ledger = Path.of(o.get("ledger"));
      if (!Files.isDirectory(ledger)) {
        throw new IllegalArgumentException(
            "--ledger " + ledger + " is not a directory (the" + " LedgerSink's)");
      }
      for (Path f : ledgerFiles(ledger)) {
        files.put(LEDGER_PREFIX + f.getFileName(), f);
      }
    }
    if (o.containsKey("audit")) {
      Path log = Path.of(o.get("audit"));
      if (!Files.isRegularFile(log)) {
        throw new IllegalArgumentException("--audit " + log + " is not a file (the audit log)");
      }
      files.put(AUDIT_LOG, log);
      Path head = headOf(log);
      if (Files.isRegularFile(head)) {
        files.put(AUDIT_HEAD, head);
      }
    }
    Backups.Contents c = Backups.export(StateStore.directory(stateDir), files, archive);
    out.println("wrote " + archive + ": " + describe(c));
    return OK;
  }

  private int restore(Path archive, Map<String, String> o) throws IOException {
    Backups.Contents c = verified(archive);
    List<String> ledgerFiles = c.files().stream().filter(f -> f.startsWith(LEDGER_PREFIX)).toList();
    boolean audit = c.files().contains(AUDIT_LOG);
    // Every target is checked before anything is written.
    if (!ledgerFiles.isEmpty() && !o.containsKey("ledger")) {
      throw new UsageException(
          "archive "
              + archive
              + " holds a usage ledger ("
              + ledgerFiles.size()
              + " file(s)); give --ledger DIR to restore it");
    }
    if (audit && !o.containsKey("audit")) {
      throw new UsageException(
          "archive " + archive + " holds an audit log; give --audit FILE" + " to restore it");
    }
    Path ledger = o.containsKey("ledger") ? Path.of(o.get("ledger")) : null;
    Path log = o.containsKey("audit") ? Path.of(o.get("audit")) : null;
    if (ledger != null && Files.isDirectory(ledger) && !ledgerFiles(ledger).isEmpty()) {
      throw new IllegalStateException(
          "--ledger "
              + ledger
              + " already holds usage files "
              + ledgerFiles(ledger).stream().map(p -> p.getFileName().toString()).toList()
              + "; restore into an empty directory");
    }
    if (log != null && (Files.exists(log) || Files.exists(headOf(log)))) {
      throw new IllegalStateException(
          "--audit "
              + log
              + " (or its .head file) exists; a restore"
              + " never overwrites an audit log");
    }
    Path stateDir = Path.of(o.get("state"));
    Path staging = Files.createTempDirectory(createdParent(stateDir), ".maasdk-restore-");
    try {
      Backups.restore(archive, StateStore.directory(stateDir), staging);
      if (ledger != null) {
        Files.createDirectories(ledger);
        for (String f : ledgerFiles) {
          Files.move(
              staging.resolve(f),
              ledger.resolve(f.substring(LEDGER_PREFIX.length())),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
      if (log != null && audit) {
        if (log.toAbsolutePath().getParent() != null) {
          Files.createDirectories(log.toAbsolutePath().getParent());
        }
        Files.move(staging.resolve(AUDIT_LOG), log);
        if (c.files().contains(AUDIT_HEAD)) {
          Files.move(staging.resolve(AUDIT_HEAD), headOf(log));
        }
      }
    } finally {
      deleteTree(staging);
    }
    out.println("restored " + archive + ": " + describe(c));
    return OK;
  }

  private int inspect(Path archive) {
    Backups.Contents c = verified(archive);
    out.println(archive + ": a maasdk backup; every entry matches its SHA-256");
    out.println("state keys (" + c.keys().size() + "):");
    c.keys().forEach(k -> out.println("  " + k));
    out.println("files (" + c.files().size() + "):");
    c.files().forEach(f -> out.println("  " + f));
    return OK;
  }

  /** {@link Backups#inspect}, with a bad archive as a verification failure. */
  private static Backups.Contents verified(Path archive) {
    if (!Files.isRegularFile(archive)) {
      throw new IllegalArgumentException("archive " + archive + " is not a file");
    }
    try {
      return Backups.inspect(archive);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(e.getMessage());
    }
  }

  private static String describe(Backups.Contents c) {
    long ledger = c.files().stream().filter(f -> f.startsWith(LEDGER_PREFIX)).count();
    return c.keys().size()
        + " state key(s), "
        + ledger
        + " ledger file(s), "
        + (c.files().contains(AUDIT_LOG) ? "an audit log" : "no audit log");
  }

  private static List<Path> ledgerFiles(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (LEDGER_FILE.matcher(p.getFileName().toString()).matches()
            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          files.add(p);
        }
      }
    }
    files.sort(null);
    return files;
  }

  /** maasdk-security's {@code AuditLog.headOf}: the log's name with {@code .head}. */
  private static Path headOf(Path log) {
    return log.resolveSibling(log.getFileName() + ".head");
  }

  private static Path createdParent(Path p) throws IOException {
    Path parent = p.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return parent;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Map<String, String> options(String[] args, String cmd, Set<String> known) {
    return CliOptions.parse(args, 3, cmd, known, Set.of());
  }

  private static String commandSuggestion(String cmd) {
    String best = CliOptions.closest(cmd, OPTIONS.keySet());
    return best == null ? "" : " (did you mean `" + best + "`?)";
  }

  private static final class VerificationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    VerificationException(String message) {
      super(message);
    }
  }
}
