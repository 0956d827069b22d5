package io.maasdk.ops;

import static io.maasdk.ops.Fixtures.MODEL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.ModelHandle;
import io.maasdk.ModelRepository;
import io.maasdk.ModelRuntime;
import io.maasdk.Version;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16, item 1: a watched repository of real digits model folders. */
class RepositoryWatcherTest {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V11 = Version.parse("1.1.0");
  private static final Version V2 = Version.parse("2.0.0");
  @TempDir Path root;
  private final Fixtures.ManualTicker ticker = new Fixtures.ManualTicker();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ModelOps ops = ModelOps.builder().ticker(ticker).meterRegistry(meters).build();
  private final ModelRuntime runtime =
      ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).extension(ops).build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private List<Version> deployed() {
    return runtime.deployments().stream().map(d -> d.version()).sorted().toList();
  }

  private RepositoryWatcher.Builder<float[], float[]> watcher() {
    return ops.watch(Fixtures.store(root), Fixtures.template())
        .settle(Duration.ofSeconds(2))
        .watchInBackground(false); // passes run by syncNow
  }

  private static List<RepositoryEvent.Kind> kinds(List<RepositoryEvent> events) {
    return events.stream().map(RepositoryEvent::kind).toList();
  }

  private float[] predict(String selector) {
    return runtime
        .handle(MODEL, selector, float[].class, float[].class)
        .predict(Fixtures.TEST_SET.features()[0]);
  }

  @Test
  void start_deploysEveryVersionFolder_andAdoptsOnesDeployAllDeployedAlready() {
    Fixtures.version(root, "1.0.0", "1.0.0");
    Fixtures.version(root, "2.0.0", "2.0.0");
    runtime.deployAll(ModelRepository.at(root), Fixtures.template()); // both, before watching
    Fixtures.version(root, "1.1.0", "1.1.0");

    try (RepositoryWatcher w = watcher().start()) {
      assertEquals(List.of(V1, V11, V2), deployed());
      assertEquals(List.of(RepositoryEvent.Kind.DEPLOYED), kinds(w.events()));
      assertEquals(V11, w.events().get(0).version());
    }
  }

  @Test
  void newFolder_waitsUntilItsFilesStopChanging_thenIsDeployed() throws Exception {
    Fixtures.version(root, "1.0.0", "1.0.0");
    try (RepositoryWatcher w = watcher().start()) {
      Path half = root.resolve(MODEL).resolve("2.0.0");
      Files.createDirectories(half);
      Files.write(half.resolve("model.pt"), new byte[] {'P', 'K'}); // being copied

      assertEquals(List.of(), w.syncNow());
      ticker.advance(Duration.ofSeconds(1));
      Fixtures.version(root, "2.0.0", "2.0.0"); // the copy completes
      assertEquals(List.of(), w.syncNow(), "changed since the last pass: not settled");
      ticker.advance(Duration.ofSeconds(2));

      List<RepositoryEvent> events = w.syncNow();

      assertEquals(List.of(RepositoryEvent.Kind.DEPLOYED), kinds(events));
      assertEquals(List.of(V1, V2), deployed());
      assertArrayEquals(TestModels.expectedLogits("mlp", "2.0.0")[0], predict("2.0.0"), 1e-4f);
    }
  }

  @Test
  void newFolder_isFoundByFileSystemEvents_withoutWaitingForThePollInterval() throws Exception {
    Fixtures.version(root, "1.0.0", "1.0.0");
    try (RepositoryWatcher w =
        ops.watch(Fixtures.store(root), Fixtures.template())
            .pollInterval(Duration.ofMinutes(10))
            .settle(Duration.ZERO)
            .start()) {
      Fixtures.version(root, "2.0.0", "2.0.0");

      assertTrue(
          Fixtures.await(() -> deployed().contains(V2), 30), "deployed by an event: " + w.events());
    }
  }

  @Test
  void storeWithoutEvents_isPolled() throws Exception {
    Fixtures.version(root, "1.0.0", "1.0.0");
    ModelStore fs = Fixtures.store(root);
    ModelStore noEvents = new ModelStore() { // an object store: listing only, no change feed
          @Override
          public NavigableMap<Version, StoredVersion> list(String model) {
            return fs.list(model);
          }

          @Override
          public String describe() {
            return "polled " + fs.describe();
          }
        };
    try (RepositoryWatcher w =
        ops.watch(noEvents, Fixtures.template())
            .pollInterval(Duration.ofMillis(50))
            .settle(Duration.ZERO)
            .start()) {
      Fixtures.version(root, "2.0.0", "2.0.0");

      assertTrue(Fixtures.await(() -> deployed().contains(V2), 30), "polled: " + w.events());
    }
  }

  @Test
  void removedFolder_isUndeployed_unlessAnAliasOrLeaseNeedsIt_thenOnceNothingDoes() {
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      Fixtures.version(root, v, v);
    }
    try (RepositoryWatcher w = watcher().start()) {
      runtime.setAlias(MODEL, "stable", V1);
      ModelHandle<float[], float[]> pinned =
          runtime.handle(MODEL, "1.1.0", float[].class, float[].class);
      ModelHandle.Lease lease = pinned.pin();
      Fixtures.delete(root.resolve(MODEL).resolve("1.0.0"));
      Fixtures.delete(root.resolve(MODEL).resolve("1.1.0"));
      Fixtures.delete(root.resolve(MODEL).resolve("2.0.0"));

      List<RepositoryEvent> first = w.syncNow();

      assertEquals(
          List.of(
              RepositoryEvent.Kind.RETAINED,
              RepositoryEvent.Kind.RETAINED,
              RepositoryEvent.Kind.UNDEPLOYED),
          kinds(first),
          first.toString());
      assertTrue(first.get(0).detail().contains("alias 'stable'"), first.get(0).detail());
      assertTrue(first.get(1).detail().contains("lease #"), first.get(1).detail());
      assertEquals(List.of(V1, V11), deployed());
      assertEquals(List.of(), w.syncNow(), "retained again, but reported once");

      lease.close();
      assertEquals(List.of(RepositoryEvent.Kind.UNDEPLOYED), kinds(w.syncNow()));
      assertEquals(List.of(V1), deployed(), "stable still needs 1.0.0");
      assertEquals(
          2.0,
          meters.counter("maasdk.repository.events", "model", MODEL, "kind", "RETAINED").count());
    }
  }

  @Test
  void deployedVersionsFilesChange_isRefusedLoudly_andItKeepsServingWhatItLoaded() {
    Fixtures.version(root, "1.0.0", "1.0.0");
    try (RepositoryWatcher w = watcher().start()) {
      Fixtures.version(root, "1.0.0", "2.0.0"); // someone overwrites a published version

      List<RepositoryEvent> events = w.syncNow();

      assertEquals(List.of(RepositoryEvent.Kind.CONTENT_CHANGED), kinds(events));
      assertTrue(events.get(0).detail().contains("must never change"), events.get(0).detail());
      assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], predict("1.0.0"), 1e-4f);
      assertEquals(List.of(), w.syncNow(), "reported once, not on every pass");
      assertEquals(
          1.0,
          meters
              .counter("maasdk.repository.events", "model", MODEL, "kind", "CONTENT_CHANGED")
              .count());

      Fixtures.version(root, "1.0.0", "1.0.0");
      assertEquals(List.of(RepositoryEvent.Kind.CONTENT_RESTORED), kinds(w.syncNow()));
    }
  }

  @Test
  void brokenNewVersion_isReportedAndNotRetried_servingVersionsUntouched() throws Exception {
    Fixtures.version(root, "1.0.0", "1.0.0");
    try (RepositoryWatcher w = watcher().settle(Duration.ZERO).start()) {
      runtime.setAlias(MODEL, "stable", V1);
      Path broken = root.resolve(MODEL).resolve("2.0.0");
      Files.createDirectories(broken);
      Files.writeString(broken.resolve("model.pt"), "not a TorchScript file");

      List<RepositoryEvent> events = w.syncNow();

      assertEquals(List.of(RepositoryEvent.Kind.DEPLOY_FAILED), kinds(events));
      assertTrue(events.get(0).detail().contains("2.0.0"), events.get(0).detail());
      assertEquals(List.of(), w.syncNow(), "not retried until its files change");
      assertEquals(List.of(V1), deployed());
      assertArrayEquals(TestModels.expectedLogits("mlp", "1.0.0")[0], predict("stable"), 1e-4f);

      Fixtures.version(root, "2.0.0", "2.0.0"); // fixed
      assertEquals(List.of(RepositoryEvent.Kind.DEPLOYED), kinds(w.syncNow()));
    }
  }

  @Test
  void modelFolderMissing_isNotTakenAsEveryVersionRemoved() throws Exception {
    Fixtures.version(root, "1.0.0", "1.0.0");
    try (RepositoryWatcher w = watcher().start()) {
      Path moved = Files.move(root.resolve(MODEL), root.resolveSibling(root.getFileName() + "-x"));
      try {
        assertEquals(List.of(), w.syncNow());
        assertEquals(List.of(V1), deployed(), "an unmounted volume undeploys nothing");
      } finally {
        Files.move(moved, root.resolve(MODEL));
      }
      Fixtures.delete(root.resolve(MODEL).resolve("1.0.0"));
      assertEquals(List.of(RepositoryEvent.Kind.UNDEPLOYED), kinds(w.syncNow()));
    }
  }
}
