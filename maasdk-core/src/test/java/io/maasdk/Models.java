package io.maasdk;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import io.maasdk.codec.Codecs;
import io.maasdk.codec.FloatVectorTranslator;
import io.maasdk.testkit.TestModels;

/** Specs for the testkit's real TorchScript models, shared by the tests. */
final class Models {
  private Models() {}

  static ModelSpec.Builder<float[], float[]> digits(String version) {
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", version)))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .replicas(1); // core's tests reason about one worker; EngineDefaultsTest covers the default
  }

  /** {@code [B,4] -> [B,5]}: x*2, and the batch size in the last column. */
  static ModelSpec.Builder<float[], float[]> echo(String name, String version) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource("echo")))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .replicas(1); // core's tests reason about one worker; EngineDefaultsTest covers the default
  }

  static ModelSpec.Builder<float[], float[]> fixture(String model, String version) {
    return ModelSpec.builder(model, float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource(model)))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .replicas(1); // core's tests reason about one worker; EngineDefaultsTest covers the default
  }

  /** What a {@link #hooked} translator runs first on each input, on the thread computing it. */
  @FunctionalInterface
  interface InputHook {
    void before(float[] input) throws Exception;
  }

  /**
   * {@code Codecs.floatVector(4)} (batching with DJL's stack batchifier) that first runs {@code
   * hook} on each input: user code that can hold a worker (a gate), fail like a lost device, or
   * take its time, deterministically.
   */
  static Translator<float[], float[]> hooked(InputHook hook) {
    FloatVectorTranslator inner = Codecs.floatVector(4);
    return new Translator<>() {
      @Override
      public NDList processInput(TranslatorContext ctx, float[] input) throws Exception {
        hook.before(input);
        return inner.processInput(ctx, input);
      }

      @Override
      public float[] processOutput(TranslatorContext ctx, NDList list) {
        return inner.processOutput(ctx, list);
      }

      @Override
      public Batchifier getBatchifier() {
        return Batchifier.STACK;
      }
    };
  }

  /**
   * Waits for {@code latch} on behalf of a translator, failing its call if the test never opens it.
   */
  static void await(java.util.concurrent.CountDownLatch latch) throws InterruptedException {
    if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("the test never opened its gate");
    }
  }

  static ModelRuntime runtime() {
    return ModelRuntime.builder().deviceInventory(io.maasdk.spi.DeviceInventory.cpuOnly()).build();
  }
}
