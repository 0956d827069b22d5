package io.maasdk.security;

import java.util.Objects;

/**
 * Where {@link AccessControl} gets the {@link AccessPolicy} in force. It asks once per call or
 * management request and judges the whole request against that one immutable policy, so a policy
 * swapped in while a request is being checked applies to the next request, never to half of one.
 * Implementations must be thread-safe and fast (a volatile read): they are asked on every call.
 */
@FunctionalInterface
public interface PolicySource {

  /**
   * The policy in force now; never {@code null}.
   *
   * @return the policy
   */
  AccessPolicy current();

  /**
   * A source that always answers {@code policy}.
   *
   * @param policy the policy
   * @return the source
   */
  static PolicySource fixed(AccessPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return () -> policy;
  }
}
