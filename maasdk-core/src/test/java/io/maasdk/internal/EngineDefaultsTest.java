package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
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
  void onnxOnCpu_byDefault_oneReplicaWithAnIntraOpThreadPerCore() {
    ModelSpec<float[], float[]> s = spec().build();
    assertEquals(1, s.replicas());
    assertEquals(CORES, EngineLoader.onnxIntraOpThreads(s));
  }

  @Test
  void pinnedReplicas_shareTheCores_atLeastOneThreadEach() {
    assertEquals(Math.max(1, CORES / 2), EngineLoader.onnxIntraOpThreads(spec().replicas(2).build()));
    assertEquals(1, EngineLoader.onnxIntraOpThreads(spec().replicas(CORES * 2).build()));
  }
}
