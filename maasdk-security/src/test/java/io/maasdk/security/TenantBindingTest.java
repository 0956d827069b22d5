package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CachePolicy;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.QuotaExceededException;
import io.maasdk.metrics.BillingPeriod;
import io.maasdk.metrics.QuotaInterceptor;
import io.maasdk.metrics.QuotaPolicy;
import io.maasdk.metrics.UsageMeters;
import io.maasdk.spi.DeviceInventory;
import org.junit.jupiter.api.Test;

/** Issue 12, items 7 and 8: the tenant is bound to the principal; access control before quotas. */
class TenantBindingTest extends TenantFixture {
  @Test
  void keyOfOneTenant_namingAnother_isRefused_andSpendsNoneOfItsBudget() {
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("ops", Permission.of("*", Action.DEPLOY))
            .principal("ops", KEYS.hash(OPS), "ops")
            .principal("alice", KEYS.hash(ALICE), "scorer") // acts for tenant "alice"
            .principal("bob", KEYS.hash(BOB), "scorer")
            .build();
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(UsageMeters.ofDefaults())
            .policy("alice", QuotaPolicy.builder().unitBudget(3, BillingPeriod.MONTH).build())
            .build();
    try (ModelRuntime rt =
        quotas
            .installOn(ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()))
            .interceptor(AccessControl.of(policy, KEYS))
            .build()) {
      rt.admin(OPS).deploy(digits(CachePolicy.disabled()));
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      for (int i = 0; i < 5; i++) {
        int n = i;
        AccessDeniedException e =
            assertThrows(
                AccessDeniedException.class,
                () -> h.predict(x(n), as(BOB, "alice")),
                "bob's key spends alice's budget");
        assertTrue(e.getMessage().contains("may not act for tenant 'alice'"), e.getMessage());
        assertFalse(e.getMessage().contains(BOB));
      }
      assertEquals(0, quotas.unitsUsed("alice"));
      // Alice's calls are hers whatever tenant they name (none here): metered, and limited.
      for (int i = 0; i < 3; i++) {
        assertEquals(10, h.predict(x(i), CallOptions.builder().credentials(ALICE).build()).length);
      }
      assertEquals(3, quotas.unitsUsed("alice"));
      assertThrows(
          QuotaExceededException.class,
          () -> h.predict(x(3), CallOptions.builder().credentials(ALICE).build()),
          "a call naming no tenant escaped the principal's budget");
    }
  }

  @Test
  void fiftyCallsWithoutKey_spendNothing_whenTheQuotaWasRegisteredFirst() {
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("ops", Permission.of("*", Action.DEPLOY))
            .principal("ops", KEYS.hash(OPS), "ops")
            .principal("acme", KEYS.hash(ALICE), "scorer")
            .build();
    QuotaInterceptor quotas =
        QuotaInterceptor.builder()
            .meters(UsageMeters.ofDefaults())
            .policy("acme", QuotaPolicy.builder().requestsPerSecond(0.001, 5).build())
            .build();
    try (ModelRuntime rt =
        quotas
            .installOn(
                ModelRuntime.builder()
                    .deviceInventory(DeviceInventory.cpuOnly())) // the quota first, on purpose
            .interceptor(AccessControl.of(policy, KEYS))
            .build()) {
      rt.admin(OPS).deploy(digits(CachePolicy.disabled()));
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      CallOptions noKey = CallOptions.builder().tenant("acme").build();
      for (int i = 0; i < 50; i++) {
        int n = i;
        assertThrows(
            AccessDeniedException.class,
            () -> h.predict(x(n % 8), noKey),
            "call " + n + " without a key");
      }
      for (int i = 0; i < 5; i++) {
        assertEquals(
            10,
            h.predict(x(i), as(ALICE, "acme")).length,
            "the tenant's own call " + i + " found its rate limit spent by refused calls");
      }
      assertThrows(QuotaExceededException.class, () -> h.predict(x(5), as(ALICE, "acme")));
    }
  }
}
