package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.internal.Placer;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.GpuInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placement policies against a fake inventory, and for real on this machine's CPU. */
class DevicePlacementTest {
  private static final long GIB = 1L << 30;
  private static final Version V = Version.parse("1.0.0");
  private static final List<GpuInfo> GPUS =
      List.of(
          new GpuInfo(0, 16 * GIB, 2 * GIB),
          new GpuInfo(1, 16 * GIB, 10 * GIB),
          new GpuInfo(2, 16 * GIB, 6 * GIB));

  private static List<String> place(int replicas, DevicePolicy policy, List<GpuInfo> gpus) {
    return Placer.place("m", V, replicas, policy, gpus).stream().map(Placement::device).toList();
  }

  @Test
  void cpu_placesEveryReplicaOnCpu() {
    assertEquals(List.of("cpu()", "cpu()"), place(2, DevicePolicy.cpu(), GPUS));
  }

  @Test
  void explicit_roundRobinsOverListedGpus() {
    assertEquals(List.of("gpu(2)", "gpu(0)", "gpu(2)"), place(3, DevicePolicy.gpus(2, 0), GPUS));
  }

  @Test
  void explicit_missingGpu_failsListingWhatWasFound() {
    DeviceUnavailableException e =
        assertThrows(DeviceUnavailableException.class, () -> place(1, DevicePolicy.gpus(7), GPUS));
    assertTrue(
        e.getMessage().contains("[7]") && e.getMessage().contains("gpu(1) (free 10240 MiB"),
        e.getMessage());
    assertEquals("m", e.modelName());
    assertEquals(V, e.version());
  }

  @Test
  void leastLoaded_picksMostFreeMemory_accountingForEarlierReplicas() {
    DevicePolicy p = DevicePolicy.builder().leastLoaded().memoryPerReplica(3 * GIB).build();
    // gpu1: 10 → 7 → 4 GiB free; gpu2 has 6 GiB, so the third replica goes there.
    assertEquals(List.of("gpu(1)", "gpu(1)", "gpu(2)"), place(3, p, GPUS));
  }

  @Test
  void spread_distributesAcrossGpusThatFit() {
    assertEquals(
        List.of("gpu(1)", "gpu(2)", "gpu(0)", "gpu(1)"), place(4, DevicePolicy.spread(), GPUS));
    // With 3 GiB per replica gpu0 (2 GiB free) never fits; gpu1 has 10, gpu2 6 GiB.
    assertEquals(
        List.of("gpu(1)", "gpu(2)", "gpu(1)", "gpu(2)"),
        place(4, DevicePolicy.builder().spread().memoryPerReplica(3 * GIB).build(), GPUS));
  }

  @Test
  void noGpuFits_fallsBackToCpuWithReason() {
    List<Placement> p =
        Placer.place(
            "m",
            V,
            2,
            DevicePolicy.builder().leastLoaded().memoryPerReplica(12 * GIB).build(),
            GPUS);
    assertEquals(List.of("cpu()", "cpu()"), p.stream().map(Placement::device).toList());
    assertTrue(p.get(0).reason().contains("no GPU has 12288 MiB free"), p.get(0).reason());
  }

  @Test
  void noGpuFits_failPolicy_refusesWithWhatWasFound() {
    DeviceUnavailableException e =
        assertThrows(
            DeviceUnavailableException.class,
            () ->
                place(
                    1,
                    DevicePolicy.builder()
                        .spread()
                        .memoryPerReplica(12 * GIB)
                        .failIfUnavailable()
                        .build(),
                    GPUS));
    assertTrue(e.getMessage().contains("gpu(0) (free 2048 MiB of 16384 MiB)"), e.getMessage());
    assertThrows(
        DeviceUnavailableException.class,
        () -> place(1, DevicePolicy.builder().spread().failIfUnavailable().build(), List.of()));
  }

  @Test
  void noGpuAtAll_autoFallsBackToCpu() {
    assertEquals(List.of("cpu()"), place(1, DevicePolicy.ofDefaults(), List.of()));
  }

  @Test
  void policy_rejectsNonsenseAtOnce() {
    assertThrows(IllegalArgumentException.class, DevicePolicy::gpus);
    assertThrows(IllegalArgumentException.class, () -> DevicePolicy.gpus(-1));
    assertThrows(
        IllegalArgumentException.class, () -> DevicePolicy.builder().spread().memoryPerReplica(-1));
  }

  @Test
  void realDeploy_onCpuMachine_placementIsVisible() {
    try (ModelRuntime rt = ModelRuntime.builder().build()) { // the real DJL inventory
      rt.deploy(
          Models.echo("echo", "1.0.0").replicas(2).devicePolicy(DevicePolicy.ofDefaults()).build());
      DeploymentInfo info = rt.describe("echo", V).orElseThrow();
      assertEquals(2, info.placements().size());
      for (Placement p : info.placements()) {
        // This machine has no GPU: the auto policy falls back to the CPU and says why.
        assertEquals("cpu()", p.device());
        assertTrue(p.reason().startsWith("fallback: no GPU found"), p.reason());
      }
      float[] out =
          rt.handle("echo", "1.0.0", float[].class, float[].class)
              .predict(new float[] {1, 2, 3, 4});
      assertEquals(2f, out[0]);
    }
  }

  @Test
  void fakeInventory_gpuPolicyThatMustFail_refusesDeployWithoutLoading() {
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.fixed(new GpuInfo(0, 8 * GIB, GIB)))
            .build()) {
      assertThrows(
          DeviceUnavailableException.class,
          () ->
              rt.deploy(
                  Models.echo("echo", "1.0.0")
                      .devicePolicy(
                          DevicePolicy.builder().gpus(0).memoryPerReplica(2 * GIB).build())
                      .build()));
      assertTrue(rt.deployments().isEmpty());
    }
  }

  /** Issue 10, failure 9: a GPU placement the engine cannot honour used to deploy, then fail. */
  @Test
  void gpuPlacement_onACpuOnlyEngine_isVerifiedAtDeploy_andFallsBackToCpu() {
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.fixed(new GpuInfo(0, 8 * GIB, 8 * GIB)))
            .build()) {
      rt.deploy(
          Models.digits("1.0.0")
              .devicePolicy(DevicePolicy.builder().gpus(0).fallbackToCpu().build())
              .build());
      Placement p = rt.describe("digits", V).orElseThrow().placements().get(0);
      assertEquals("cpu()", p.device(), p.toString());
      assertTrue(p.reason().contains("gpu(0) failed verification"), p.reason());
      float[] x = io.maasdk.testkit.TestModels.digitsTestSet().features()[0];
      assertEquals(
          10, rt.handle("digits", "1.0.0", float[].class, float[].class).predict(x).length);
    }
  }

  @Test
  void gpuPlacement_onACpuOnlyEngine_withoutFallback_refusesTheDeployClearly() {
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.fixed(new GpuInfo(0, 8 * GIB, 8 * GIB)))
            .build()) {
      DeviceUnavailableException e =
          assertThrows(
              DeviceUnavailableException.class,
              () -> rt.deploy(Models.digits("1.0.0").devicePolicy(DevicePolicy.gpus(0)).build()));
      assertTrue(
          e.getMessage().contains("digits@1.0.0") && e.getMessage().contains("gpu(0)"),
          e.getMessage());
      assertTrue(rt.deployments().isEmpty());
    }
  }
}
