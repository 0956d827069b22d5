package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Balancing, ejection and the retry budget of {@link Endpoints}, without any network. */
class EndpointsTest {
  private static Endpoints three(double retryRatio) {
    return new Endpoints(
        List.of(URI.create("http://a:1"), URI.create("http://b:2"), URI.create("http://c:3")),
        TimeUnit.SECONDS.toNanos(60),
        TimeUnit.SECONDS.toNanos(60),
        retryRatio);
  }

  @Test
  void pick_prefersTheFewestOutstanding_andSkipsEjectedAndTried() {
    Endpoints e = three(0.2);
    Endpoints.Endpoint a = e.all().get(0);
    Endpoints.Endpoint b = e.all().get(1);
    Endpoints.Endpoint c = e.all().get(2);
    a.outstanding.set(5);
    b.outstanding.set(1);
    c.outstanding.set(3);
    for (int i = 0; i < 20; i++) {
      assertSame(b, e.pick(Set.of()));
    }
    e.failed(b, "test");
    assertSame(c, e.pick(Set.of()), "an ejected endpoint is out of rotation");
    assertSame(a, e.pick(Set.of(c)));
    assertSame(b, e.pick(Set.of(a, c)), "all others tried: the ejected one is still a try");
    assertNull(e.pick(new HashSet<>(e.all())));
    e.answered(b);
    assertSame(b, e.pick(Set.of()), "answered: back in rotation");
  }

  @Test
  void retryBudget_boundsRetries_toABurstPlusAFractionOfRequests() {
    Endpoints none = three(0.0);
    int retries = 0;
    for (int i = 0; i < 1000; i++) {
      none.requested();
      if (none.tryRetry()) {
        retries++;
      }
    }
    assertEquals(10, retries, "only the initial burst with a ratio of 0");

    Endpoints fifth = three(0.2);
    retries = 0;
    for (int i = 0; i < 1000; i++) {
      fifth.requested();
      if (fifth.tryRetry()) {
        retries++;
      }
    }
    assertTrue(retries <= 10 + 200 && retries >= 200, "about 0.2 per request: " + retries);
    assertFalse(fifth.tryRetry() && fifth.tryRetry(), "the budget is spent");
  }
}
