package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code META-INF/spring-configuration-metadata.json} that spring-boot-configuration-processor
 * generates from {@link MaasdkProperties} (merged with the additional metadata) is what IDEs
 * complete {@code maasdk.*} from: every property there has a description, and the defaults are the
 * ones the code uses.
 */
class ConfigurationMetadataTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** This module's generated metadata (the one that declares maasdk.enabled). */
  static JsonNode generated() throws IOException {
    for (URL url :
        Collections.list(
            ConfigurationMetadataTest.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        JsonNode root = JSON.readTree(in);
        for (JsonNode p : root.path("properties")) {
          if (p.path("name").asText().equals("maasdk.enabled")) {
            return root;
          }
        }
      }
    }
    throw new AssertionError(
        "no generated metadata declares maasdk.enabled: is"
            + " spring-boot-configuration-processor on the annotation processor path?");
  }

  /** Names of {@code maasdk.*} properties without a description. */
  static List<String> withoutDescription(JsonNode metadata) {
    List<String> missing = new ArrayList<>();
    for (JsonNode p : metadata.path("properties")) {
      String name = p.path("name").asText();
      if (name.startsWith("maasdk.") && p.path("description").asText("").isBlank()) {
        missing.add(name);
      }
    }
    return missing;
  }

  static Map<String, JsonNode> byName(JsonNode metadata) {
    Map<String, JsonNode> out = new HashMap<>();
    metadata.path("properties").forEach(p -> out.put(p.path("name").asText(), p));
    return out;
  }

  @Test
  void everyMaasdkPropertyHasADescription() throws IOException {
    JsonNode metadata = generated();
    assertThat(withoutDescription(metadata)).isEmpty();
    assertThat(byName(metadata).keySet().stream().filter(n -> n.startsWith("maasdk.")))
        .hasSizeGreaterThan(40);
  }

  @Test
  void theCheckFindsAPropertyWithoutDescription() throws IOException {
    JsonNode synthetic =
        JSON.readTree(
            "{\"properties\": ["
                + "{\"name\": \"maasdk.documented\", \"description\": \"Says what it does.\"},"
                + "{\"name\": \"maasdk.undocumented\"},"
                + "{\"name\": \"maasdk.blank\", \"description\": \" \"},"
                + "{\"name\": \"server.port\"}]}");
    assertThat(withoutDescription(synthetic))
        .containsExactly("maasdk.undocumented", "maasdk.blank");
  }

  @Test
  void everyGroupOfTheStarterIsDescribed_withTheDefaultsTheCodeUses() throws IOException {
    Map<String, JsonNode> p = byName(generated());
    MaasdkProperties defaults = new MaasdkProperties();
    assertThat(p.get("maasdk.drain-timeout").path("defaultValue").asText()).isEqualTo("10s");
    assertThat(defaults.getDrainTimeout()).hasSeconds(10);
    assertThat(p.get("maasdk.metering.fsync").path("defaultValue").asText()).isEqualTo("every");
    assertThat(defaults.getMetering().getFsync()).isEqualTo(MaasdkProperties.Fsync.EVERY);
    assertThat(p.get("maasdk.metering.fsync-interval").path("defaultValue").asText())
        .isEqualTo("100ms");
    assertThat(p.get("maasdk.metering.durable").path("defaultValue").asBoolean(true)).isFalse();
    assertThat(p.get("maasdk.quotas.restore-from-ledger").path("defaultValue").asBoolean())
        .isTrue();
    assertThat(p.get("maasdk.quotas.defaults.budget-period").path("defaultValue").asText())
        .isEqualTo("month");
    assertThat(p.get("maasdk.security.require-signatures").path("defaultValue").asBoolean())
        .isTrue();
    assertThat(
            p.get("maasdk.security.insecure-cleartext-keysets")
                .path("defaultValue")
                .asBoolean(true))
        .isFalse();
    assertThat(p.get("maasdk.web.problem-details.enabled").path("defaultValue").asBoolean(true))
        .isFalse();
    for (String name :
        List.of(
            "maasdk.repository.root",
            "maasdk.models",
            "maasdk.aliases",
            "maasdk.metering.ledger-dir",
            "maasdk.metering.meters",
            "maasdk.quotas.tenants",
            "maasdk.pricing.currency",
            "maasdk.pricing.prices",
            "maasdk.security.trusted-keys",
            "maasdk.security.master-key",
            "maasdk.security.api-key-keyset",
            "maasdk.security.access.roles",
            "maasdk.security.access.principals",
            "maasdk.security.access.admin-api-key",
            "maasdk.spring-ai.embedding.model",
            "maasdk.metrics.tenant-tag",
            "maasdk.endpoint.history-limit")) {
      assertThat(p).as(name).containsKey(name);
    }
    assertThat(p.get("maasdk.security.access.admin-api-key").path("description").asText())
        .contains("masked")
        .contains("Never logged");
  }
}
