package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.GpuInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replica and ONNX Runtime thread defaults that decide how a version uses the cores. */
class EngineDefaultsTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final List<GpuInfo> ONE_GPU =
      List.of(new GpuInfo(0, 16L << 30, 16L << 30));

  private static ModelSpec.Builder<float[], float[]> spec(DevicePolicy policy) {
    return ModelSpec.builder("m", float[].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath("unused.onnx"))
        .translator(Codecs.floatVector(4))
        .devicePolicy(policy);
  }

  @Test
  void onnxOnCpu_unpinned_getsOneReplicaPerCore_ofOneIntraOpThreadEach() {
    ModelSpec<float[], float[]> s = spec(DevicePolicy.cpu()).engine("OnnxRuntime").build();
    assertEquals(CORES, EngineLoader.replicas(s, "OnnxRuntime", ONE_GPU));
    assertEquals(1, EngineLoader.onnxIntraOpThreads(s));
  }

  @Test
  void onnxWithAutoPolicy_onAMachineWithoutGpus_usesTheCoresToo() {
    ModelSpec<float[], float[]> s = spec(DevicePolicy.auto()).engine("OnnxRuntime").build();
    assertEquals(CORES, EngineLoader.replicas(s, "OnnxRuntime", List.of()));
    assertEquals(1, EngineLoader.replicas(s, "OnnxRuntime", ONE_GPU));
  }

  @Test
  void pinnedReplicas_areKept_andShareTheCoresAsIntraOpThreads() {
    ModelSpec<float[], float[]> s = spec(DevicePolicy.cpu()).engine("OnnxRuntime").replicas(1).build();
    assertEquals(1, EngineLoader.replicas(s, "OnnxRuntime", List.of()));
    assertEquals(CORES, EngineLoader.onnxIntraOpThreads(s));
    ModelSpec<float[], float[]> many =
        spec(DevicePolicy.cpu()).engine("OnnxRuntime").replicas(CORES * 2).build();
    assertEquals(1, EngineLoader.onnxIntraOpThreads(many));
  }

  @Test
  void pyTorch_keepsOneReplica_itsThreadsAreJvmWide() {
    ModelSpec<float[], float[]> s = spec(DevicePolicy.cpu()).build();
    assertEquals(1, EngineLoader.replicas(s, "PyTorch", List.of()));
  }
}
