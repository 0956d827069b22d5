package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.CallOptions;
import io.maasdk.Version;
import io.maasdk.security.cli.MaasdkCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Provokes every failure path with known secrets in play and scans exception messages, stack
 * traces, logs and CLI output for key material, API keys and plaintext.
 */
class SecretLeakTest {
  @TempDir Path tmp;

  private final List<String> seen = new ArrayList<>();

  private void capture(Executable e) {
    Throwable t = assertThrows(Throwable.class, e);
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    seen.add(w.toString());
    seen.add(String.valueOf(t.getMessage()));
  }

  /** The base64 key values of a cleartext keyset, and hex/base64 of their bytes. */
  private static List<String> secretsOf(KeysetHandle h) {
    String json = KeysetLoader.insecureCleartext("test").serialize(h);
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"value\":\\s*\"([^\"]+)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1));
      byte[] raw = Base64.getDecoder().decode(m.group(1));
      // the key bytes sit at the end of the serialized key proto
      byte[] tail = java.util.Arrays.copyOfRange(raw, raw.length - 16, raw.length);
      out.add(HexFormat.of().formatHex(tail));
      out.add(Base64.getEncoder().encodeToString(tail).substring(0, 16));
    }
    return out;
  }

  @Test
  void failures_neverRevealKeysApiKeysOrPlaintext() throws Exception {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    List<String> secrets = new ArrayList<>();
    try {
      KeysetHandle artifact = KeyPurpose.ARTIFACT.generate();
      KeysetHandle prf = KeyPurpose.PRF.generate();
      KeysetHandle payload = KeyPurpose.PAYLOAD.generate();
      KeysetHandle audit = KeyPurpose.AUDIT.generate();
      secrets.addAll(secretsOf(artifact));
      secrets.addAll(secretsOf(prf));
      secrets.addAll(secretsOf(payload));
      secrets.addAll(secretsOf(audit));

      // Artifacts: tamper, wrong key.
      Path enc = Fixtures.encrypted(tmp, "digits", "1.0.0", artifact);
      Path f = enc.resolve("model.pt.tink");
      byte[] b = Files.readAllBytes(f);
      b[b.length / 2] ^= 1;
      Files.write(f, b);
      capture(() -> EncryptedModelSource.of(enc, artifact).open("digits", Version.parse("1.0.0")));
      capture(
          () ->
              EncryptedModelSource.of(enc, KeyPurpose.ARTIFACT.generate())
                  .open("digits", Version.parse("1.0.0")));

      // Keysets: wrong master key, public loader given secrets.
      MasterKey m1 = MasterKey.createLocal(tmp.resolve("m1.json"));
      MasterKey m2 = MasterKey.createLocal(tmp.resolve("m2.json"));
      secrets.addAll(
          secretsOf(KeysetLoader.insecureCleartext("test").fromFile(tmp.resolve("m1.json"))));
      String encKeyset = KeysetLoader.encrypted(m1).serialize(artifact);
      capture(() -> KeysetLoader.encrypted(m2).parse(encKeyset, "test"));
      String clear = KeysetLoader.insecureCleartext("test").serialize(artifact);
      capture(() -> KeysetLoader.publicKeys().parse(clear, "test"));

      // Access: wrong key, right key wrong model.
      ApiKeys keys = ApiKeys.of(prf);
      String apiKey = ApiKeys.newKey();
      secrets.add(apiKey);
      secrets.add(keys.hash(apiKey));
      AccessPolicy policy =
          AccessPolicy.builder()
              .role("r", Permission.of("digits", Action.PREDICT))
              .principal("alice", keys.hash(apiKey), "r")
              .build();
      AccessControl ac = AccessControl.of(policy, keys);
      capture(() -> ac.check(apiKey + "x", "digits", null, Action.PREDICT));
      capture(() -> ac.check(apiKey, "other", null, Action.PREDICT));
      seen.add(CallOptions.builder().credentials(apiKey).build().toString());
      seen.add(policy.principals().toString());

      // Payloads.
      String plaintext = "SECRET-PAYLOAD-4111-1111-1111-1111";
      secrets.add(plaintext);
      PayloadProtector pp = PayloadProtector.of(payload);
      byte[] ct = pp.seal(plaintext.getBytes(StandardCharsets.UTF_8), "ctx");
      capture(() -> pp.open(ct, "other-ctx"));

      // Audit log with a wrong key.
      Path log = tmp.resolve("audit.log");
      try (AuditLog a = AuditLog.open(log, audit)) {
        a.append(new AuditLog.Entry("deploy", "digits", "1.0.0", "ops", "requested"));
      }
      capture(() -> AuditLog.open(log, KeyPurpose.AUDIT.generate()));

      // CLI with cleartext keysets on the command line.
      KeysetLoader.insecureCleartext("test").write(artifact, tmp.resolve("artifact.json"));
      ByteArrayOutputStream cliOut = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(cliOut, true, StandardCharsets.UTF_8);
      MaasdkCli.run(
          new String[] {
            "model",
            "verify",
            "--name",
            "digits",
            "--version",
            "1.0.0",
            "--dir",
            enc.toString(),
            "--public-keyset",
            tmp.resolve("artifact.json").toString()
          },
          ps,
          ps);
      MaasdkCli.run(
          new String[] {
            "keys",
            "rotate",
            "--type",
            "artifact",
            "--keyset",
            tmp.resolve("artifact.json").toString(),
            "--out",
            tmp.resolve("a2.json").toString(),
            "--master-key",
            tmp.resolve("m1.json").toString()
          },
          ps,
          ps);
      seen.add(cliOut.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(originalErr);
    }
    String logText = logs.toString(StandardCharsets.UTF_8);
    assertTrue(logText.contains("INSECURE"), "the insecure loader warns: " + logText);
    seen.add(logText);
    assertTrue(secrets.size() > 10);
    for (String text : seen) {
      for (String s : secrets) {
        assertFalse(text.contains(s), "leaked a secret into: " + text);
      }
    }
  }
}
