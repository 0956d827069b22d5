package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static io.maasdk.ops.Fixtures.TEST_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.metrics.FsyncPolicy;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.LedgerSink;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.metrics.UsageRecord;
import io.maasdk.security.AuditLog;
import io.maasdk.security.KeyPurpose;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.StateStore;
import io.maasdk.testkit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, item 5: {@code maasdk-ops backup create|inspect|restore} puts state, usage ledger and
 * audit log into one archive and restores them into a fresh runtime.
 */
class OpsCliTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");
  private static final KeysetHandle AUDIT_KEYS = KeyPurpose.AUDIT.generate();
  @TempDir Path dir;
  private Path repo;

  /** What one CLI run printed, and its exit code. */
  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        OpsCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @BeforeEach
  void models() {
    repo = dir.resolve("models");
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      Fixtures.version(repo, v, v);
    }
  }

  private static ModelRuntime runtime(Path state, ModelOps ops, AuditLog audit, Metering m) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .stateStore(StateStore.directory(state))
        .extension(ops)
        .interceptor(audit.managementRecorder())
        .listener(m)
        .build();
  }

  @Test
  void backupCreateInspectRestore_bringsStateLedgerAndAuditLogIntoAFreshRuntime() throws Exception {
    Path state = dir.resolve("var/state");
    Path ledger = dir.resolve("var/ledger");
    Path auditLog = dir.resolve("var/audit.log");
    Path archive = dir.resolve("backup.zip");
    Map<String, AliasTarget> aliases;
    List<AliasChange> history;
    Rollout rollout;
    ModelOps ops = ModelOps.builder().ticker(new Fixtures.ManualTicker()).build();
    try (AuditLog audit = AuditLog.open(auditLog, AUDIT_KEYS);
        Metering metering =
            Metering.builder()
                .meters(UsageMeters.ofDefaults())
                .sink(LedgerSink.open(ledger, FsyncPolicy.always()))
                .build();
        ModelRuntime a = runtime(state, ops, audit, metering)) {
      a.deployAll(ModelRepository.at(repo), Fixtures.template());
      a.setAlias(MODEL, "stable", V1);
      ops.rollouts()
          .start(
              MODEL,
              "stable",
              V2,
              RolloutPolicy.builder()
                  .steps(20, 100)
                  .minCallsPerStep(0)
                  .minTimePerStep(Duration.ofHours(1))
                  .build());
      var stable = a.handle(MODEL, "stable", float[].class, float[].class);
      for (int i = 0; i < 25; i++) {
        stable.predict(TEST_SET.features()[i], CallOptions.builder().tenant("acme").build());
      }
      metering.flush(Duration.ofSeconds(30));
      aliases = a.aliases(MODEL);
      history = a.aliasHistory(MODEL, "stable");
      rollout = ops.rollouts().get(MODEL, "stable").orElseThrow();
    }
    List<UsageRecord> records = LedgerReader.read(ledger).records();
    assertEquals(25, records.stream().filter(r -> r.tenant().equals("acme")).count());
    List<String> auditLines = Files.readAllLines(auditLog);

    Result made =
        cli(
            "backup",
            "create",
            archive.toString(),
            "--state",
            state.toString(),
            "--ledger",
            ledger.toString(),
            "--audit=" + auditLog);
    assertEquals(OpsCli.OK, made.code(), made.err());
    assertTrue(
        made.out().contains("2 state key(s)") && made.out().contains("an audit log"), made.out());

    Result seen = cli("backup", "inspect", archive.toString());
    assertEquals(OpsCli.OK, seen.code(), seen.err());
    assertTrue(seen.out().contains("aliases/" + MODEL), seen.out());
    assertTrue(seen.out().contains("rollouts/" + MODEL + "/stable"), seen.out());
    assertTrue(
        seen.out().contains(OpsCli.AUDIT_LOG) && seen.out().contains(OpsCli.AUDIT_HEAD),
        seen.out());
    assertTrue(seen.out().contains(OpsCli.LEDGER_PREFIX + "usage-"), seen.out());

    Path state2 = dir.resolve("new/state");
    Path ledger2 = dir.resolve("new/ledger");
    Path audit2 = dir.resolve("new/audit/audit.log");
    Result restored =
        cli(
            "backup",
            "restore",
            archive.toString(),
            "--state",
            state2.toString(),
            "--ledger",
            ledger2.toString(),
            "--audit",
            audit2.toString());
    assertEquals(OpsCli.OK, restored.code(), restored.err());
    assertEquals(
        List.of(),
        Files.list(dir.resolve("new"))
            .filter(p -> p.getFileName().toString().startsWith(".maasdk-restore-"))
            .toList(),
        "no staging left behind");

    // The ledger and the audit log come back whole: same records, a chain that verifies and
    // takes new records.
    assertEquals(records, LedgerReader.read(ledger2).records());
    assertEquals(auditLines, Files.readAllLines(audit2));
    assertTrue(
        AuditLog.verify(audit2, AUDIT_KEYS).valid(),
        AuditLog.verify(audit2, AUDIT_KEYS).toString());

    // A fresh runtime on the restored state serves the same aliases, history and rollout.
    ModelOps ops2 = ModelOps.builder().ticker(new Fixtures.ManualTicker()).build();
    try (AuditLog audit = AuditLog.open(audit2, AUDIT_KEYS);
        Metering metering =
            Metering.builder()
                .meters(UsageMeters.ofDefaults())
                .sink(LedgerSink.open(ledger2, FsyncPolicy.always()))
                .build();
        ModelRuntime b = runtime(state2, ops2, audit, metering)) {
      b.deployAll(ModelRepository.at(repo), Fixtures.template());
      assertEquals(aliases, b.aliases(MODEL));
      assertEquals(AliasTarget.split(Map.of(V1, 80, V2, 20)), b.aliases(MODEL).get("stable"));
      assertEquals(history, b.aliasHistory(MODEL, "stable"));
      Rollout back = ops2.rollouts().get(MODEL, "stable").orElseThrow();
      assertEquals(rollout.state(), back.state());
      assertEquals(rollout.step(), back.step());
      assertEquals(rollout.startedAt(), back.startedAt());
      b.setAlias(MODEL, "canary", V2); // the restored audit chain goes on
    }
    assertTrue(AuditLog.verify(audit2, AUDIT_KEYS).valid());
    assertTrue(Files.readAllLines(audit2).size() > auditLines.size());

    // A restore never overwrites: the same targets again are refused, and nothing changes.
    Result again =
        cli(
            "backup",
            "restore",
            archive.toString(),
            "--state",
            state2.toString(),
            "--ledger",
            ledger2.toString(),
            "--audit",
            audit2.toString());
    assertEquals(OpsCli.ERROR, again.code());
    assertTrue(again.err().contains("already holds usage files"), again.err());
    Result overwrite = cli("backup", "create", archive.toString(), "--state", state.toString());
    assertEquals(OpsCli.ERROR, overwrite.code());
    assertTrue(overwrite.err().contains("exists"), overwrite.err());
  }

  @Test
  void badArguments_getClearErrors_andTyposASuggestion() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    StateStore.directory(state)
        .write("aliases/x", "maasdk-aliases 1\n".getBytes(StandardCharsets.UTF_8));
    String archive = dir.resolve("b.zip").toString();

    Result typo = cli("backup", "create", archive, "--stat", state.toString());
    assertEquals(OpsCli.USAGE, typo.code());
    assertTrue(
        typo.err()
            .contains("unknown option --stat for `backup create` (did you mean" + " --state?)"),
        typo.err());
    assertTrue(typo.err().contains("usage: maasdk-ops"), typo.err());

    Result command = cli("backup", "creat", archive);
    assertEquals(OpsCli.USAGE, command.code());
    assertTrue(command.err().contains("did you mean `backup create`?"), command.err());

    Result noArchive = cli("backup", "create", "--state", state.toString());
    assertEquals(OpsCli.USAGE, noArchive.code());
    assertTrue(noArchive.err().contains("needs the archive's path first"), noArchive.err());

    Result noState = cli("backup", "create", archive);
    assertEquals(OpsCli.USAGE, noState.code());
    assertTrue(noState.err().contains("`backup create` needs --state"), noState.err());

    Result noValue = cli("backup", "create", archive, "--state");
    assertEquals(OpsCli.USAGE, noValue.code());
    assertTrue(noValue.err().contains("option --state needs a value"), noValue.err());

    Result twice = cli("backup", "create", archive, "--state", "a", "--state", "b");
    assertEquals(OpsCli.USAGE, twice.code());
    assertTrue(twice.err().contains("given twice"), twice.err());

    Result notADir = cli("backup", "create", archive, "--state", dir.resolve("nope").toString());
    assertEquals(OpsCli.ERROR, notADir.code());
    assertTrue(notADir.err().contains("is not a directory"), notADir.err());
    assertFalse(Files.exists(Path.of(archive)), "no archive from a failed create");

    assertEquals(OpsCli.OK, cli("backup", "create", archive, "--state", state.toString()).code());
    Result inspectOption = cli("backup", "inspect", archive, "--state", state.toString());
    assertEquals(OpsCli.USAGE, inspectOption.code());
    assertTrue(inspectOption.err().contains("it takes no options"), inspectOption.err());

    Result notEmpty = cli("backup", "restore", archive, "--state", state.toString());
    assertEquals(OpsCli.ERROR, notEmpty.code());
    assertTrue(notEmpty.err().contains("it is not empty ([aliases/x])"), notEmpty.err());

    Path bogus = Files.writeString(dir.resolve("bogus.zip"), "not a zip");
    Result notABackup = cli("backup", "inspect", bogus.toString());
    assertEquals(OpsCli.VERIFY_FAILED, notABackup.code());
    assertTrue(
        notABackup.err().contains("VERIFICATION FAILED")
            && notABackup.err().contains("is not a maasdk backup"),
        notABackup.err());

    Result missing = cli("backup", "inspect", dir.resolve("missing.zip").toString());
    assertEquals(OpsCli.ERROR, missing.code());
    assertTrue(missing.err().contains("is not a file"), missing.err());

    assertEquals(OpsCli.OK, cli("--help").code());
  }

  @Test
  void restore_withoutATargetForTheLedger_refusesBeforeWritingAnything() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    StateStore.directory(state)
        .write("aliases/x", "maasdk-aliases 1\n".getBytes(StandardCharsets.UTF_8));
    Path ledger = Files.createDirectories(dir.resolve("ledger"));
    Files.writeString(ledger.resolve("usage-20261204-000001.jsonl"), "");
    String archive = dir.resolve("b.zip").toString();
    assertEquals(
        OpsCli.OK,
        cli("backup", "create", archive, "--state", state.toString(), "--ledger", ledger.toString())
            .code());
    Path fresh = dir.resolve("fresh");
    Result r = cli("backup", "restore", archive, "--state", fresh.toString());
    assertEquals(OpsCli.USAGE, r.code());
    assertTrue(r.err().contains("holds a usage ledger (1 file(s)); give --ledger DIR"), r.err());
    assertEquals(List.of(), StateStore.directory(fresh).keys(""), "nothing was restored");
  }
}
