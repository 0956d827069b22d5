package io.maasdk.spring.boot.web;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.Prediction;
import io.maasdk.spring.boot.MaasdkModel;
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
 * The same source runs on Spring Boot 3.5 (maasdk-spring-boot-autoconfigure's tests) and 4.0
 * (maasdk-spring-boot4-tests).
 */
@SpringBootApplication
public class DigitsApplication {

  public static void main(String[] args) {
    SpringApplication.run(DigitsApplication.class, args);
  }

  @RestController
  static class PredictController {
    private final ModelHandle<float[], float[]> digits;

    PredictController(
        @MaasdkModel(name = "digits", version = "stable") ModelHandle<float[], float[]> digits) {
      this.digits = digits;
    }

    @PostMapping("/predict")
    Map<String, Object> predict(@RequestBody float[] pixels,
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
