package io.maasdk.security;

import io.maasdk.AccessDeniedException;
import io.maasdk.Version;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.ManagementRequest;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Enforces an {@link AccessPolicy} as a {@link CallInterceptor}: every prediction needs {@link
 * Action#PREDICT} on its model, every management operation the matching action ({@code deploy},
 * {@code undeploy}, {@code alias} for alias moves and rollbacks). The caller is identified by the
 * API key in {@link io.maasdk.CallOptions#credentials()} (or {@link
 * ManagementRequest#credentials()}); no credentials means the anonymous principal. A refusal is an
 * {@link AccessDeniedException} naming the principal and the missing permission; core refuses the
 * call before it is resolved or queued.
 *
 * <p>The presented key is hashed with the policy's PRF key and compared with every principal's
 * stored hash in constant time, without stopping at the first match; keys never appear in messages
 * or logs. Immutable and thread-safe; add it with {@code ModelRuntime.builder().interceptor(…)}.
 */
public final class AccessControl implements CallInterceptor {
  private final AccessPolicy policy;
  private final ApiKeys keys;

  private AccessControl(AccessPolicy policy, ApiKeys keys) {
    this.policy = policy;
    this.keys = keys;
  }

  /** Enforces {@code policy}, whose key hashes were made by {@code keys}. */
  public static AccessControl of(AccessPolicy policy, ApiKeys keys) {
    return new AccessControl(
        Objects.requireNonNull(policy, "policy"), Objects.requireNonNull(keys, "keys"));
  }

  @Override
  public void beforeCall(CallContext context) {
    check(context.options().credentials(), context.modelName(), null, Action.PREDICT);
  }

  @Override
  public void beforeManagement(ManagementRequest request) {
    check(request.credentials(), request.modelName(), request.version(),
        Action.of(request.action()));
  }

  /**
   * Checks that the caller with {@code credentials} may do {@code action} on {@code model}.
   *
   * @return the principal's id
   * @throws AccessDeniedException if not
   */
  public String check(
      @Nullable String credentials, String model, @Nullable Version version, Action action) {
    String id;
    List<String> roles;
    if (credentials == null) {
      id = AccessPolicy.ANONYMOUS;
      roles = policy.anonymousRoles();
    } else {
      AccessPolicy.Principal p = authenticate(credentials);
      if (p == null) {
        throw new AccessDeniedException(model, version,
            "access denied: the API key presented for " + action.label() + " on model '" + model
                + "' matches no principal; check the key (it is never logged)");
      }
      id = p.id();
      roles = p.roles();
    }
    if (!policy.allows(roles, model, action)) {
      throw new AccessDeniedException(model, version,
          "access denied: principal '" + id + "' (roles " + roles + ") lacks permission "
              + action.label() + " on model '" + model + "'"
              + (credentials == null ? "; the call carried no credentials" : "")
              + ". Grant a role with " + action.label() + " on a pattern matching '" + model + "'");
    }
    return id;
  }

  private AccessPolicy.@Nullable Principal authenticate(String credentials) {
    byte[] presented = keys.rawHash(credentials);
    AccessPolicy.Principal match = null;
    for (AccessPolicy.Principal p : policy.principals()) {
      boolean same = ApiKeys.sameHash(presented, p.keyHash());
      if (same && match == null) {
        match = p;
      }
    }
    return match;
  }
}
