package io.maasdk.security;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who may do what: roles (named sets of {@link Permission}s), principals (an id, the keyed hash of
 * their API key from {@link ApiKeys#hash}, and roles), and what an anonymous caller (no
 * credentials) may do, nothing by default. Immutable and thread-safe.
 *
 * <pre>{@code
 * AccessPolicy policy = AccessPolicy.builder()
 *     .role("scorer", Permission.of("fraud-*", Action.PREDICT))
 *     .role("ops", Permission.of("*", Action.DEPLOY, Action.UNDEPLOY, Action.ALIAS))
 *     .principal("checkout-service", apiKeys.hash(checkoutKey), "scorer")
 *     .build();
 * }</pre>
 */
public final class AccessPolicy {
  /** A caller the policy knows. */
  public record Principal(String id, byte[] keyHash, List<String> roles) {
    public Principal {
      Objects.requireNonNull(id, "id");
      keyHash = keyHash.clone();
      roles = List.copyOf(roles);
    }

    /** A copy of the stored keyed hash. */
    @Override
    public byte[] keyHash() {
      return keyHash.clone();
    }

    @Override
    public String toString() {
      return "Principal[" + id + ", roles=" + roles + "]";
    }
  }

  /** The id of the principal that stands for callers without credentials. */
  public static final String ANONYMOUS = "anonymous";

  private final Map<String, List<Permission>> roles;
  private final List<Principal> principals;
  private final List<String> anonymousRoles;

  private AccessPolicy(Builder b) {
    this.roles = Map.copyOf(b.roles);
    this.principals = List.copyOf(b.principals);
    this.anonymousRoles = List.copyOf(b.anonymousRoles);
  }

  public static Builder builder() {
    return new Builder();
  }

  List<Principal> principals() {
    return principals;
  }

  List<String> anonymousRoles() {
    return anonymousRoles;
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

    private Builder() {}

    /** Defines (or extends) a role. */
    public Builder role(String name, Permission... permissions) {
      Objects.requireNonNull(name, "name");
      roles.computeIfAbsent(name, k -> new ArrayList<>()).addAll(List.of(permissions));
      return this;
    }

    /**
     * Adds a principal with the stored hash of its API key ({@link ApiKeys#hash}) and its roles.
     *
     * @throws IllegalArgumentException if the id is taken, a role is undefined, or the hash is not
     *     a 32-byte base64url value
     */
    public Builder principal(String id, String apiKeyHash, String... roleNames) {
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
      principals.add(new Principal(id, hash, checkRoles(Set.of(roleNames), roleNames)));
      return this;
    }

    /** Roles granted to callers without credentials (none by default). */
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

    public AccessPolicy build() {
      return new AccessPolicy(this);
    }
  }
}
