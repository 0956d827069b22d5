package io.maasdk.security.cli;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelArtifact;
import io.maasdk.Version;
import io.maasdk.internal.cli.CliOptions;
import io.maasdk.internal.cli.CliOptions.UsageException;
import io.maasdk.security.ArtifactCipher;
import io.maasdk.security.AuditLog;
import io.maasdk.security.AuditVerification;
import io.maasdk.security.EncryptedModelSource;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.Keysets;
import io.maasdk.security.Manifest;
import io.maasdk.security.MasterKey;
import io.maasdk.security.ModelFormat;
import io.maasdk.security.ModelSigner;
import io.maasdk.security.SignaturePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code maasdk} command-line tool. {@link #run} is the testable entry point; {@link #main}
 * only adds {@code System.exit}. Exit codes: {@value #OK} success, {@value #VERIFY_FAILED} a
 * verification failed (tampered, unsigned, wrong key, broken audit chain), {@value #USAGE} bad
 * usage, {@value #ERROR} any other error (I/O). Messages never contain key material. Each run is
 * independent; {@link #run} is safe to call from several threads.
 *
 * <p>Built as {@code maasdk-security-<version>-cli.jar}: {@code java -jar … keys create-master
 * --out keys/master.json}.
 */
public final class MaasdkCli {
  /** Exit code: the command succeeded. */
  public static final int OK = 0;

  /** Exit code: a signature, digest or audit log did not verify. */
  public static final int VERIFY_FAILED = 1;

  /** Exit code: the command line is wrong (the usage text is printed). */
  public static final int USAGE = 2;

  /** Exit code: any other error (I/O, a key that cannot be read). */
  public static final int ERROR = 3;

  static final String USAGE_TEXT =
      String.join(
          "\n",
          "usage: maasdk <command> [options]",
          "  keys create-master --out FILE",
          "  keys create  --type artifact|signing|payload|prf|audit --out FILE [--public-out FILE]",
          "               (--master-key FILE | --insecure-cleartext)",
          "  keys rotate  --type TYPE --keyset FILE --out FILE (--master-key FILE | --insecure-cleartext)",
          "  model encrypt   --name N --version V --in DIR --out DIR --keyset FILE (--master-key FILE | --insecure-cleartext)",
          "  model reencrypt --name N --version V --dir DIR --keyset FILE (--master-key FILE | --insecure-cleartext)",
          "  model sign      --name N --version V --dir DIR --keyset FILE (--master-key FILE | --insecure-cleartext)",
          "  model verify    --name N --version V --dir DIR --public-keyset FILE",
          "                  [--keyset FILE (--master-key FILE | --insecure-cleartext)]  (also decrypts in memory)",
          "  model inspect   --dir DIR",
          "  audit verify    --log FILE --keyset FILE (--master-key FILE | --insecure-cleartext)",
          "exit codes: 0 ok, 1 verification failed, 2 usage error, 3 other error");

  private static final Set<String> FLAGS = Set.of("insecure-cleartext");
  private static final Set<String> KEY_SOURCE = Set.of("master-key", "insecure-cleartext");

  /**
   * The options each command takes; anything else is a usage error (a typo must not be ignored).
   */
  private static final Map<String, Set<String>> OPTIONS =
      Map.of(
          "keys create-master", Set.of("out"),
          "keys create", with(KEY_SOURCE, "type", "out", "public-out"),
          "keys rotate", with(KEY_SOURCE, "type", "keyset", "out"),
          "model encrypt", with(KEY_SOURCE, "name", "version", "in", "out", "keyset"),
          "model reencrypt", with(KEY_SOURCE, "name", "version", "dir", "keyset"),
          "model sign", with(KEY_SOURCE, "name", "version", "dir", "keyset"),
          "model verify", with(KEY_SOURCE, "name", "version", "dir", "public-keyset", "keyset"),
          "model inspect", Set.of("dir"),
          "audit verify", with(KEY_SOURCE, "log", "keyset"));

  private static Set<String> with(Set<String> base, String... more) {
    Set<String> s = new java.util.HashSet<>(base);
    s.addAll(List.of(more));
    return Set.copyOf(s);
  }

  private final PrintStream out;
  private final PrintStream err;

  private MaasdkCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
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
    MaasdkCli cli = new MaasdkCli(out, err);
    try {
      return cli.dispatch(args);
    } catch (UsageException e) {
      err.println("maasdk: " + e.getMessage());
      err.println(USAGE_TEXT);
      return USAGE;
    } catch (IntegrityException e) {
      err.println("maasdk: VERIFICATION FAILED: " + e.getMessage());
      return VERIFY_FAILED;
    } catch (MaasdkException | IllegalArgumentException | IllegalStateException e) {
      err.println("maasdk: " + e.getMessage());
      return ERROR;
    } catch (UncheckedIOException e) {
      err.println(
          "maasdk: "
              + e.getMessage()
              + " ("
              + java.util.Objects.requireNonNull(e.getCause()).getClass().getSimpleName()
              + ")");
      return ERROR;
    } catch (IOException e) {
      err.println("maasdk: I/O error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return ERROR;
    } catch (RuntimeException e) {
      err.println("maasdk: unexpected error: " + e.getClass().getName());
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
      throw new UsageException("unknown command '" + cmd + "'");
    }
    Map<String, String> o = options(args, cmd, known);
    switch (cmd) {
      case "keys create-master":
        MasterKey.createLocal(path(o, "out"));
        out.println(
            "wrote master key " + o.get("out") + " (owner-only; keep it like a private key)");
        return OK;
      case "keys create":
        return keysCreate(o);
      case "keys rotate":
        return keysRotate(o);
      case "model encrypt":
        return modelEncrypt(o);
      case "model reencrypt":
        return modelReencrypt(o);
      case "model sign":
        return modelSign(o);
      case "model verify":
        return modelVerify(o);
      case "model inspect":
        return modelInspect(o);
      case "audit verify":
        return auditVerify(o);
      default:
        throw new UsageException("unknown command '" + cmd + "'");
    }
  }

  private int keysCreate(Map<String, String> o) {
    KeyPurpose purpose = purpose(o);
    KeysetHandle h = purpose.generate();
    loader(o).write(h, path(o, "out"));
    out.println(
        "wrote "
            + purpose.name().toLowerCase()
            + " keyset "
            + o.get("out")
            + " (primary key id "
            + Keysets.primaryId(h)
            + ")");
    if (o.containsKey("public-out")) {
      if (purpose != KeyPurpose.SIGNING) {
        throw new UsageException("--public-out is only for --type signing");
      }
      KeysetLoader.publicKeys().write(Keysets.publicKeys(h), path(o, "public-out"));
      out.println("wrote public verification keyset " + o.get("public-out"));
    }
    return OK;
  }

  private int keysRotate(Map<String, String> o) {
    KeyPurpose purpose = purpose(o);
    KeysetLoader loader = loader(o);
    KeysetHandle rotated = Keysets.rotate(loader.fromFile(path(o, "keyset")), purpose);
    loader.write(rotated, path(o, "out"));
    out.println(
        "wrote rotated keyset "
            + o.get("out")
            + ": new primary key id "
            + Keysets.primaryId(rotated)
            + ", key ids "
            + Keysets.keyIds(rotated));
    return OK;
  }

  private int modelEncrypt(Map<String, String> o) {
    ArtifactCipher c = ArtifactCipher.of(loader(o).fromFile(path(o, "keyset")));
    List<Path> files =
        c.encryptDirectory(req(o, "name"), req(o, "version"), path(o, "in"), path(o, "out"));
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no files to encrypt in " + o.get("in"));
    }
    files.forEach(f -> out.println("encrypted " + f));
    return OK;
  }

  private int modelReencrypt(Map<String, String> o) {
    ArtifactCipher c = ArtifactCipher.of(loader(o).fromFile(path(o, "keyset")));
    int n = c.reencryptDirectory(req(o, "name"), req(o, "version"), path(o, "dir"));
    out.println("re-encrypted " + n + " file(s) under the primary key; sign the model again");
    return OK;
  }

  private int modelSign(Map<String, String> o) {
    ModelSigner s = ModelSigner.of(loader(o).fromFile(path(o, "keyset")));
    Manifest m = s.sign(path(o, "dir"), req(o, "name"), req(o, "version"));
    out.println("signed " + m.name() + "@" + m.version() + ": " + m.files().size() + " file(s)");
    return OK;
  }

  private int modelVerify(Map<String, String> o) throws IOException {
    String name = req(o, "name");
    Version v = Version.parse(req(o, "version"));
    KeysetHandle trusted = KeysetLoader.publicKeys().fromFile(path(o, "public-keyset"));
    SignaturePolicy policy = SignaturePolicy.required(trusted);
    if (!o.containsKey("keyset")) {
      Manifest m = policy.verifyFolder(path(o, "dir"), name, v);
      out.println(
          "OK "
              + name
              + "@"
              + v
              + ": signature verified; sizes and SHA-256 of "
              + m.files().size()
              + " file(s) match (not decrypted: pass --keyset to also decrypt)");
      return OK;
    }
    var source =
        EncryptedModelSource.builder(path(o, "dir"), loader(o).fromFile(path(o, "keyset")))
            .signatures(policy)
            .build();
    try (ModelArtifact a = source.open(name, v)) {
      out.println(
          "OK "
              + name
              + "@"
              + v
              + ": signature, sizes and digests verified"
              + (o.containsKey("keyset") ? "; decrypted and authenticated in memory" : "")
              + "; model file "
              + a.fileName());
    }
    return OK;
  }

  private int modelInspect(Map<String, String> o) throws IOException {
    Path dir = path(o, "dir");
    Path mf = dir.resolve(ModelSigner.MANIFEST);
    if (Files.isRegularFile(mf, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Manifest m = Manifest.parse(Files.readAllBytes(mf));
        out.println(
            "manifest: "
                + m.name()
                + "@"
                + m.version()
                + " (NOT verified; use model verify)"
                + (Files.exists(dir.resolve(ModelSigner.SIGNATURE))
                    ? ", signature present"
                    : ", unsigned"));
      } catch (IllegalArgumentException e) {
        out.println("manifest: invalid: " + e.getMessage());
      }
    } else {
      out.println("manifest: none (unsigned)");
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (Files.isSymbolicLink(p)) {
          out.println("  " + n + "  SYMLINK (refused when loading)");
        } else if (Files.isRegularFile(p)) {
          String kind;
          if (n.endsWith(ArtifactCipher.SUFFIX)) {
            kind = "encrypted";
          } else if (n.equals(ModelSigner.MANIFEST) || n.equals(ModelSigner.SIGNATURE)) {
            kind = "manifest";
          } else {
            byte[] head;
            try (InputStream in = Files.newInputStream(p)) {
              head = in.readAllBytes();
            }
            kind = ModelFormat.detect(n, head, head.length).name().toLowerCase();
          }
          out.println("  " + n + "  " + Files.size(p) + " bytes  " + kind);
        }
      }
    }
    return OK;
  }

  private int auditVerify(Map<String, String> o) {
    AuditVerification v = AuditLog.verify(path(o, "log"), loader(o).fromFile(path(o, "keyset")));
    if (v.valid()) {
      out.println(
          "OK audit log "
              + o.get("log")
              + ": "
              + v.records()
              + " record(s) verified"
              + (v.interrupted()
                  ? "; " + v.problem() + " (not tampering; opening the log repairs" + " it)"
                  : ""));
      return OK;
    }
    err.println("maasdk: VERIFICATION FAILED: audit log " + o.get("log") + ": " + v.problem());
    return VERIFY_FAILED;
  }

  private static KeyPurpose purpose(Map<String, String> o) {
    try {
      KeyPurpose p = KeyPurpose.parse(req(o, "type"));
      if (p == KeyPurpose.MASTER) {
        throw new UsageException("use `keys create-master` for a master key");
      }
      return p;
    } catch (IllegalArgumentException e) {
      throw new UsageException(java.util.Objects.requireNonNullElse(e.getMessage(), e.toString()));
    }
  }

  private static KeysetLoader loader(Map<String, String> o) {
    if (o.containsKey("insecure-cleartext")) {
      if (o.containsKey("master-key")) {
        throw new UsageException("give either --master-key or --insecure-cleartext, not both");
      }
      return KeysetLoader.insecureCleartext("command line --insecure-cleartext");
    }
    if (!o.containsKey("master-key")) {
      throw new UsageException(
          "secret keysets are encrypted: give --master-key FILE (or --insecure-cleartext for tests)");
    }
    return KeysetLoader.encrypted(MasterKey.local(path(o, "master-key")));
  }

  private static Map<String, String> options(String[] args, String cmd, Set<String> known) {
    Map<String, String> m = CliOptions.parse(args, 2, cmd, known, FLAGS);
    if (m.containsKey("version")) {
      try {
        Version.parse(m.get("version"));
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "option --version: '"
                + m.get("version")
                + "' is not a version ("
                + e.getMessage()
                + ")");
      }
    }
    return m;
  }

  private static String req(Map<String, String> o, String key) {
    @Nullable String v = o.get(key);
    if (v == null || v.isBlank()) {
      throw new UsageException("missing option --" + key);
    }
    return v;
  }

  private static Path path(Map<String, String> o, String key) {
    try {
      return Path.of(req(o, key));
    } catch (java.nio.file.InvalidPathException e) {
      throw new UsageException("option --" + key + ": not a path (" + e.getReason() + ")");
    }
  }
}
