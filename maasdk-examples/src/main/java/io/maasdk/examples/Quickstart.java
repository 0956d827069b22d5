package io.maasdk.examples;

import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.util.Map;
import java.util.TreeMap;

/**
 * The README quickstart: two versions of a real digits classifier (TorchScript MLPs trained on
 * scikit-learn's 8x8 digits), a pinned handle, an alias, a 90/10 canary split and a rollback,
 * printing held-out accuracy per version.
 */
public final class Quickstart {
  private static final Version V1 = Version.parse("1.0.0");
  private static final Version V2 = Version.parse("2.0.0");

  /**
   * Runs the tour: two digits versions, a pinned handle, an alias, a canary split and a rollback,
   * printing what each step answers.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    TestModels.DigitsTestSet test = TestModels.digitsTestSet();

    // 1. One runtime per application: thread-safe, closed once.
    try (ModelRuntime runtime = ModelRuntime.builder().build()) {

      // 2. Deploy two versions. Each is loaded and warmed up before it can take a call.
      for (Version v : new Version[] {V1, V2}) {
        runtime.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version(v)
                .source(ModelSource.classpath(TestModels.digitsResource("mlp", v.toString())))
                .translator(Codecs.floatVector(64)) // float32[64] pixels -> float32[10] logits
                .replicas(2)
                .devicePolicy(DevicePolicy.ofDefaults()) // GPUs if any, else the CPU
                .warmup(new float[64])
                .build());
      }
      runtime
          .deployments()
          .forEach(
              d ->
                  System.out.printf(
                      "deployed %s@%s on %s%n",
                      d.modelName(), d.version(), d.placements().get(0).device()));

      // 3. A pinned handle never moves; an alias moves atomically.
      ModelHandle<float[], float[]> pinned =
          runtime.handle("digits", "1.0.0", float[].class, float[].class);
      runtime.setAlias("digits", "stable", V2);
      ModelHandle<float[], float[]> stable =
          runtime.handle("digits", "stable", float[].class, float[].class);
      System.out.printf(
          "accuracy on %d held-out digits: pinned 1.0.0 = %.4f, stable (2.0.0) = %.4f%n",
          test.size(), accuracy(pinned, test), accuracy(stable, test));

      // 4. A canary: 90% of users on 1.0.0, 10% on 2.0.0, sticky per routing key.
      runtime.setAlias("digits", "canary", AliasTarget.split(Map.of(V1, 90, V2, 10)));
      ModelHandle<float[], float[]> canary =
          runtime.handle("digits", "canary", float[].class, float[].class);
      Map<Version, Integer> users = new TreeMap<>();
      for (int user = 0; user < 1000; user++) {
        CallOptions opts = CallOptions.builder().routingKey("user-" + user).build();
        users.merge(
            canary.predictDetailed(test.features()[user % test.size()], opts).version(),
            1,
            Integer::sum);
      }
      System.out.println("canary split over 1000 users: " + users);

      // 5. Roll the stable alias forward to a bad choice, then back.
      runtime.setAlias("digits", "stable", V1);
      System.out.println(
          "stable -> "
              + stable.resolve(CallOptions.ofDefaults())
              + ", rolled back to "
              + runtime.rollback("digits", "stable")
              + ", accuracy now "
              + String.format("%.4f", accuracy(stable, test)));
      System.out.println(
          "stable history: " + runtime.aliasHistory("digits", "stable").size() + " moves");

      // 6. 2.0.0 serves "stable"; while it fails (its breaker open) or drains, 1.0.0 answers
      // instead.
      runtime.setAlias("digits", "stable", AliasTarget.of(V2).withFallback(V1));
      Prediction<float[]> p = stable.predictDetailed(test.features()[0], CallOptions.ofDefaults());
      System.out.println(
          "stable -> " + runtime.aliases("digits").get("stable") + ", answered by " + p.version());
    }
  }

  /** Fraction of held-out digits whose highest logit is the true label. */
  static double accuracy(ModelHandle<float[], float[]> model, TestModels.DigitsTestSet test) {
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      if (TestModels.argmax(model.predict(test.features()[i])) == test.labels()[i]) {
        correct++;
      }
    }
    return correct / (double) test.size();
  }

  private Quickstart() {}
}
