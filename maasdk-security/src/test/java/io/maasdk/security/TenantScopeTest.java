package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.AccessDeniedException;
import io.maasdk.CachePolicy;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Issue 12, item 7: what the bound tenant reaches (events, cache, later interceptors). */
class TenantScopeTest extends TenantFixture {
  @Test
  void boundTenant_isWhatEventsAndTheCacheSee_anonymousHasItsOwnTenant() {
    AccessPolicy policy =
        AccessPolicy.builder()
            .role("scorer", Permission.of("digits", Action.PREDICT))
            .role("ops", Permission.of("*", Action.DEPLOY))
            .principal("ops", KEYS.hash(OPS), "ops")
            .principal("alice", KEYS.hash(ALICE), List.of("acme"), "scorer")
            .principal("bob", KEYS.hash(BOB), List.of("globex", "globex-eu"), "scorer")
            .anonymous("scorer")
            .anonymousTenant("public")
            .build();
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    List<String> seenByLaterInterceptor = new CopyOnWriteArrayList<>();
    CallInterceptor later =
        ctx ->
            seenByLaterInterceptor.add(
                ctx.principal()
                    + "/"
                    + ctx.options().tenant()
                    + "/"
                    + ctx.requestedOptions().tenant());
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(later) // registered first, runs after authentication all the same
            .interceptor(AccessControl.of(policy, KEYS))
            .listener(events::add)
            .build()) {
      rt.admin(OPS).deploy(digits(CachePolicy.ofDefaults()));
      ModelHandle<float[], float[]> h = rt.handle("digits", "1.0.0", float[].class, float[].class);
      h.predict(x(0), CallOptions.builder().credentials(ALICE).build());
      h.predict(x(0), CallOptions.builder().credentials(ALICE).build());
      assertThrows(AccessDeniedException.class, () -> h.predict(x(0), as(BOB, "acme")));
      h.predict(x(0), as(BOB, "globex-eu"));
      h.predict(x(0), CallOptions.builder().credentials(BOB).build());
      h.predict(x(0));
      assertThrows(
          AccessDeniedException.class,
          () -> h.predict(x(0), CallOptions.builder().tenant("acme").build()));

      List<String> seen = new ArrayList<>();
      for (InferenceEvent e : events) {
        seen.add(e.tenant() + ":" + e.outcome() + (e.cacheHit() ? ":hit" : ""));
      }
      assertEquals(
          List.of(
              "acme:SUCCESS",
              "acme:SUCCESS:hit",
              "acme:REFUSED",
              "globex-eu:SUCCESS",
              "globex:SUCCESS",
              "public:SUCCESS",
              "acme:REFUSED"),
          seen,
          "each tenant computes its own answer; nobody reads acme's cache by naming it");
      assertEquals(
          List.of(
              "alice/acme/default",
              "alice/acme/default",
              "bob/globex-eu/globex-eu",
              "bob/globex/default",
              "anonymous/public/default"),
          seenByLaterInterceptor);
    }
  }

  @Test
  void contextBindsOnce_andKeepsWhatTheCallerWrote() {
    CallContext ctx =
        new CallContext(
            "m",
            io.maasdk.VersionSelector.latest(),
            new float[1],
            CallOptions.builder().tenant("claimed").routingKey("k").build());
    assertFalse(ctx.isBound());
    ctx.bind("p", "real");
    assertEquals("real", ctx.options().tenant());
    assertEquals("k", ctx.options().routingKey());
    assertEquals("claimed", ctx.requestedOptions().tenant());
    assertThrows(IllegalStateException.class, () -> ctx.bind("q", "other"));
    assertEquals("p", ctx.principal());
  }
}
