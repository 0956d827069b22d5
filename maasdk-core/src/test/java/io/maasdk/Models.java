package io.maasdk;

import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;

/** Specs for the testkit's real TorchScript models, shared by the tests. */
final class Models {
  private Models() {}

  static ModelSpec.Builder<float[], float[]> digits(String version) {
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", version)))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu());
  }

  /** {@code [B,4] -> [B,5]}: x*2, and the batch size in the last column. */
  static ModelSpec.Builder<float[], float[]> echo(String name, String version) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource("echo")))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu());
  }

  static ModelSpec.Builder<float[], float[]> fixture(String model, String version) {
    return ModelSpec.builder(model, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource(model)))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu());
  }

  static ModelRuntime runtime() {
    return ModelRuntime.builder().deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly()).build();
  }
}
