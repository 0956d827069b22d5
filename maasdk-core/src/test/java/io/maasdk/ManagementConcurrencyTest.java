package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Management of one model never waits for another's load: loading happens outside any lock, and
 * only the publish step is serialised, per model (issue 10, #11). The slow load is a real echo
 * model behind a source whose open() blocks on a latch (the source is an edge collaborator).
 */
class ManagementConcurrencyTest {
  private static final long WAIT_S = 30;

  /** The echo model, opened only once {@link #release} is counted down. */
  static final class BlockingSource implements ModelSource {
    final ModelSource inner = ModelSource.classpath(TestModels.resource("echo"));
    final CountDownLatch opened = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger opens = new AtomicInteger();

    @Override
    public ModelArtifact open(String modelName, Version version) throws IOException {
      opens.incrementAndGet();
      opened.countDown();
      try {
        if (!release.await(WAIT_S, TimeUnit.SECONDS)) {
          throw new IOException("test latch never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
      return inner.open(modelName, version);
    }

    @Override
    public String describe() {
      return "blocking:echo";
    }
  }

  private ModelRuntime rt;
  private ExecutorService pool;

  @BeforeEach
  void start() {
    rt = Models.runtime();
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() throws InterruptedException {
    rt.close();
    pool.shutdownNow();
    assertTrue(pool.awaitTermination(WAIT_S, TimeUnit.SECONDS));
  }

  private static <T> T within(Future<T> f) throws Exception {
    try {
      return f.get(WAIT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("management call still blocked after " + WAIT_S + " s", e);
    }
  }

  private static List<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith(prefix))
        .toList();
  }

  @Test
  void rollbackSetAliasDeployAndUndeploy_completeWhileAnotherDeployIsLoading() throws Exception {
    Version v1 = Version.parse("1.0.0");
    Version v2 = Version.parse("2.0.0");
    rt.deploy(Models.echo("b", "1.0.0").build());
    rt.deploy(Models.echo("b", "2.0.0").build());
    rt.setAlias("b", "stable", v1);
    rt.setAlias("b", "stable", v2);
    ModelHandle<float[], float[]> stable = rt.handle("b", "stable", float[].class, float[].class);
    BlockingSource slow = new BlockingSource();
    Future<Version> loading =
        pool.submit(() -> rt.deploy(Models.echo("a", "1.0.0").source(slow).build()));
    assertTrue(slow.opened.await(WAIT_S, TimeUnit.SECONDS));
    try {
      // The emergency rollback of another model does not wait for a's load.
      assertEquals(AliasTarget.of(v1), within(pool.submit(() -> rt.rollback("b", "stable"))));
      assertEquals(v1, stable.predictDetailed(new float[4], CallOptions.ofDefaults()).version());
      within(
          pool.submit(
              () -> {
                rt.setAlias("b", "stable", v2);
                return null;
              }));
      assertEquals(
          Version.parse("3.0.0"),
          within(pool.submit(() -> rt.deploy(Models.echo("b", "3.0.0").build()))));
      within(
          pool.submit(
              () -> {
                rt.undeploy("b", "3.0.0");
                return null;
              }));
      // Nor does another version of the loading model itself.
      assertEquals(v2, within(pool.submit(() -> rt.deploy(Models.echo("a", "2.0.0").build()))));
      assertFalse(loading.isDone(), "a@1.0.0 was still loading all along");
      assertTrue(rt.describe("a", v1).isEmpty(), "a loading version is not visible");
    } finally {
      slow.release.countDown();
    }
    assertEquals(v1, within(loading));
    assertEquals(
        2f,
        rt.handle("a", "1.0.0", float[].class, float[].class).predict(new float[] {1, 0, 0, 0})[0]);
    assertEquals(1, slow.opens.get());
  }

  @Test
  void concurrentDeploysOfOneVersion_oneWins_theOthersAreRefusedAtOnceWithoutLoading()
      throws Exception {
    int threads = 8;
    BlockingSource source = new BlockingSource();
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Future<Version>> deploys = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      // Every thread spells the version differently (build metadata): still one version.
      String version = "1.0.0+t" + t;
      deploys.add(
          pool.submit(
              () -> {
                start.await(WAIT_S, TimeUnit.SECONDS);
                return rt.deploy(Models.echo("a", version).source(source).build());
              }));
    }
    assertTrue(source.opened.await(WAIT_S, TimeUnit.SECONDS));
    List<DeploymentConflictException> refused = new ArrayList<>();
    Future<Version> winner = null;
    try {
      // The losers are answered while the winner is still loading: nothing waits on a lock.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
      while (refused.size() < threads - 1 && System.nanoTime() < deadline) {
        refused.clear();
        winner = null;
        for (Future<Version> f : deploys) {
          if (!f.isDone()) {
            winner = f;
            continue;
          }
          ExecutionException e = assertThrows(ExecutionException.class, f::get);
          refused.add(assertInstanceOf(DeploymentConflictException.class, e.getCause()));
        }
        Thread.onSpinWait();
      }
      assertEquals(threads - 1, refused.size(), "refused before the winner finished loading");
    } finally {
      source.release.countDown();
    }
    Version won = within(winner);
    assertEquals(Version.parse("1.0.0"), won);
    assertEquals(1, source.opens.get(), "only the winner opened (and loaded) the model");
    for (DeploymentConflictException e : refused) {
      assertTrue(
          e.getMessage()
              .contains("is being deployed by another call right now (from" + " blocking:echo)"),
          e.getMessage());
    }
    assertEquals(1, rt.deployments().size());
    // Only the winner made a replica: a queued call starts its worker, and no other exists.
    rt.handle("a", "1.0.0", float[].class, float[].class)
        .predictAsync(new float[4])
        .get(WAIT_S, TimeUnit.SECONDS);
    assertEquals(List.of("maasdk-a@" + won + "-r0"), threads("maasdk-a@"));
  }

  @Test
  void close_whileADeployIsLoading_failsThatDeploy_andClosesWhatItLoaded() throws Exception {
    BlockingSource slow = new BlockingSource();
    Future<Version> loading =
        pool.submit(() -> rt.deploy(Models.echo("a", "1.0.0").source(slow).build()));
    assertTrue(slow.opened.await(WAIT_S, TimeUnit.SECONDS));
    rt.close(); // does not wait for a load that may never end
    slow.release.countDown();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> loading.get(WAIT_S, TimeUnit.SECONDS));
    ModelUnavailableException closed =
        assertInstanceOf(ModelUnavailableException.class, e.getCause());
    assertTrue(closed.getMessage().contains("closed while it was loading"), closed.getMessage());
    assertEquals(List.of(), threads("maasdk-a@"));
  }

  @Test
  void failedLoad_givesItsReservationBack_andLeavesNoModelBehind() {
    ModelSource missing =
        new ModelSource() {
          @Override
          public ModelArtifact open(String modelName, Version version) throws IOException {
            throw new java.nio.file.NoSuchFileException("gone");
          }

          @Override
          public String describe() {
            return "missing";
          }
        };
    assertThrows(
        ModelLoadException.class,
        () -> rt.deploy(Models.echo("a", "1.0.0").source(missing).build()));
    ModelNotFoundException none =
        assertThrows(
            ModelNotFoundException.class,
            () -> rt.handle("a", "latest", float[].class, float[].class));
    assertTrue(none.getMessage().contains("no model named 'a'"), none.getMessage());
    // Another type may now claim the name, and the version can be deployed again.
    rt.deploy(Models.echo("a", "1.0.0").build());
    assertEquals(
        2f,
        rt.handle("a", "1.0.0", float[].class, float[].class).predict(new float[] {1, 0, 0, 0})[0]);
  }

  @Test
  void manyThreadsMovingAliasesOfTwoModels_whileBothLoad_neverBlockAndKeepHistoryConsistent()
      throws Exception {
    for (String m : List.of("b", "c")) {
      rt.deploy(Models.echo(m, "1.0.0").build());
      rt.deploy(Models.echo(m, "2.0.0").build());
      rt.setAlias(m, "live", Version.parse("1.0.0"));
    }
    BlockingSource slowB = new BlockingSource();
    Future<Version> loading =
        pool.submit(() -> rt.deploy(Models.echo("b", "3.0.0").source(slowB).build()));
    assertTrue(slowB.opened.await(WAIT_S, TimeUnit.SECONDS));
    int threads = 8;
    int moves = 200;
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Future<?>> movers = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        String model = t % 2 == 0 ? "b" : "c";
        movers.add(
            pool.submit(
                () -> {
                  start.await(WAIT_S, TimeUnit.SECONDS);
                  for (int i = 0; i < moves; i++) {
                    rt.setAlias(model, "live", Version.parse(i % 2 == 0 ? "2.0.0" : "1.0.0"));
                  }
                  return null;
                }));
      }
      for (Future<?> f : movers) {
        within(f);
      }
    } finally {
      slowB.release.countDown();
    }
    within(loading);
    for (String m : List.of("b", "c")) {
      List<AliasChange> h = rt.aliasHistory(m, "live");
      assertEquals(256, h.size()); // 1 + 4 * 200 moves, bounded
      for (int i = 1; i < h.size(); i++) { // each move starts where the previous one ended
        assertEquals(h.get(i - 1).to(), h.get(i).from());
      }
    }
  }
}
