package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.codec.Codecs;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.ManagementRequest;
import io.maasdk.spi.RuntimeExtension;
import io.maasdk.spi.StateStore;
import io.maasdk.testkit.TestModels;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's core hooks: {@code deployAll} is idempotent, aliases (splits, fallbacks, history,
 * rollback stack) survive a restart through a {@link StateStore}, automation rolls an alias back
 * with a reason interceptors see, and extensions live as long as the runtime.
 */
class RuntimeStateTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V11 = Version.parse("1.1.0");
  private static final Version V2 = Version.parse("2.0.0");
  @TempDir Path dir;

  private static ModelRuntime runtime(StateStore store) {
    return ModelRuntime.builder()
        .deviceInventory(DeviceInventory.cpuOnly())
        .stateStore(store)
        .build();
  }

  private static ModelSpec.Builder<float[], float[]> template() {
    return ModelSpec.builder("digits-mlp", float[].class, float[].class)
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu());
  }

  @Test
  void deployAll_calledAgainAfterANewFolder_deploysOnlyTheNewVersion_withoutConflict() {
    Path repo = dir.resolve("repo");
    TestModels.copy(
        TestModels.digitsResource("mlp", "1.0.0"), repo.resolve("digits-mlp/1.0.0/model.pt"));
    try (ModelRuntime runtime = Models.runtime()) {
      assertEquals(List.of(V1), runtime.deployAll(ModelRepository.at(repo), template()).deployed());
      TestModels.copy(
          TestModels.digitsResource("mlp", "2.0.0"), repo.resolve("digits-mlp/2.0.0/model.pt"));

      ModelRepository.DeployResult again = runtime.deployAll(ModelRepository.at(repo), template());

      assertEquals(List.of(V2), again.deployed());
      assertEquals(List.of(V1), again.alreadyDeployed());
      assertTrue(again.complete(), "an already deployed version is not a failure: " + again);
    }
  }

  @Test
  void aliases_splitsFallbacksHistoryAndRollbackStack_comeBackAfterRestart() {
    StateStore store = StateStore.directory(dir.resolve("state"));
    Map<String, AliasTarget> before;
    List<AliasChange> stableHistory;
    List<AliasChange> canaryHistory;
    try (ModelRuntime a = runtime(store)) {
      for (String v : TestModels.DIGITS_MLP_VERSIONS) {
        a.deploy(Models.digits(v).build());
      }
      a.setAlias("digits", "stable", V1);
      a.setAlias("digits", "stable", AliasTarget.split(Map.of(V1, 90, V2, 10)).withFallback(V11));
      a.setAlias("digits", "canary", V2);
      a.setAlias("digits", "canary", V11);
      a.rollback("digits", "canary");
      before = a.aliases("digits");
      stableHistory = a.aliasHistory("digits", "stable");
      canaryHistory = a.aliasHistory("digits", "canary");
    }

    try (ModelRuntime b = runtime(store)) {
      for (String v : TestModels.DIGITS_MLP_VERSIONS) {
        b.deploy(Models.digits(v).build());
      }
      assertEquals(before, b.aliases("digits"));
      assertEquals(stableHistory, b.aliasHistory("digits", "stable"));
      assertEquals(canaryHistory, b.aliasHistory("digits", "canary"));
      assertEquals(AliasTarget.of(V1), b.rollback("digits", "stable"), "the rollback stack too");
      assertEquals(
          V2,
          b.handle("digits", "canary", float[].class, float[].class)
              .predictDetailed(new float[64], CallOptions.ofDefaults())
              .version());
    }
  }

  @Test
  void restoredAlias_servesOnlyOnceEveryVersionItNamesIsDeployed() {
    StateStore store = StateStore.directory(dir.resolve("state"));
    try (ModelRuntime a = runtime(store)) {
      a.deploy(Models.digits("1.0.0").build());
      a.deploy(Models.digits("2.0.0").build());
      a.setAlias("digits", "stable", AliasTarget.of(V2).withFallback(V1));
    }
    try (ModelRuntime b = runtime(store)) {
      b.deploy(Models.digits("2.0.0").build());
      assertFalse(b.aliases("digits").containsKey("stable"), "its fallback 1.0.0 is missing");
      assertThrows(
          ModelNotFoundException.class,
          () -> b.handle("digits", "stable", float[].class, float[].class));
      b.deploy(Models.digits("1.0.0").build());
      assertEquals(AliasTarget.of(V2).withFallback(V1), b.aliases("digits").get("stable"));
    }
  }

  @Test
  void aliasMove_theStoreRefuses_isRefusedAndTheAliasIsUnchanged() {
    StateStore real = StateStore.directory(dir.resolve("state"));
    boolean[] broken = {false};
    StateStore flaky = new StateStore() { // a disk that fills up: the edge, not the thing tested
          @Override
          public Optional<byte[]> read(String key) {
            return real.read(key);
          }

          @Override
          public void write(String key, byte[] value) {
            if (broken[0]) {
              throw new UncheckedIOException(new java.io.IOException("No space left on device"));
            }
            real.write(key, value);
          }

          @Override
          public void delete(String key) {
            real.delete(key);
          }

          @Override
          public List<String> keys(String prefix) {
            return real.keys(prefix);
          }
        };
    try (ModelRuntime rt = runtime(flaky)) {
      rt.deploy(Models.digits("1.0.0").build());
      rt.deploy(Models.digits("2.0.0").build());
      rt.setAlias("digits", "stable", V1);
      broken[0] = true;

      MaasdkException e =
          assertThrows(MaasdkException.class, () -> rt.setAlias("digits", "stable", V2));

      assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
      assertEquals(AliasTarget.of(V1), rt.aliases("digits").get("stable"));
      assertEquals(1, rt.aliasHistory("digits", "stable").size());
    }
    try (ModelRuntime rt = runtime(real)) {
      rt.deploy(Models.digits("1.0.0").build());
      assertEquals(AliasTarget.of(V1), rt.aliases("digits").get("stable"));
    }
  }

  @Test
  void unreadableState_failsTheBuild_namingTheKey() {
    StateStore store = StateStore.directory(dir.resolve("state"));
    store.write("aliases/digits", "not alias state".getBytes(StandardCharsets.UTF_8));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> runtime(store));
    assertTrue(e.getMessage().contains("aliases/digits"), e.getMessage());
  }

  @Test
  void rollbackTo_isRecordedAsRollback_andInterceptorsSeeTheReason() {
    List<ManagementRequest> seen = new CopyOnWriteArrayList<>();
    CallInterceptor audit =
        new CallInterceptor() {
          @Override
          public void beforeCall(io.maasdk.spi.CallContext call) {}

          @Override
          public void beforeManagement(ManagementRequest request) {
            seen.add(request);
          }
        };
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(audit)
            .build()) {
      rt.deploy(Models.digits("1.0.0").build());
      rt.deploy(Models.digits("2.0.0").build());
      rt.setAlias("digits", "stable", V1);
      rt.setAlias("digits", "stable", AliasTarget.split(Map.of(V1, 90, V2, 10)));

      rt.rollbackTo("digits", "stable", AliasTarget.of(V1), "error rate 0.2 > 0.01");

      assertEquals(AliasTarget.of(V1), rt.aliases("digits").get("stable"));
      List<AliasChange> h = rt.aliasHistory("digits", "stable");
      assertEquals(AliasChange.Kind.ROLLBACK, h.get(h.size() - 1).kind());
      ManagementRequest last = seen.get(seen.size() - 1);
      assertEquals(ManagementRequest.Action.ROLLBACK, last.action());
      assertEquals("error rate 0.2 > 0.01", last.reason());
    }
  }

  @Test
  void extension_startsWithTheRuntime_andClosesBeforeIt() {
    List<String> log = new CopyOnWriteArrayList<>();
    RuntimeExtension x =
        new RuntimeExtension() {
          @Override
          public void started(ModelRuntime runtime) {
            log.add("started");
            runtime.deploy(Models.digits("1.0.0").build());
          }

          @Override
          public void close() {
            log.add("closed");
          }
        };
    ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).extension(x).build();
    assertEquals(1, rt.deployments().size());
    rt.close();
    assertEquals(2, log.size(), log.toString());
  }

  @Test
  void fileStateStore_replacesWholeValues_listsKeys_andIgnoresATornTemporaryFile()
      throws Exception {
    Path d = dir.resolve("state");
    StateStore s = StateStore.directory(d);
    s.write("rollouts/digits/stable", "one".getBytes(StandardCharsets.UTF_8));
    s.write("rollouts/digits/stable", "two".getBytes(StandardCharsets.UTF_8));
    s.write("aliases/digits", "a".getBytes(StandardCharsets.UTF_8));
    // a crash between writing the temporary file and renaming it leaves this behind
    Files.writeString(d.resolve("aliases%2Fdigits.state.tmp"), "half");

    assertEquals(
        "two", new String(s.read("rollouts/digits/stable").orElseThrow(), StandardCharsets.UTF_8));
    assertEquals("a", new String(s.read("aliases/digits").orElseThrow(), StandardCharsets.UTF_8));
    assertEquals(List.of("rollouts/digits/stable"), s.keys("rollouts/"));
    s.delete("rollouts/digits/stable");
    assertTrue(s.read("rollouts/digits/stable").isEmpty());
  }
}
