package io.maasdk.spring.boot.autoconfigure;

import java.util.Locale;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Masks maasdk's secrets in {@code /actuator/env} and {@code /actuator/configprops}, whatever
 * {@code management.endpoint.env.show-values} says: the starter's admin API key, principals' key
 * hashes, and any {@code maasdk.*} property whose name ends in api-key, key-hash, secret, password
 * or credentials, in any of its forms (properties, YAML, environment variables).
 *
 * <p>Always on when Actuator is on the classpath; it does not depend on maasdk-security, since a
 * secret may be configured before that module is added.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
public class MaasdkSanitizingAutoConfiguration {

  /** Masks the values of {@link #isSecret secret} keys. */
  @Bean
  static SanitizingFunction maasdkSecretsSanitizer() {
    return data -> isSecret(data.getKey()) ? data.withSanitizedValue() : data;
  }

  /**
   * Whether {@code key} (e.g. {@code maasdk.security.access.admin-api-key}, {@code
   * MAASDK_SECURITY_ACCESS_ADMIN_API_KEY}, {@code maasdk.security.access.principals[a].keyHash})
   * names a maasdk secret.
   */
  static boolean isSecret(String key) {
    if (key == null) {
      return false;
    }
    String k = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    if (!k.startsWith("maasdk")) {
      return false;
    }
    return k.endsWith("apikey")
        || k.endsWith("apikeys")
        || k.endsWith("keyhash")
        || k.endsWith("secret")
        || k.endsWith("password")
        || k.endsWith("credentials");
  }
}
