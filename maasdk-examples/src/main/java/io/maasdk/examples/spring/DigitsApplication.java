package io.maasdk.examples.spring;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.Prediction;
import io.maasdk.spring.boot.MaasdkModel;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Spring Boot application the README shows: {@code POST /predict} with 64 pixels answers the
 * digit, through the {@code stable} alias of the {@code digits} model that the properties deploy;
 * maasdk's exceptions become RFC 9457 problem details ({@code maasdk.web.problem-details.enabled}).
 * The same source runs, with the same tests, on Spring Boot 3.5 (here) and 4.0
 * (maasdk-spring-boot4-tests). Run it with {@code mvn -B -q -Pquickstart -pl maasdk-examples -am
 * verify -DskipTests -Dexample=spring.DigitsApplication}.
 */
@SpringBootApplication
public class DigitsApplication {

  /** The properties the README shows; the tests run with the same. */
  static final Map<String, Object> EXAMPLE_PROPERTIES =
      Map.ofEntries(
          Map.entry("maasdk.models.digits.input-length", "64"),
          Map.entry("maasdk.models.digits.batch-size", "8"),
          Map.entry("maasdk.models.digits.cache", "true"),
          Map.entry("maasdk.aliases.digits.stable", "2.0.0"),
          Map.entry("maasdk.metrics.tenant-tag", "10"),
          Map.entry("maasdk.web.problem-details.enabled", "true"),
          Map.entry("management.endpoints.web.exposure.include", "health,metrics,maasdk"),
          Map.entry("management.endpoint.health.show-details", "always"),
          Map.entry("management.endpoint.health.probes.enabled", "true"),
          Map.entry("management.endpoint.health.group.readiness.include", "readinessState,maasdk"));

  /**
   * Runs the application on port 8080 (or {@code --server.port=...}) until stopped, serving
   * maasdk-testkit's digits models 1.0.0, 1.1.0 and 2.0.0 from a temporary model repository unless
   * {@code --maasdk.repository.root=...} names another.
   *
   * @param args Spring Boot command-line arguments
   * @throws IOException if the temporary model repository cannot be written
   */
  public static void main(String[] args) throws IOException {
    SpringApplication app = new SpringApplication(DigitsApplication.class);
    Map<String, Object> defaults = new HashMap<>(EXAMPLE_PROPERTIES);
    defaults.put(
        "maasdk.repository.root",
        writeDigitsRepository(Files.createTempDirectory("maasdk-digits")).toString());
    app.setDefaultProperties(defaults);
    app.run(args);
  }

  /** {@code <root>/digits/<version>/model.pt} for maasdk-testkit's digits MLPs; returns root. */
  static Path writeDigitsRepository(Path root) {
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      TestModels.copy(
          TestModels.digitsResource("mlp", v),
          root.resolve("digits").resolve(v).resolve("model.pt"));
    }
    return root;
  }

  @RestController
  static class PredictController {
    private final ModelHandle<float[], float[]> digits;

    PredictController(
        @MaasdkModel(name = "digits", version = "stable") ModelHandle<float[], float[]> digits) {
      this.digits = digits;
    }

    @PostMapping("/predict")
    Map<String, Object> predict(
        @RequestBody float[] pixels,
        @RequestHeader(name = "X-Tenant", defaultValue = "anonymous") String tenant) {
      Prediction<float[]> p =
          digits.predictDetailed(pixels, CallOptions.builder().tenant(tenant).build());
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("digit", argmax(p.output()));
      out.put("version", p.version().toString());
      return out;
    }

    private static int argmax(float[] v) {
      int best = 0;
      for (int i = 1; i < v.length; i++) {
        if (v[i] > v[best]) {
          best = i;
        }
      }
      return best;
    }
  }
}
