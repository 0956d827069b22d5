package io.maasdk.metrics;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;

final class ModelSpecs {
  private ModelSpecs() {}

  static ModelSpec<float[], float[]> echoVersion(String name, String version) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource("echo")))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .queueCapacity(512)
        .build();
  }

  static ModelSpec<float[], float[]> digits() {
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .queueCapacity(512)
        .build();
  }
}
