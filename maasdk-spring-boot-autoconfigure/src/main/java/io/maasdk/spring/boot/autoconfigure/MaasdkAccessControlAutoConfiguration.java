package io.maasdk.spring.boot.autoconfigure;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.security.AccessControl;
import io.maasdk.security.AccessPolicy;
import io.maasdk.security.Action;
import io.maasdk.security.ApiKeys;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.MasterKey;
import io.maasdk.security.Permission;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Access control from properties, when maasdk-security is on the classpath: an {@link
 * AccessControl} interceptor enforcing the roles and principals under {@code
 * maasdk.security.access}, with API-key hashes made under the PRF keyset {@code
 * maasdk.security.api-key-keyset} (a Spring resource, encrypted under the local master key {@code
 * maasdk.security.master-key}):
 *
 * <pre>
 * maasdk.security.master-key=file:/etc/maasdk/master.json
 * maasdk.security.api-key-keyset=file:/etc/maasdk/api-keys.json
 * maasdk.security.access.roles.scorer[0].models=digits*
 * maasdk.security.access.roles.scorer[0].actions=predict
 * maasdk.security.access.principals.checkout.key-hash=Xq3…            # ApiKeys.hash, not the key
 * maasdk.security.access.principals.checkout.tenants=acme
 * maasdk.security.access.principals.checkout.roles=scorer
 * maasdk.security.access.admin-api-key=${MAASDK_ADMIN_KEY}            # the starter's own key
 * </pre>
 *
 * <p>The admin key becomes a principal ({@code maasdk.security.access.admin-principal}) allowed
 * every action on every model; the starter deploys, sets aliases and runs the {@code
 * /actuator/maasdk} write operations with it, so startup works under a policy that gives the
 * anonymous caller nothing. Key values are never logged, and {@link
 * MaasdkSanitizingAutoConfiguration} masks them in {@code /actuator/env} and {@code
 * /actuator/configprops}.
 *
 * <p>On when {@code maasdk.security.access} declares principals, roles or an admin key; off with
 * {@code maasdk.security.access.enabled=false}. The application's own {@link AccessControl} or
 * {@link ApiKeys} bean replaces the one here.
 */
@AutoConfiguration(after = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "io.maasdk.security.AccessControl")
@ConditionalOnProperty(prefix = "maasdk", name = "enabled", matchIfMissing = true)
@ConditionalOnProperty(prefix = "maasdk.security.access", name = "enabled", matchIfMissing = true)
@Conditional(MaasdkAccessControlAutoConfiguration.AccessDeclared.class)
public class MaasdkAccessControlAutoConfiguration {
  private static final Logger LOG =
      LoggerFactory.getLogger(MaasdkAccessControlAutoConfiguration.class);

  /**
   * Hashes API keys under {@code maasdk.security.api-key-keyset}.
   *
   * @throws IllegalStateException naming the property if the keyset is missing, unreadable, not
   *     encrypted under the master key (unless insecure-cleartext-keysets), or not a PRF keyset
   * @param properties the {@code maasdk.*} configuration properties
   * @param resources resolves the keyset locations
   * @return the API-key hasher, keyed by the configured keyset
   */
  @Bean
  @ConditionalOnMissingBean
  public ApiKeys maasdkApiKeys(MaasdkProperties properties, ResourceLoader resources) {
    MaasdkProperties.Security s = properties.getSecurity();
    String location = s.getApiKeyKeyset();
    if (location == null || location.isBlank()) {
      throw new IllegalStateException(
          "maasdk.security.access needs maasdk.security.api-key-keyset:"
              + " the PRF keyset (maasdk keys create --type prf) its key hashes were made with");
    }
    KeysetLoader loader;
    if (s.getMasterKey() != null) {
      loader =
          KeysetLoader.encrypted(
              MasterKey.local(file("maasdk.security.master-key", s.getMasterKey(), resources)));
    } else if (s.isInsecureCleartextKeysets()) {
      loader = KeysetLoader.insecureCleartext("maasdk.security.insecure-cleartext-keysets=true");
    } else {
      throw new IllegalStateException(
          "maasdk.security.api-key-keyset "
              + location
              + " is a secret"
              + " keyset: set maasdk.security.master-key to the master key it is encrypted under (or,"
              + " for development only, maasdk.security.insecure-cleartext-keysets=true)");
    }
    KeysetHandle keyset;
    try {
      keyset =
          loader.parse(
              read(resources.getResource(location), location),
              "maasdk.security.api-key-keyset " + location);
      return ApiKeys.of(keyset);
    } catch (RuntimeException e) {
      // Tink's and maasdk's messages name the origin, never the key material
      throw new IllegalStateException(
          "maasdk.security.api-key-keyset "
              + location
              + " is not a usable API-key (PRF) keyset: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Enforces the policy of {@code maasdk.security.access}; a CallInterceptor bean, so the runtime
   * is built with it.
   *
   * @throws IllegalArgumentException naming the property that is wrong (never a key or hash)
   * @param properties the {@code maasdk.*} configuration properties
   * @param keys hashes the API keys the policy names
   * @return the access control every call and admin operation goes through
   */
  @Bean
  @ConditionalOnMissingBean
  public AccessControl maasdkAccessControl(MaasdkProperties properties, ApiKeys keys) {
    AccessPolicy policy = policy(properties.getSecurity().getAccess(), keys);
    LOG.info(
        "maasdk: access control with principals {}; anonymous callers {}",
        policy.principalIds(),
        properties.getSecurity().getAccess().getAnonymousRoles().isEmpty()
            ? "may do nothing"
            : "have roles " + properties.getSecurity().getAccess().getAnonymousRoles());
    return AccessControl.of(policy, keys);
  }

  static AccessPolicy policy(MaasdkProperties.Access a, ApiKeys keys) {
    AccessPolicy.Builder b = AccessPolicy.builder();
    for (Map.Entry<String, List<MaasdkProperties.Permission>> role : a.getRoles().entrySet()) {
      List<Permission> perms = new ArrayList<>();
      int i = 0;
      for (MaasdkProperties.Permission p : role.getValue()) {
        String prop = "maasdk.security.access.roles." + role.getKey() + "[" + i++ + "]";
        EnumSet<Action> actions = EnumSet.noneOf(Action.class);
        for (String text : p.getActions()) {
          try {
            actions.add(Action.parse(text.trim()));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                prop
                    + ".actions: unknown action '"
                    + text
                    + "' (expected predict, deploy, undeploy, alias, invalidate or admin)");
          }
        }
        if (actions.isEmpty()) {
          throw new IllegalArgumentException(
              prop
                  + ".actions is empty: name one or more of"
                  + " predict, deploy, undeploy, alias, invalidate, admin");
        }
        perms.add(new Permission(p.getModels(), actions));
      }
      b.role(role.getKey(), perms.toArray(new Permission[0]));
    }
    String adminRole = "maasdk-starter-admin";
    if (a.getAdminApiKey() != null) {
      if (a.getAdminApiKey().isBlank()) {
        throw new IllegalArgumentException("maasdk.security.access.admin-api-key is blank");
      }
      b.role(adminRole, new Permission("*", EnumSet.allOf(Action.class)));
    }
    for (Map.Entry<String, MaasdkProperties.Principal> e : a.getPrincipals().entrySet()) {
      String id = e.getKey();
      MaasdkProperties.Principal p = e.getValue();
      String prop = "maasdk.security.access.principals." + id;
      if (p.getKeyHash() == null) {
        throw new IllegalArgumentException(
            prop + ".key-hash is not set: the ApiKeys hash of the" + " principal's API key");
      }
      try {
        b.principal(
            id,
            p.getKeyHash(),
            p.getTenants().isEmpty() ? List.of(id) : p.getTenants(),
            p.getRoles().toArray(new String[0]));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(prop + ": " + ex.getMessage());
      }
    }
    if (a.getAdminApiKey() != null) {
      b.principal(a.getAdminPrincipal(), keys.hash(a.getAdminApiKey()), adminRole);
    }
    try {
      b.anonymousTenant(a.getAnonymousTenant());
      b.anonymous(a.getAnonymousRoles().toArray(new String[0]));
    } catch (IllegalArgumentException ex) {
      throw new IllegalArgumentException("maasdk.security.access.anonymous-*: " + ex.getMessage());
    }
    return b.build();
  }

  private static Path file(String property, String location, ResourceLoader resources) {
    Resource r = resources.getResource(location);
    try {
      return r.getFile().toPath();
    } catch (IOException e) {
      throw new IllegalStateException(
          property
              + " "
              + location
              + " must be a file (file: or a"
              + " path), so that its owner-only permissions can be checked",
          e);
    }
  }

  private static String read(Resource r, String location) {
    try (InputStream in = r.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "maasdk.security.api-key-keyset " + location + " cannot be read", e);
    }
  }

  /** maasdk.security.access declares principals, roles or an admin key. */
  static final class AccessDeclared extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(
        ConditionContext context, AnnotatedTypeMetadata metadata) {
      Binder binder = Binder.get(context.getEnvironment());
      boolean declared =
          binder
                  .bind(
                      "maasdk.security.access.principals",
                      Bindable.mapOf(String.class, Object.class))
                  .isBound()
              || binder
                  .bind("maasdk.security.access.roles", Bindable.mapOf(String.class, Object.class))
                  .isBound()
              || context.getEnvironment().containsProperty("maasdk.security.access.admin-api-key");
      return declared
          ? ConditionOutcome.match("maasdk.security.access declares a policy")
          : ConditionOutcome.noMatch(
              "maasdk.security.access declares no principal, role or" + " admin key");
    }
  }
}
