package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code Codecs.floatMatrix}: the digits CNN takes each image as {@code float[8][8]} (it reshapes
 * {@code [B, 8, 8]} itself) and must give PyTorch's recorded logits, alone and batched.
 */
class FloatMatrixCodecTest {
  private static final float[][] EXPECTED = TestModels.expectedLogits("cnn", "1.0.0");

  private static float[][] image(int i) {
    float[] flat = TestModels.digitsTestSet().features()[i];
    float[][] m = new float[8][8];
    for (int r = 0; r < 8; r++) {
      System.arraycopy(flat, r * 8, m[r], 0, 8);
    }
    return m;
  }

  private static ModelSpec.Builder<float[][], float[]> cnn(BatchingPolicy batching) {
    return ModelSpec.builder("cnn", float[][].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath(TestModels.digitsResource("cnn", "1.0.0")))
        .translator(Codecs.floatMatrix(8, 8))
        .devicePolicy(DevicePolicy.cpu())
        .batching(batching)
        .warmup(image(0), image(1), image(2));
  }

  private static void assertLogits(int i, float[] got) {
    assertEquals(10, got.length);
    for (int k = 0; k < 10; k++) {
      assertEquals(EXPECTED[i][k], got[k], 1e-4, "sample " + i + " logit " + k);
    }
  }

  @Test
  void unbatched_givesPyTorchsLogits() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(cnn(BatchingPolicy.disabled()).build());
      ModelHandle<float[][], float[]> m = rt.handle("cnn", "1.0.0", float[][].class, float[].class);
      for (int i = 0; i < EXPECTED.length; i++) {
        assertLogits(i, m.predict(image(i)));
      }
    }
  }

  @Test
  void batched_passesTheDeployCheck_andGivesPyTorchsLogits() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(
          cnn(BatchingPolicy.of(16, Duration.ofMillis(50))).build()); // deploy-time batch check
      ModelHandle<float[][], float[]> m = rt.handle("cnn", "1.0.0", float[][].class, float[].class);
      List<CompletableFuture<float[]>> calls = new ArrayList<>();
      for (int i = 0; i < EXPECTED.length; i++) {
        calls.add(m.predictAsync(image(i)));
      }
      for (int i = 0; i < EXPECTED.length; i++) {
        assertLogits(i, calls.get(i).join());
      }
    }
  }

  @Test
  void wrongShape_refusedBeforeQueueing_namingTheExpectedShape() {
    try (ModelRuntime rt = Models.runtime()) {
      rt.deploy(cnn(BatchingPolicy.disabled()).build());
      ModelHandle<float[][], float[]> m = rt.handle("cnn", "1.0.0", float[][].class, float[].class);
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> m.predict(new float[8][7]));
      assertTrue(
          e.getMessage().contains("float[8][8]") && e.getMessage().contains("cnn"), e.getMessage());
      float[][] nan = image(0);
      nan[3][4] = Float.NaN;
      assertThrows(InvalidInputException.class, () -> m.predict(nan));
    }
  }
}
