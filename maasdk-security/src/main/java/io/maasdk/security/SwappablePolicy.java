package io.maasdk.security;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link PolicySource} whose policy can be replaced while the runtime serves: {@link #swap}
 * replaces the whole immutable policy in one atomic write. Every call that {@link AccessControl}
 * checks after {@code swap} returns is judged by the new policy, so a principal removed from it
 * (its key revoked) is refused on its very next call; calls already past access control finish.
 *
 * <pre>{@code
 * SwappablePolicy policies = SwappablePolicy.of(policy);
 * ModelRuntime runtime = ModelRuntime.builder()
 *     .interceptor(AccessControl.of(policies, apiKeys))
 *     .build();
 * policies.swap(policies.current().withoutPrincipal("checkout"));   // revoke
 * }</pre>
 *
 * <p>Thread-safe; reading the policy is one volatile read.
 */
public final class SwappablePolicy implements PolicySource {
  private final AtomicReference<AccessPolicy> policy;

  private SwappablePolicy(AccessPolicy initial) {
    this.policy = new AtomicReference<>(initial);
  }

  /**
   * A source that answers {@code initial} until the first swap.
   *
   * @param initial the policy in force until the first swap
   * @return the source
   */
  public static SwappablePolicy of(AccessPolicy initial) {
    return new SwappablePolicy(Objects.requireNonNull(initial, "initial"));
  }

  @Override
  // NullAway reads AtomicReference.get() as nullable; this one is set non-null by the
  // constructor and by swap, and never cleared.
  @SuppressWarnings("NullAway")
  public AccessPolicy current() {
    return policy.get();
  }

  /**
   * Puts {@code next} in force for every request checked from now on.
   *
   * @return the policy it replaced
   * @param next the policy to put in force
   */
  public AccessPolicy swap(AccessPolicy next) {
    return policy.getAndSet(Objects.requireNonNull(next, "next"));
  }
}
