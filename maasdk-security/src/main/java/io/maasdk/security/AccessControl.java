package io.maasdk.security;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
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
 * {@code undeploy}, {@code alias} for alias moves and rollbacks, {@code invalidate} for cache
 * drops). The caller is identified by the API key in {@link CallOptions#credentials()} (or {@link
 * ManagementRequest#credentials()}); no credentials means the anonymous principal. A refusal is an
 * {@link AccessDeniedException} naming the principal and what it lacks; core refuses the call
 * before it is resolved or queued.
 *
 * <p><b>Tenant binding.</b> A permitted call is {@linkplain CallContext#bind bound} to the
 * principal and to the tenant it acts for (see {@link AccessPolicy}): the tenant the caller wrote
 * is only a request, honoured if the principal may act for it, refused otherwise. Quotas, metering,
 * cache isolation and audit records all see the bound tenant. Management requests are bound to the
 * principal and its home tenant, so an audit log can say who did what.
 *
 * <p><b>Order.</b> Its {@link #phase()} is {@link Phase#AUTHENTICATION}: the runtime runs it before
 * any other interceptor, quotas included, whatever the order of registration, so a refused call
 * spends no quota.
 *
 * <p><b>Revocation.</b> Built on a {@link PolicySource}, it reads the policy once per request; with
 * a {@link SwappablePolicy}, a key removed from the policy is refused on its next call.
 *
 * <p>The presented key is hashed with the policy's PRF key and compared with every principal's
 * stored hash in constant time, without stopping at the first match; keys never appear in messages
 * or logs. Thread-safe; add it with {@code ModelRuntime.builder().interceptor(…)}.
 */
public final class AccessControl implements CallInterceptor {
  private final PolicySource policies;
  private final ApiKeys keys;

  private AccessControl(PolicySource policies, ApiKeys keys) {
    this.policies = policies;
    this.keys = keys;
  }

  /**
   * Enforces {@code policy}, whose key hashes were made by {@code keys}.
   *
   * @param policy the principals and their permissions
   * @param keys the hasher the policy's key hashes were made with
   * @return the interceptor
   */
  public static AccessControl of(AccessPolicy policy, ApiKeys keys) {
    return of(PolicySource.fixed(policy), keys);
  }

  /**
   * Enforces whatever policy {@code policies} holds when each request is checked; its key hashes
   * must have been made by {@code keys}.
   *
   * @param policies where the policy in force comes from
   * @param keys the hasher the policies' key hashes were made with
   * @return the interceptor
   */
  public static AccessControl of(PolicySource policies, ApiKeys keys) {
    return new AccessControl(
        Objects.requireNonNull(policies, "policies"), Objects.requireNonNull(keys, "keys"));
  }

  /** {@link Phase#AUTHENTICATION}: runs before every other interceptor. */
  @Override
  public Phase phase() {
    return Phase.AUTHENTICATION;
  }

  /**
   * Authenticates the caller, checks {@code predict} on the model and the tenant the call names,
   * and binds the call to the principal and its tenant.
   *
   * @throws AccessDeniedException if the key matches no principal, the principal lacks {@code
   *     predict} on the model, or the call names a tenant the principal may not act for
   */
  @Override
  public void beforeCall(CallContext context) {
    Identity who =
        admit(
            context.requestedOptions().credentials(),
            context.requestedOptions().tenant(),
            context.modelName(),
            null,
            Action.PREDICT);
    if (context.isBound()) {
      if (!who.principal().equals(context.principal())
          || !who.tenant().equals(context.options().tenant())) {
        throw new AccessDeniedException(
            context.modelName(),
            null,
            "access denied: the call to '"
                + context.modelName()
                + "' was already bound to principal '"
                + context.principal()
                + "' and tenant '"
                + context.options().tenant()
                + "' by another interceptor");
      }
      return;
    }
    context.bind(who.principal(), who.tenant());
  }

  /**
   * Authenticates the caller, checks the action the request needs, and binds the request to the
   * principal and its home tenant.
   *
   * @throws AccessDeniedException if the key matches no principal or the principal lacks the action
   *     on the model
   */
  @Override
  public void beforeManagement(ManagementRequest request) {
    Identity who =
        admit(
            request.credentials(),
            null,
            request.modelName(),
            request.version(),
            Action.of(request.action()));
    if (request.principal() == null) {
      request.bind(who.principal(), who.tenant());
    } else if (!who.principal().equals(request.principal())) {
      throw new AccessDeniedException(
          request.modelName(),
          request.version(),
          "access denied: "
              + request
              + " was already bound to another principal by another interceptor");
    }
  }

  /**
   * Checks that the caller with {@code credentials} may do {@code action} on {@code model}.
   *
   * @param credentials the API key the caller presents, or {@code null}
   * @param model the model's name
   * @param version the version concerned, or {@code null}
   * @param action what the caller wants to do
   * @return the principal's id
   * @throws AccessDeniedException if not
   */
  public String check(
      @Nullable String credentials, String model, @Nullable Version version, Action action) {
    return admit(credentials, null, model, version, action).principal();
  }

  /**
   * Checks that the caller with {@code options}' credentials may do {@code action} on {@code model}
   * for {@code options}' tenant, and says which principal and tenant the request is bound to.
   *
   * @param options the caller's credentials and tenant; {@link CallOptions#DEFAULT_TENANT} (unless
   *     the principal acts for a tenant of that name) means its home tenant
   * @param model the model's name
   * @param version the version concerned, or {@code null}
   * @param action what the caller wants to do
   * @return the principal and tenant the request is bound to
   * @throws AccessDeniedException if the key matches no principal, the principal lacks the
   *     permission, or it may not act for the tenant
   */
  public Identity authorize(
      CallOptions options, String model, @Nullable Version version, Action action) {
    return admit(options.credentials(), options.tenant(), model, version, action);
  }

  /**
   * Whom a permitted request is bound to.
   *
   * @param principal the principal's id ({@value AccessPolicy#ANONYMOUS} for no credentials)
   * @param tenant the tenant it acts for in this request
   */
  public record Identity(String principal, String tenant) {
    /**
     * Checks that both are given.
     *
     * @param principal the principal's id ({@value AccessPolicy#ANONYMOUS} for no credentials)
     * @param tenant the tenant it acts for in this request
     */
    public Identity {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(tenant, "tenant");
    }
  }

  private Identity admit(
      @Nullable String credentials,
      @Nullable String requestedTenant,
      String model,
      @Nullable Version version,
      Action action) {
    AccessPolicy policy = policies.current(); // one policy for the whole request
    String id;
    List<String> roles;
    List<String> tenants;
    if (credentials == null) {
      id = AccessPolicy.ANONYMOUS;
      roles = policy.anonymousRoles();
      tenants = List.of(policy.anonymousTenant());
    } else {
      AccessPolicy.Principal p = authenticate(policy, credentials);
      if (p == null) {
        throw new AccessDeniedException(
            model,
            version,
            "access denied: the API key presented for "
                + action.label()
                + " on model '"
                + model
                + "' matches no principal; check the key (it is never logged)");
      }
      id = p.id();
      roles = p.roles();
      tenants = p.tenants();
    }
    if (!policy.allows(roles, model, action)) {
      throw new AccessDeniedException(
          model,
          version,
          "access denied: principal '"
              + id
              + "' (roles "
              + roles
              + ") lacks permission "
              + action.label()
              + " on model '"
              + model
              + "'"
              + (credentials == null ? "; the call carried no credentials" : "")
              + ". Grant a role with "
              + action.label()
              + " on a pattern matching '"
              + model
              + "'");
    }
    String tenant;
    if (requestedTenant == null || tenants.contains(requestedTenant)) {
      tenant = requestedTenant == null ? tenants.get(0) : requestedTenant;
    } else if (requestedTenant.equals(CallOptions.DEFAULT_TENANT)) {
      tenant = tenants.get(0); // the call named no tenant
    } else {
      throw new AccessDeniedException(
          model,
          version,
          "access denied: principal '"
              + id
              + "' may not act for tenant '"
              + requestedTenant
              + "' (it acts for "
              + tenants
              + ")"
              + (credentials == null ? "; the call carried no credentials" : "")
              + ". Leave the tenant out to act for "
              + tenants.get(0)
              + ", or add the tenant to the principal in the access policy");
    }
    return new Identity(id, tenant);
  }

  private AccessPolicy.@Nullable Principal authenticate(AccessPolicy policy, String credentials) {
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
