package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.GpuInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ONNX Runtime thread defaults that decide how a version uses the cores. */
class EngineDefaultsTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();

  private static ModelSpec.Builder<float[], float[]> spec() {
    return ModelSpec.builder("m", float[].class, float[].class)
        .version("1.0.0")
        .engine("OnnxRuntime")
        .source(ModelSource.classpath("unused.onnx"))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu());
  }

  @Test
  void onnxOnCpu_byDefault_aReplicaPerCoreSharingAnIntraOpThreadPerCore() {
    ModelSpec<float[], float[]> s = spec().build();
    assertFalse(s.replicasSet());
    assertEquals(CORES, EngineLoader.defaultReplicas(s, "OnnxRuntime", List.of()));
    assertEquals(CORES, EngineLoader.onnxIntraOpThreads(s));
  }

  @Test
  void onnx_autoPolicy_onAMachineWithoutGpus_aReplicaPerCore_withAGpu_one() {
    ModelSpec<float[], float[]> s = spec().devicePolicy(DevicePolicy.ofDefaults()).build();
    assertEquals(CORES, EngineLoader.defaultReplicas(s, "OnnxRuntime", List.of()));
    assertEquals(
        1,
        EngineLoader.defaultReplicas(
            s, "OnnxRuntime", List.of(new GpuInfo(0, 16L << 30, 16L << 30))));
  }

  @Test
  void pinnedReplicas_areKept_andShareTheSessionsThreads() {
    ModelSpec<float[], float[]> s = spec().replicas(1).build();
    assertTrue(s.replicasSet());
    assertEquals(1, EngineLoader.defaultReplicas(s, "OnnxRuntime", List.of()));
    assertTrue(
        spec().replicas(1).build().toBuilder().build().replicasSet(), "copied with toBuilder");
    ModelSpec<float[], float[]> four = spec().replicas(CORES * 2).build();
    assertEquals(CORES * 2, EngineLoader.defaultReplicas(four, "OnnxRuntime", List.of()));
    assertEquals(CORES, EngineLoader.onnxIntraOpThreads(four));
  }

  @Test
  void pyTorchOnCpu_aReplicaPerCore_onAGpu_one() {
    ModelSpec<float[], float[]> s = spec().engine("PyTorch").build();
    assertEquals(CORES, EngineLoader.defaultReplicas(s, "PyTorch", List.of()));
    ModelSpec<float[], float[]> auto =
        spec().engine("PyTorch").devicePolicy(DevicePolicy.ofDefaults()).build();
    assertEquals(
        1,
        EngineLoader.defaultReplicas(
            auto, "PyTorch", List.of(new GpuInfo(0, 16L << 30, 16L << 30))));
    assertEquals(
        1,
        EngineLoader.defaultReplicas(
            spec().engine("PyTorch").replicas(1).build(), "PyTorch", List.of()));
  }

  @Test
  void otherEngines_keepOneReplica() {
    ModelSpec<float[], float[]> s = spec().engine("TensorFlow").build();
    assertEquals(1, EngineLoader.defaultReplicas(s, "TensorFlow", List.of()));
  }

  @Test
  void onnxOnCpu_byDefault_aSecondSingleThreadedSessionForConcurrentCalls_unlessPinned() {
    ai.djl.Device cpu = ai.djl.Device.cpu();
    assertEquals(
        CORES > 1, EngineLoader.concurrentSession(spec().build(), "OnnxRuntime", cpu), "default");
    assertFalse(
        EngineLoader.concurrentSession(
            spec().engineOption("intraOpNumThreads", "2").build(), "OnnxRuntime", cpu),
        "threads pinned: ONNX Runtime's session as the spec says, one");
    assertFalse(
        EngineLoader.concurrentSession(spec().replicas(1).build(), "OnnxRuntime", cpu),
        "one replica: its calls never run concurrently");
    assertEquals(
        CORES > 1,
        EngineLoader.concurrentSession(spec().replicas(3).build(), "OnnxRuntime", cpu),
        "replicas pinned above one");
    assertFalse(
        EngineLoader.concurrentSession(spec().build(), "OnnxRuntime", ai.djl.Device.gpu(0)), "GPU");
    assertFalse(
        EngineLoader.concurrentSession(spec().engine("PyTorch").build(), "PyTorch", cpu),
        "other engines");
  }
}
