package io.maasdk.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.ModelRuntime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code /actuator/maasdk} with its write operations turned on ({@code
 * management.endpoint.maasdk.access=unrestricted}): move an alias over HTTP, refuse a move to a
 * version not deployed with maasdk's message, roll back.
 */
@SpringBootTest(
    classes = DigitsApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "maasdk.models.digits.input-length=64",
      "maasdk.aliases.digits.stable=2.0.0",
      "management.endpoints.web.exposure.include=maasdk",
      "management.endpoint.maasdk.access=unrestricted",
    })
class EndpointWriteWebTest {

  @DynamicPropertySource
  static void repository(DynamicPropertyRegistry registry) throws IOException {
    Path root =
        DigitsApplication.writeDigitsRepository(Files.createTempDirectory("maasdk-endpoint"));
    registry.add("maasdk.repository.root", root::toString);
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ModelRuntime runtime;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/json")
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void setAliasAndRollback_overHttp_whenAccessIsUnrestricted() throws Exception {
    HttpResponse<String> moved =
        send("POST", "/actuator/maasdk/digits/stable", "{\"target\":\"1.0.0=90,1.1.0=10\"}");
    assertEquals(200, moved.statusCode(), moved.body());
    assertEquals("1.0.0:90% 1.1.0:10%", runtime.aliases("digits").get("stable").toString());
    assertTrue(moved.body().contains("\"history\""), moved.body());

    HttpResponse<String> refused =
        send("POST", "/actuator/maasdk/digits/stable", "{\"target\":\"9.0.0\"}");
    assertEquals(400, refused.statusCode(), refused.body());
    assertEquals("1.0.0:90% 1.1.0:10%", runtime.aliases("digits").get("stable").toString());

    HttpResponse<String> back = send("DELETE", "/actuator/maasdk/digits/stable", null);
    assertEquals(200, back.statusCode(), back.body());
    assertEquals("2.0.0", runtime.aliases("digits").get("stable").toString());

    HttpResponse<String> noAlias = send("DELETE", "/actuator/maasdk/digits/nightly", null);
    assertEquals(400, noAlias.statusCode(), noAlias.body());
  }
}
