package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 9: a key revoked while the runtime serves is refused on its next call. */
class PolicyRevocationTest {
  private static final ApiKeys KEYS = ApiKeys.of(KeyPurpose.PRF.generate());
  private static final String ALICE = ApiKeys.newKey();
  private static final String BOB = ApiKeys.newKey();
  private static final String OPS = ApiKeys.newKey();
  private static final int THREADS = 8;
  private static final int CALLS_AFTER_SWAP = 25;

  @TempDir Path tmp;

  /** Per thread: calls that began after swap() returned, and how they ended. */
  private record Tally(String who, int before, int beforeDenied, int after, int afterDenied) {}

  @Test
  void revokedUnderLoad_everyCallStartedAfterTheSwapIsRefused_othersUnaffected() throws Exception {
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("ops", Permission.of("*", Action.DEPLOY))
            .principal("alice", KEYS.hash(ALICE), "scorer")
            .principal("bob", KEYS.hash(BOB), "scorer")
            .principal("ops", KEYS.hash(OPS), "ops")
            .build();
    SwappablePolicy policies = SwappablePolicy.of(policy);
    ModelSource src =
        ModelSource.file(
            TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("model.pt")));
    float[] x = TestModels.digitsTestSet().features()[0];
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(AccessControl.of(policies, KEYS))
            .build()) {
      rt.admin(OPS).deploy(Fixtures.spec("digits", "1.0.0", src));
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      CyclicBarrier start = new CyclicBarrier(THREADS + 1);
      CountDownLatch warmedUp = new CountDownLatch(THREADS * 10);
      CountDownLatch swapped = new CountDownLatch(1);
      List<Future<Tally>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        String who = t % 2 == 0 ? "alice" : "bob";
        CallOptions opts =
            CallOptions.builder().credentials(who.equals("alice") ? ALICE : BOB).build();
        results.add(
            pool.submit(
                () -> {
                  start.await(10, TimeUnit.SECONDS);
                  int before = 0;
                  int beforeDenied = 0;
                  int after = 0;
                  int afterDenied = 0;
                  while (after < CALLS_AFTER_SWAP) {
                    boolean afterSwap = swapped.getCount() == 0; // read before the call starts
                    boolean denied;
                    try {
                      h.predict(x, opts);
                      denied = false;
                    } catch (AccessDeniedException e) {
                      denied = true;
                    }
                    if (afterSwap) {
                      after++;
                      afterDenied += denied ? 1 : 0;
                    } else {
                      before++;
                      beforeDenied += denied ? 1 : 0;
                      warmedUp.countDown();
                    }
                  }
                  return new Tally(who, before, beforeDenied, after, afterDenied);
                }));
      }
      start.await(10, TimeUnit.SECONDS);
      assertTrue(warmedUp.await(60, TimeUnit.SECONDS), "callers got going");
      AccessPolicy old = policies.swap(policy.withoutPrincipal("alice"));
      swapped.countDown();
      assertEquals(policy, old);

      int aliceAfter = 0;
      int aliceDeniedAfter = 0;
      int bobAfter = 0;
      int bobDenied = 0;
      for (Future<Tally> f : results) {
        Tally t = f.get(60, TimeUnit.SECONDS);
        if (t.who().equals("alice")) {
          aliceAfter += t.after();
          aliceDeniedAfter += t.afterDenied();
        } else {
          bobAfter += t.after();
          bobDenied += t.beforeDenied() + t.afterDenied();
        }
      }
      assertEquals(THREADS / 2 * CALLS_AFTER_SWAP, aliceAfter);
      assertEquals(
          aliceAfter, aliceDeniedAfter, "every call alice began after the swap is refused");
      // Calls alice began between swap() and the flag may go either way.
      assertEquals(THREADS / 2 * CALLS_AFTER_SWAP, bobAfter);
      assertEquals(0, bobDenied, "bob's key was never refused");
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
  }
}
