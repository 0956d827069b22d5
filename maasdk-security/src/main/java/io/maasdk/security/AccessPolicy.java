package io.maasdk.security;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who may do what, and for whom: roles (named sets of {@link Permission}s), principals (an id, the
 * keyed hash of their API key from {@link ApiKeys#hash}, the tenants they may act for, and roles),
 * and what an anonymous caller (no credentials) may do, nothing by default. Immutable and
 * thread-safe; to change a running runtime's policy, swap it whole through a {@link
 * SwappablePolicy}.
 *
 * <p><b>Tenants.</b> Every principal acts for one or more tenants, the first being its home tenant
 * (its own id unless given). {@link AccessControl} binds each call to the tenant of the principal
 * that made it: a call that names no tenant (or {@link io.maasdk.CallOptions#DEFAULT_TENANT}) is
 * bound to the home tenant, a call naming one of the principal's tenants to that tenant, and a call
 * naming any other tenant is refused. Callers without credentials, when the policy lets them do
 * anything at all, are bound to the {@linkplain #anonymousTenant() anonymous tenant} ({@value
 * #ANONYMOUS_TENANT} unless set), which can be given its own quotas like any other tenant.
 *
 * <pre>{@code
 * AccessPolicy policy = AccessPolicy.builder()
 *     .role("scorer", Permission.of("fraud-*", Action.PREDICT))
 *     .role("ops", Permission.of("*", Action.DEPLOY, Action.UNDEPLOY, Action.ALIAS))
 *     .principal("checkout-service", apiKeys.hash(checkoutKey), List.of("acme"), "scorer")
 *     .principal("ops-bot", apiKeys.hash(opsKey), "ops")   // acts for tenant "ops-bot"
 *     .build();
 * }</pre>
 */
public final class AccessPolicy {
  /**
   * A caller the policy knows.
   *
   * @param id its id, recorded in audit records (never the key)
   * @param keyHash the keyed hash of its API key
   * @param tenants the tenants it may act for, its home tenant first; never empty
   * @param roles its roles
   */
  public record Principal(String id, byte[] keyHash, List<String> tenants, List<String> roles) {
    /**
     * Checks the components and copies the hash and the lists.
     *
     * @param id its id, recorded in audit records (never the key)
     * @param keyHash the keyed hash of its API key
     * @param tenants the tenants it may act for, its home tenant first; never empty
     * @param roles its roles
     */
    public Principal {
      Objects.requireNonNull(id, "id");
      keyHash = keyHash.clone();
      tenants = List.copyOf(tenants);
      roles = List.copyOf(roles);
      if (tenants.isEmpty()) {
        throw new IllegalArgumentException("principal '" + id + "' acts for no tenant");
      }
    }

    /**
     * The tenant a call that names none is bound to.
     *
     * @return the first of {@link #tenants()}
     */
    public String homeTenant() {
      return tenants.get(0);
    }

    /**
     * A copy of the stored keyed hash.
     *
     * @return a copy of the hash
     */
    @Override
    public byte[] keyHash() {
      return keyHash.clone();
    }

    @Override
    public String toString() {
      return "Principal[" + id + ", tenants=" + tenants + ", roles=" + roles + "]";
    }
  }

  /** The id of the principal that stands for callers without credentials. */
  public static final String ANONYMOUS = "anonymous";

  /** The tenant anonymous calls are bound to unless {@link Builder#anonymousTenant} says else. */
  public static final String ANONYMOUS_TENANT = "anonymous";

  private final Map<String, List<Permission>> roles;
  private final List<Principal> principals;
  private final List<String> anonymousRoles;
  private final String anonymousTenant;

  private AccessPolicy(Builder b) {
    this.roles = Map.copyOf(b.roles);
    this.principals = List.copyOf(b.principals);
    this.anonymousRoles = List.copyOf(b.anonymousRoles);
    this.anonymousTenant = b.anonymousTenant;
  }

  /**
   * An empty builder: no roles, no principals, anonymous callers may do nothing.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The tenant calls without credentials are bound to.
   *
   * @return the tenant
   */
  public String anonymousTenant() {
    return anonymousTenant;
  }

  /**
   * The ids of the principals, in the order added.
   *
   * @return the ids
   */
  public List<String> principalIds() {
    return principals.stream().map(Principal::id).toList();
  }

  /**
   * This policy without principal {@code id}: swap it in (see {@link SwappablePolicy}) to revoke
   * that principal's key.
   *
   * @param id the principal to remove
   * @return the new policy; this one is unchanged
   * @throws IllegalArgumentException if the policy has no such principal
   */
  public AccessPolicy withoutPrincipal(String id) {
    Builder b = new Builder();
    b.roles.putAll(roles);
    b.anonymousRoles.addAll(anonymousRoles);
    b.anonymousTenant = anonymousTenant;
    boolean found = false;
    for (Principal p : principals) {
      if (p.id().equals(id)) {
        found = true;
      } else {
        b.principals.add(p);
      }
    }
    if (!found) {
      throw new IllegalArgumentException("the policy has no principal '" + id + "'");
    }
    return new AccessPolicy(b);
  }

  List<Principal> principals() {
    return principals;
  }

  List<String> anonymousRoles() {
    return anonymousRoles;
  }

  /**
   * Parses a policy from JSON, strictly (unknown or duplicate fields, wrong types and undefined
   * roles are refused). {@code tenants} defaults to the principal's id, {@code anonymous} to no
   * roles and the tenant {@value #ANONYMOUS_TENANT}:
   *
   * <pre>{@code
   * {"roles": {"scorer": [{"models": "digits*", "actions": ["predict"]}]},
   *  "principals": [{"id": "checkout", "keyHash": "<ApiKeys.hash(key)>",
   *                  "tenants": ["acme"], "roles": ["scorer"]}],
   *  "anonymous": {"roles": [], "tenant": "public"}}
   * }</pre>
   *
   * @param json the policy document
   * @return the policy
   * @throws IllegalArgumentException saying what is wrong and where (never a key hash)
   */
  public static AccessPolicy fromJson(String json) {
    Map<String, Object> root =
        obj(
            io.maasdk.security.internal.JsonTrees.parse(json, 6, 4096),
            "the policy",
            Set.of("roles", "principals", "anonymous"));
    Builder b = builder();
    Map<String, Object> roles = obj(root.getOrDefault("roles", Map.of()), "roles", null);
    for (Map.Entry<String, Object> r : roles.entrySet()) {
      List<Permission> perms = new ArrayList<>();
      for (Object o : list(r.getValue(), "role " + r.getKey())) {
        Map<String, Object> p =
            obj(o, "a permission of role " + r.getKey(), Set.of("models", "actions"));
        java.util.EnumSet<Action> actions = java.util.EnumSet.noneOf(Action.class);
        for (String a : strings(p.get("actions"), "actions of role " + r.getKey())) {
          try {
            actions.add(Action.parse(a));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "role " + r.getKey() + ": unknown action '" + a + "'");
          }
        }
        perms.add(new Permission(str(p.get("models"), "models of role " + r.getKey()), actions));
      }
      b.role(r.getKey(), perms.toArray(new Permission[0]));
    }
    for (Object o : list(root.getOrDefault("principals", List.of()), "principals")) {
      Map<String, Object> p = obj(o, "a principal", Set.of("id", "keyHash", "tenants", "roles"));
      String id = str(p.get("id"), "a principal's id");
      List<String> tenants =
          p.containsKey("tenants") ? strings(p.get("tenants"), "tenants of " + id) : List.of(id);
      b.principal(
          id,
          str(p.get("keyHash"), "keyHash of " + id),
          tenants,
          strings(p.getOrDefault("roles", List.of()), "roles of " + id).toArray(new String[0]));
    }
    if (root.containsKey("anonymous")) {
      Map<String, Object> a = obj(root.get("anonymous"), "anonymous", Set.of("roles", "tenant"));
      b.anonymous(
          strings(a.getOrDefault("roles", List.of()), "anonymous roles").toArray(new String[0]));
      if (a.containsKey("tenant")) {
        b.anonymousTenant(str(a.get("tenant"), "the anonymous tenant"));
      }
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Object o, String what, @Nullable Set<String> fields) {
    if (!(o instanceof Map)) {
      throw new IllegalArgumentException(what + " must be a JSON object");
    }
    Map<String, Object> m = (Map<String, Object>) o;
    if (fields != null) {
      for (String k : m.keySet()) {
        if (!fields.contains(k)) {
          throw new IllegalArgumentException(what + " has an unknown field '" + k + "'");
        }
      }
    }
    return m;
  }

  private static List<?> list(@Nullable Object o, String what) {
    if (!(o instanceof List<?> l)) {
      throw new IllegalArgumentException(what + " must be a JSON array");
    }
    return l;
  }

  private static String str(@Nullable Object o, String what) {
    if (!(o instanceof String s)) {
      throw new IllegalArgumentException(what + " must be a string");
    }
    return s;
  }

  private static List<String> strings(@Nullable Object o, String what) {
    List<String> out = new ArrayList<>();
    for (Object e : list(o, what)) {
      out.add(str(e, what));
    }
    return out;
  }

  /** Whether {@code roleNames} grant {@code action} on {@code model}. */
  boolean allows(List<String> roleNames, String model, Action action) {
    for (String r : roleNames) {
      for (Permission p : roles.getOrDefault(r, List.of())) {
        if (p.allows(model, action)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Builds an {@link AccessPolicy}; each setter validates at once. */
  public static final class Builder {
    private final Map<String, List<Permission>> roles = new LinkedHashMap<>();
    private final List<Principal> principals = new ArrayList<>();
    private final List<String> anonymousRoles = new ArrayList<>();
    private String anonymousTenant = ANONYMOUS_TENANT;

    private Builder() {}

    /**
     * Defines (or extends) a role.
     *
     * @param name the role's name
     * @param permissions what the role allows
     * @return this builder
     */
    public Builder role(String name, Permission... permissions) {
      Objects.requireNonNull(name, "name");
      roles.computeIfAbsent(name, k -> new ArrayList<>()).addAll(List.of(permissions));
      return this;
    }

    /**
     * Adds a principal with the stored hash of its API key ({@link ApiKeys#hash}) and its roles; it
     * acts for one tenant, named like the principal.
     *
     * @param id the principal's id, also its tenant
     * @param apiKeyHash the stored hash of its API key
     * @param roleNames its roles, defined before
     * @return this builder
     * @throws IllegalArgumentException if the id is taken, a role is undefined, or the hash is not
     *     a 32-byte base64url value
     */
    public Builder principal(String id, String apiKeyHash, String... roleNames) {
      return principal(id, apiKeyHash, List.of(Objects.requireNonNull(id, "id")), roleNames);
    }

    /**
     * Adds a principal that may act for {@code tenants}, the first being its home tenant (the one a
     * call that names no tenant is bound to).
     *
     * @param id the principal's id
     * @param apiKeyHash the stored hash of its API key
     * @param tenants the tenants it may act for, its home tenant first
     * @param roleNames its roles, defined before
     * @return this builder
     * @throws IllegalArgumentException if the id is taken, a role is undefined, the hash is not a
     *     32-byte base64url value, or {@code tenants} is empty or holds a blank name
     */
    public Builder principal(
        String id, String apiKeyHash, List<String> tenants, String... roleNames) {
      Objects.requireNonNull(id, "id");
      if (id.equals(ANONYMOUS) || principals.stream().anyMatch(p -> p.id().equals(id))) {
        throw new IllegalArgumentException("principal id '" + id + "' is reserved or taken");
      }
      byte[] hash;
      try {
        hash = Base64.getUrlDecoder().decode(apiKeyHash);
      } catch (IllegalArgumentException e) {
        hash = new byte[0];
      }
      if (hash.length != 32) {
        throw new IllegalArgumentException(
            "the key hash of principal '" + id + "' is not an ApiKeys.hash value");
      }
      List<String> ts = List.copyOf(new java.util.LinkedHashSet<>(tenants));
      if (ts.isEmpty() || ts.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException(
            "principal '" + id + "' needs one or more non-blank tenants, was " + tenants);
      }
      principals.add(new Principal(id, hash, ts, checkRoles(Set.of(roleNames), roleNames)));
      return this;
    }

    /**
     * The tenant calls without credentials are bound to; default {@value #ANONYMOUS_TENANT}.
     *
     * @param tenant the tenant
     * @return this builder
     * @throws IllegalArgumentException if blank
     */
    public Builder anonymousTenant(String tenant) {
      Objects.requireNonNull(tenant, "tenant");
      if (tenant.isBlank()) {
        throw new IllegalArgumentException("the anonymous tenant must not be blank");
      }
      this.anonymousTenant = tenant;
      return this;
    }

    /**
     * Roles granted to callers without credentials (none by default).
     *
     * @param roleNames the roles, defined before
     * @return this builder
     */
    public Builder anonymous(String... roleNames) {
      anonymousRoles.addAll(checkRoles(Set.of(roleNames), roleNames));
      return this;
    }

    private List<String> checkRoles(Set<String> unique, String[] names) {
      for (String r : unique) {
        if (!roles.containsKey(r)) {
          throw new IllegalArgumentException("undefined role '" + r + "': define it with role()");
        }
      }
      return List.of(names);
    }

    /**
     * The policy; the builder may go on to build others.
     *
     * @return the policy
     */
    public AccessPolicy build() {
      return new AccessPolicy(this);
    }
  }
}
