package io.maasdk.examples.quarkus;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.testkit.TestModels;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The example application as it ships (its application.properties): real digits through the REST
 * endpoint, readiness per deployed version, and maasdk's meters in the Prometheus scrape.
 */
@QuarkusTest
class PredictResourceTest {

  @Test
  void predict_answersTheDigitPyTorchComputed_forEachModel() {
    TestModels.DigitsTestSet set = TestModels.digitsTestSet();
    float[][] mlp = TestModels.expectedLogits("mlp", "2.0.0");
    float[][] cnn = TestModels.expectedLogits("cnn", "1.0.0");
    int correct = 0;
    for (int i = 0; i < mlp.length; i++) {
      int expected = TestModels.argmax(mlp[i]);
      given()
          .contentType("application/json")
          .header("X-Tenant", "acme")
          .body(set.features()[i])
          .post("/predict")
          .then()
          .statusCode(200)
          .body("digit", equalTo(expected))
          .body("model", equalTo("digits"))
          .body("version", equalTo("2.0.0"));
      correct += expected == set.labels()[i] ? 1 : 0;
      if (i >= 4) {
        continue; // the CNN is slower on a CPU: four samples are enough
      }
      given()
          .contentType("application/json")
          .body(set.features()[i])
          .post("/predict/cnn")
          .then()
          .statusCode(200)
          .body("digit", equalTo(TestModels.argmax(cnn[i])))
          .body("model", equalTo("digits-cnn"))
          .body("version", equalTo("1.0.0"));
    }
    assertTrue(correct >= mlp.length - 1, "real digits are classified right: " + correct);
  }

  @Test
  void wrongInputLength_is400_namingModelAndExpectedLength() {
    given()
        .contentType("application/json")
        .body(new float[] {1, 2, 3})
        .post("/predict")
        .then()
        .statusCode(400)
        .body("error", allOf(containsString("digits"), containsString("64")));
  }

  @Test
  void readiness_listsEachDeployedVersionUp() {
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body("status", equalTo("UP"))
        .body("checks.find { it.name == 'maasdk' }.status", equalTo("UP"))
        .body("checks.find { it.name == 'maasdk' }.data.'digits@2.0.0'", equalTo("UP"))
        .body("checks.find { it.name == 'maasdk' }.data.'digits-cnn@1.0.0'", equalTo("UP"));
  }

  @Test
  void metrics_showMaasdkMeters_taggedByModelAndTenant() {
    given()
        .contentType("application/json")
        .header("X-Tenant", "acme")
        .body(TestModels.digitsTestSet().features()[0])
        .post("/predict")
        .then()
        .statusCode(200);
    String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
    String requests =
        scrape
            .lines()
            .filter(l -> l.startsWith("maasdk_inference_requests_total{"))
            .filter(l -> l.contains("model=\"digits\"") && l.contains("tenant=\"acme\""))
            .findFirst()
            .orElse("");
    assertTrue(
        !requests.isEmpty(),
        "no maasdk_inference_requests_total for digits/acme in\n"
            + scrape.lines().filter(l -> l.startsWith("maasdk_")).toList());
    assertTrue(
        Double.parseDouble(requests.substring(requests.lastIndexOf(' ') + 1)) >= 1, requests);
    assertTrue(scrape.contains("maasdk_queue_depth"), "queue gauges are bound");
  }
}
