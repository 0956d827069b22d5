package io.maasdk.security.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README walk-through through {@link MaasdkCli#run}. */
class MaasdkCliTest {
  @TempDir Path tmp;
  private String out;
  private String err;

  private int run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code =
        MaasdkCli.run(
            args,
            new PrintStream(o, true, StandardCharsets.UTF_8),
            new PrintStream(e, true, StandardCharsets.UTF_8));
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return code;
  }

  private String p(String name) {
    return tmp.resolve(name).toString();
  }

  @Test
  void walkThrough_encryptSignVerify_thenTamperFails() throws Exception {
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("plain/model.pt"));
    assertEquals(0, run("keys", "create-master", "--out", p("master.json")), err);
    assertEquals(
        0,
        run(
            "keys",
            "create",
            "--type",
            "artifact",
            "--out",
            p("artifact.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "keys",
            "create",
            "--type",
            "signing",
            "--out",
            p("signing.json"),
            "--public-out",
            p("signing.pub.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "encrypt",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--in",
            p("plain"),
            "--out",
            p("models/digits/1.0.0"),
            "--keyset",
            p("artifact.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "sign",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--keyset",
            p("signing.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--public-keyset",
            p("signing.pub.json"),
            "--keyset",
            p("artifact.json"),
            "--master-key",
            p("master.json")),
        err);
    assertTrue(out.startsWith("OK digits@1.0.0"), out);
    assertEquals(
        0,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--public-keyset",
            p("signing.pub.json")),
        err);
    assertTrue(out.contains("signature verified"), out);
    assertEquals(0, run("model", "inspect", "--dir", p("models/digits/1.0.0")), err);
    assertTrue(out.contains("model.pt.tink") && out.contains("encrypted"), out);
    assertEquals(0, run("model", "inspect", "--dir", p("plain")), err);
    assertTrue(out.contains("torchscript"), out);

    // Rotation + re-encryption + re-signing.
    assertEquals(
        0,
        run(
            "keys",
            "rotate",
            "--type",
            "artifact",
            "--keyset",
            p("artifact.json"),
            "--out",
            p("artifact2.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "reencrypt",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--keyset",
            p("artifact2.json"),
            "--master-key",
            p("master.json")),
        err);
    // Not re-signed yet: the manifest's digests no longer match.
    assertEquals(
        1,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--public-keyset",
            p("signing.pub.json")));
    assertTrue(err.contains("model.pt.tink") && err.contains("SHA-256"), err);
    assertEquals(
        0,
        run(
            "model",
            "sign",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--keyset",
            p("signing.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--public-keyset",
            p("signing.pub.json"),
            "--keyset",
            p("artifact2.json"),
            "--master-key",
            p("master.json")),
        err);

    // Tamper: exit code 1, message names the model and the file.
    Path f = tmp.resolve("models/digits/1.0.0/model.pt.tink");
    byte[] b = Files.readAllBytes(f);
    b[b.length - 5] ^= 1;
    Files.write(f, b);
    assertEquals(
        1,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("models/digits/1.0.0"),
            "--public-keyset",
            p("signing.pub.json")));
    assertTrue(err.contains("VERIFICATION FAILED") && err.contains("model.pt.tink"), err);
  }

  @Test
  void auditVerify_exitCodes() throws Exception {
    assertEquals(
        0,
        run(
            "keys",
            "create",
            "--type",
            "audit",
            "--out",
            p("audit-key.json"),
            "--insecure-cleartext"),
        err);
    var key =
        io.maasdk.security.KeysetLoader.insecureCleartext("test")
            .fromFile(tmp.resolve("audit-key.json"));
    try (var log = io.maasdk.security.AuditLog.open(tmp.resolve("audit.log"), key)) {
      log.append(
          new io.maasdk.security.AuditLog.Entry("deploy", "digits", "1.0.0", "ops", "requested"));
      log.append(
          new io.maasdk.security.AuditLog.Entry("alias", "digits", null, "ops", "stable -> 1.0.0"));
    }
    assertEquals(
        0,
        run(
            "audit",
            "verify",
            "--log",
            p("audit.log"),
            "--keyset",
            p("audit-key.json"),
            "--insecure-cleartext"),
        err);
    assertTrue(out.contains("2 record(s)"), out);
    Path log = tmp.resolve("audit.log");
    Files.writeString(log, Files.readString(log).replace("stable", "canary"));
    assertEquals(
        1,
        run(
            "audit",
            "verify",
            "--log",
            p("audit.log"),
            "--keyset",
            p("audit-key.json"),
            "--insecure-cleartext"));
    assertTrue(err.contains("record 2"), err);
  }

  @Test
  void usageErrors_exit2_andIoErrors_exit3() {
    assertEquals(2, run());
    assertEquals(2, run("model", "frobnicate"));
    assertEquals(2, run("model", "encrypt", "--name"));
    assertEquals(2, run("keys", "create", "--type", "artifact", "--out", p("k.json")));
    assertTrue(err.contains("--master-key"), err);
    assertEquals(
        2, run("keys", "create", "--type", "bogus", "--out", p("k.json"), "--insecure-cleartext"));
    assertEquals(3, run("model", "inspect", "--dir", p("does-not-exist")));
    assertFalse(err.isEmpty());
  }

  @Test
  void wrongMasterKey_exit1() {
    assertEquals(0, run("keys", "create-master", "--out", p("m1.json")));
    assertEquals(0, run("keys", "create-master", "--out", p("m2.json")));
    assertEquals(
        0,
        run(
            "keys",
            "create",
            "--type",
            "artifact",
            "--out",
            p("a.json"),
            "--master-key",
            p("m1.json")));
    assertEquals(
        1,
        run(
            "keys",
            "rotate",
            "--type",
            "artifact",
            "--keyset",
            p("a.json"),
            "--out",
            p("a2.json"),
            "--master-key",
            p("m2.json")));
    assertTrue(err.contains("master key"), err);
  }

  @Test
  void typoInAnOption_isAUsageError_notASilentlySkippedDecryption() throws Exception {
    TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("m/model.pt"));
    assertEquals(0, run("keys", "create-master", "--out", p("master.json")), err);
    assertEquals(
        0,
        run(
            "keys",
            "create",
            "--type",
            "signing",
            "--out",
            p("signing.json"),
            "--public-out",
            p("signing.pub.json"),
            "--master-key",
            p("master.json")),
        err);
    assertEquals(
        0,
        run(
            "model",
            "sign",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("m"),
            "--keyset",
            p("signing.json"),
            "--master-key",
            p("master.json")),
        err);

    assertEquals(
        MaasdkCli.USAGE,
        run(
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            p("m"),
            "--public-keyset",
            p("signing.pub.json"),
            "--keyst",
            p("artifact.json"),
            "--master-key",
            p("master.json")));
    assertTrue(
        err.contains("unknown option --keyst") && err.contains("did you mean --keyset?"), err);
    assertFalse(out.contains("OK"), out);
    assertEquals(MaasdkCli.USAGE, run("model", "inspect", "--dir", p("m"), "--verbose", "x"));
    assertTrue(err.contains("unknown option --verbose for `model inspect`"), err);
    assertEquals(
        MaasdkCli.USAGE,
        run(
            "keys",
            "create-master",
            "--out",
            p("m2.json"),
            "--keyset",
            p("k.json"))); // an option of another command
    assertFalse(Files.exists(tmp.resolve("m2.json")), "nothing was done");
  }

  @Test
  void malformedValues_areUsageErrors() {
    assertEquals(
        MaasdkCli.USAGE,
        run(
            "model",
            "sign",
            "--name",
            "digits",
            "--version",
            "1.x",
            "--dir",
            p("m"),
            "--keyset",
            p("signing.json"),
            "--insecure-cleartext"));
    assertTrue(err.contains("--version") && err.contains("'1.x' is not a version"), err);
    assertEquals(MaasdkCli.USAGE, run("model", "inspect", "--dir", "--verbose"));
    assertTrue(err.contains("--dir needs a value"), err);
    assertEquals(MaasdkCli.USAGE, run("model", "inspect", "--dir", " "));
    assertEquals(MaasdkCli.USAGE, run("model", "inspect", "--dir", "a\u0000b"));
    assertTrue(err.contains("not a path"), err);
    assertEquals(
        MaasdkCli.USAGE,
        run(
            "keys",
            "create",
            "--type",
            "artefact",
            "--out",
            p("k.json"),
            "--insecure-cleartext=yes"));
    assertEquals(0, run("model", "inspect", "--dir=" + tmp));
  }
}
