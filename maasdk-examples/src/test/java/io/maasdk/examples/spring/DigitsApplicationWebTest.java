package io.maasdk.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.ModelRuntime;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The example application on whichever Spring Boot line the module runs (3.5 here, 4.0 in
 * maasdk-spring-boot4-tests): predict over HTTP, health, metrics and the endpoint. Only JDK HTTP
 * and text matching, so the source is the same on both lines.
 */
@SpringBootTest(
    classes = DigitsApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "maasdk.drain-timeout=5s")
class DigitsApplicationWebTest {

  @DynamicPropertySource
  static void repository(DynamicPropertyRegistry registry) throws IOException {
    Path root =
        DigitsApplication.writeDigitsRepository(Files.createTempDirectory("maasdk-webtest"));
    registry.add("maasdk.repository.root", root::toString);
    // the README's properties, as the example's main sets them
    DigitsApplication.EXAMPLE_PROPERTIES.forEach((k, v) -> registry.add(k, () -> v));
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ModelRuntime runtime;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String json, String tenant) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/json")
            .header("X-Tenant", tenant)
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String json(float[] v) {
    return "[" + Arrays.stream(box(v)).map(String::valueOf).collect(Collectors.joining(",")) + "]";
  }

  private static Float[] box(float[] v) {
    Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  @Test
  void runsOnTheBootLineThisModuleTests() {
    String expected = System.getProperty("maasdk.expectedBootLine", "3.5.");
    assertTrue(
        SpringBootVersion.getVersion().startsWith(expected),
        "Spring Boot " + SpringBootVersion.getVersion() + ", expected " + expected + "x");
  }

  @Test
  void predict_overHttp_answersEachDigit_fromTheStableVersion() throws Exception {
    TestModels.DigitsTestSet set = TestModels.digitsTestSet();
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = post("/predict", json(set.features()[i]), "acme");
      assertEquals(200, r.statusCode(), r.body());
      int expected = TestModels.argmax(TestModels.expectedLogits("mlp", "2.0.0")[i]);
      assertTrue(r.body().contains("\"digit\":" + expected), r.body());
      assertTrue(r.body().contains("\"version\":\"2.0.0\""), r.body());
    }
    // the README's curl line: the first held-out sample is a 7
    assertEquals(7, set.labels()[0]);
    assertTrue(post("/predict", json(set.features()[0]), "acme").body().contains("\"digit\":7"));
  }

  @Test
  void predict_withTheWrongInputLength_is400ProblemDetail_namingTheModel() throws Exception {
    HttpResponse<String> r = post("/predict", "[1.0,2.0]", "acme");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(
        "application/problem+json", r.headers().firstValue("Content-Type").orElse(""), r.body());
    assertTrue(r.body().contains("\"title\":\"InvalidInputException\""), r.body());
    assertTrue(r.body().contains("\"model\":\"digits\""), r.body());
    assertTrue(r.body().contains("\"version\":\"2.0.0\""), r.body());
  }

  @Test
  void health_showsMaasdkPerVersion_inTheReadinessGroupToo() throws Exception {
    HttpResponse<String> all = get("/actuator/health");
    assertEquals(200, all.statusCode(), all.body());
    assertTrue(all.body().contains("\"maasdk\":{"), all.body());
    // the health endpoint answers 503 for a component that is DOWN: 200 means UP
    HttpResponse<String> r = get("/actuator/health/maasdk");
    assertEquals(200, r.statusCode(), r.body());
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      assertTrue(r.body().contains("\"digits@" + v + "\":{\"status\":\"UP\""), r.body());
    }
    assertTrue(r.body().contains("\"breaker\":\"CLOSED\""), r.body());
    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertEquals(200, readiness.statusCode(), readiness.body());
    assertTrue(readiness.body().contains("\"maasdk\""), readiness.body());
  }

  @Test
  void metrics_countCallsPerTenant_andWatchQueues() throws Exception {
    float[] pixels = TestModels.digitsTestSet().features()[0];
    for (int i = 0; i < 3; i++) {
      assertEquals(200, post("/predict", json(pixels), "globex").statusCode());
    }
    HttpResponse<String> r =
        get("/actuator/metrics/maasdk.inference.requests?tag=tenant:globex&tag=model:digits");
    assertEquals(200, r.statusCode(), r.body());
    Matcher m = Pattern.compile("\"statistic\":\"COUNT\",\"value\":([0-9.]+)").matcher(r.body());
    assertTrue(m.find(), r.body());
    assertEquals(3.0, Double.parseDouble(m.group(1)));
    HttpResponse<String> depth = get("/actuator/metrics/maasdk.queue.depth?tag=version:2.0.0");
    assertEquals(200, depth.statusCode(), depth.body());
    // the response cache, bound with the Caffeine and Micrometer versions Spring Boot brings
    HttpResponse<String> hits =
        get("/actuator/metrics/cache.gets?tag=cache:maasdk.response&tag=result:hit");
    assertEquals(200, hits.statusCode(), hits.body());
    Matcher h = Pattern.compile("\"statistic\":\"COUNT\",\"value\":([0-9.]+)").matcher(hits.body());
    assertTrue(h.find() && Double.parseDouble(h.group(1)) >= 2, hits.body());
  }

  @Test
  void endpoint_listsDeploymentsAndAliases_andRefusesWritesByDefault() throws Exception {
    HttpResponse<String> r = get("/actuator/maasdk");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"stable\":\"2.0.0\""), r.body());
    for (String v : TestModels.DIGITS_MLP_VERSIONS) {
      assertTrue(r.body().contains("\"version\":\"" + v + "\""), r.body());
    }
    HttpResponse<String> model = get("/actuator/maasdk/digits");
    assertEquals(200, model.statusCode(), model.body());
    assertTrue(model.body().contains("\"history\""), model.body());

    HttpResponse<String> write =
        post("/actuator/maasdk/digits/stable", "{\"target\":\"1.0.0\"}", "ops");
    assertTrue(
        write.statusCode() >= 400 && write.statusCode() < 500,
        write.statusCode() + " " + write.body());
    assertEquals("2.0.0", runtime.aliases("digits").get("stable").toString());
  }
}
