package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AliasChange;
import io.maasdk.AliasTarget;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.StateStore;
import io.maasdk.testkit.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 5: one archive restores aliases, history and rollouts into a fresh runtime. */
class BackupTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");
  @TempDir Path dir;

  private ModelRuntime runtime(Path state, ModelOps ops) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .stateStore(StateStore.directory(state))
        .extension(ops)
        .build();
  }

  @Test
  void backup_restoredIntoAFreshRuntime_bringsBackAliasesHistoryRolloutsAndFiles()
      throws Exception {
    Path repo = dir.resolve("models");
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      Fixtures.version(repo, v, v);
    }
    Path ledger = Files.writeString(dir.resolve("usage.jsonl"), "{\"tenant\":\"acme\"}\n");
    Path archive = dir.resolve("backup.zip");
    Map<String, AliasTarget> aliases;
    List<AliasChange> history;
    Rollout rollout;
    StateStore original = StateStore.directory(dir.resolve("state"));
    Fixtures.ManualTicker ticker = new Fixtures.ManualTicker();
    ModelOps ops = ModelOps.builder().ticker(ticker).build();
    try (ModelRuntime a = runtime(dir.resolve("state"), ops)) {
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
      aliases = a.aliases(MODEL);
      history = a.aliasHistory(MODEL, "stable");
      rollout = ops.rollouts().get(MODEL, "stable").orElseThrow();

      Backups.Contents c = Backups.export(original, Map.of("usage.jsonl", ledger), archive);
      assertEquals(List.of("aliases/" + MODEL, "rollouts/" + MODEL + "/stable"), c.keys());
    }

    Path fresh = dir.resolve("restored-state");
    Backups.restore(archive, StateStore.directory(fresh), dir.resolve("restored-files"));
    assertEquals(
        Files.readString(ledger), Files.readString(dir.resolve("restored-files/usage.jsonl")));
    ModelOps ops2 = ModelOps.builder().ticker(new Fixtures.ManualTicker()).build();
    try (ModelRuntime b = runtime(fresh, ops2)) {
      b.deployAll(ModelRepository.at(repo), Fixtures.template());
      assertEquals(aliases, b.aliases(MODEL));
      assertEquals(AliasTarget.split(Map.of(V1, 80, V2, 20)), b.aliases(MODEL).get("stable"));
      assertEquals(history, b.aliasHistory(MODEL, "stable"));
      Rollout back = ops2.rollouts().get(MODEL, "stable").orElseThrow();
      assertEquals(rollout.state(), back.state());
      assertEquals(rollout.step(), back.step());
      assertEquals(rollout.startedAt(), back.startedAt());
      assertEquals(rollout.updatedAt(), back.updatedAt());
    }
  }

  @Test
  void restore_refusesATamperedArchive_andANonEmptyStore() throws Exception {
    StateStore s = StateStore.directory(dir.resolve("s"));
    s.write("aliases/x", "maasdk-aliases 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path archive = dir.resolve("b.zip");
    Backups.export(s, Map.of(), archive);
    IllegalStateException notEmpty =
        assertThrows(
            IllegalStateException.class, () -> Backups.restore(archive, s, dir.resolve("f")));
    assertTrue(notEmpty.getMessage().contains("[aliases/x]"), notEmpty.getMessage());

    byte[] zip = Files.readAllBytes(archive);
    Path tampered = dir.resolve("t.zip");
    try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(tampered));
        var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] b = in.readAllBytes();
        out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
        out.write(
            e.getName().startsWith("state/")
                ? "maasdk-aliases 1\nalias evil\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : b);
        out.closeEntry();
      }
    }
    StateStore fresh = StateStore.directory(dir.resolve("fresh"));
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> Backups.restore(tampered, fresh, dir.resolve("f")));
    assertTrue(bad.getMessage().contains("does not match its SHA-256"), bad.getMessage());
    assertEquals(List.of(), fresh.keys(""), "nothing was restored");
  }
}
