package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private final AtomicLong now = new AtomicLong();
  private final CircuitBreaker breaker = new CircuitBreaker(3, 1_000, now::get);

  @Test
  void opensAfterThresholdConsecutiveFailures_successResetsTheCount() {
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    assertEquals(CircuitBreaker.Permit.PASS, breaker.tryAcquire());
    breaker.onFailure();
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertEquals(CircuitBreaker.Permit.REFUSED, breaker.tryAcquire());
    assertEquals(1_000, breaker.retryInNanos());
  }

  @Test
  void halfOpen_letsExactlyOneProbe_successCloses_failureReopens() {
    for (int i = 0; i < 3; i++) {
      breaker.onFailure();
    }
    now.addAndGet(1_000);
    assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
    assertEquals(CircuitBreaker.Permit.PROBE, breaker.tryAcquire());
    assertEquals(CircuitBreaker.Permit.REFUSED, breaker.tryAcquire(), "only one probe");
    breaker.onFailure();
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    now.addAndGet(1_000);
    assertEquals(CircuitBreaker.Permit.PROBE, breaker.tryAcquire());
    breaker.release(false); // a call that did not hold the probe gives nothing back
    assertEquals(CircuitBreaker.Permit.REFUSED, breaker.tryAcquire());
    breaker.release(true); // the probe expired unrun: another may go
    assertEquals(CircuitBreaker.Permit.PROBE, breaker.tryAcquire());
    breaker.onSuccess();
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    assertEquals(CircuitBreaker.Permit.PASS, breaker.tryAcquire());
    assertEquals(CircuitBreaker.Permit.PASS, breaker.tryAcquire());
  }
}
