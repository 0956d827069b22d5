package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.security.ApiKeys;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.MasterKey;
import io.maasdk.testkit.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A web application with maasdk's secrets in its properties, Actuator's {@code env} and {@code
 * configprops} endpoints exposed and set to show values, and maasdk logging at TRACE: neither the
 * admin API key nor a principal's key hash appears in {@code /actuator/env}, {@code
 * /actuator/configprops} or anything logged. The same application without maasdk's sanitizer shows
 * both, so the check is not vacuous.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsNotExposedWebTest {

  @TempDir static Path tmp;
  static List<String> properties;
  static String adminKey;
  static String checkoutHash;

  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}

  @BeforeAll
  static void keysAndModels() {
    Path masterKey = tmp.resolve("master.json");
    MasterKey master = MasterKey.createLocal(masterKey);
    KeysetHandle prf = KeyPurpose.PRF.generate();
    Path apiKeyKeyset = tmp.resolve("api-keys.json");
    KeysetLoader.encrypted(master).write(prf, apiKeyKeyset);
    adminKey = ApiKeys.newKey();
    checkoutHash = ApiKeys.of(prf).hash(ApiKeys.newKey());
    properties =
        List.of(
            "--server.port=0",
            "--spring.main.banner-mode=off",
            "--management.endpoints.web.exposure.include=env,configprops,health",
            "--management.endpoint.env.show-values=always",
            "--management.endpoint.configprops.show-values=always",
            "--logging.level.root=INFO",
            "--logging.level.io.maasdk=TRACE",
            "--maasdk.drain-timeout=2s",
            "--maasdk.models.digits-mlp.location=classpath:"
                + TestModels.digitsResource("mlp", "2.0.0"),
            "--maasdk.models.digits-mlp.version=2.0.0",
            "--maasdk.models.digits-mlp.input-length=64",
            "--maasdk.security.master-key=file:" + masterKey,
            "--maasdk.security.api-key-keyset=file:" + apiKeyKeyset,
            "--maasdk.security.access.roles.scorer[0].models=digits*",
            "--maasdk.security.access.roles.scorer[0].actions=predict",
            "--maasdk.security.access.principals.checkout.key-hash=" + checkoutHash,
            "--maasdk.security.access.principals.checkout.roles=scorer",
            "--maasdk.security.access.admin-api-key=" + adminKey);
  }

  private static String[] args(String... more) {
    List<String> all = new ArrayList<>(properties);
    all.addAll(List.of(more));
    return all.toArray(new String[0]);
  }

  /** The bodies of /actuator/env and /actuator/configprops. */
  private static String actuator(ConfigurableApplicationContext ctx) throws Exception {
    String base = "http://localhost:" + ctx.getEnvironment().getProperty("local.server.port");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    StringBuilder out = new StringBuilder();
    for (String path : List.of("/actuator/env", "/actuator/configprops")) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .timeout(Duration.ofSeconds(30))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      out.append(r.body()).append('\n');
    }
    return out.toString();
  }

  @Test
  void keysAndHashes_neverInEnvConfigpropsOrLogs(CapturedOutput output) throws Exception {
    String bodies;
    try (ConfigurableApplicationContext ctx = SpringApplication.run(App.class, args())) {
      bodies = actuator(ctx);
    }
    // the properties are listed (so the endpoints do show maasdk's), with masked values
    assertThat(bodies)
        .contains("maasdk.security.access.admin-api-key")
        .contains("maasdk.security.access.principals.checkout.key-hash")
        .contains("adminApiKey")
        .contains("keyHash")
        .contains("******")
        .doesNotContain(adminKey)
        .doesNotContain(checkoutHash);
    // other values are shown: show-values=always is in force
    assertThat(bodies).contains("digits*");
    assertThat(output.getAll())
        .contains("maasdk: access control with principals")
        .doesNotContain(adminKey)
        .doesNotContain(checkoutHash);
  }

  @Test
  void withoutMaasdksSanitizer_theSameEndpointsShowTheSecrets() throws Exception {
    try (ConfigurableApplicationContext ctx =
        SpringApplication.run(
            App.class,
            args(
                "--spring.autoconfigure.exclude="
                    + MaasdkSanitizingAutoConfiguration.class.getName()))) {
      assertThat(actuator(ctx)).contains(adminKey).contains(checkoutHash);
    }
  }
}
