package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link FailureLog} limits its WARN lines by the runtime's {@link Ticker}, not the JVM clock. */
class FailureLogTest {
  @Test
  void oneWarnLinePerSecond_ofTheRuntimesTicker() {
    AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(5));
    Ticker ticker = nanos::get;
    FailureLog log = new FailureLog("m@1.0.0", ticker);
    IllegalStateException boom = new IllegalStateException("deliberate");

    assertTrue(log.log("t", boom), "the first failure is logged");
    assertFalse(log.log("t", boom), "a second one in the same second is not");
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(999));
    assertFalse(log.log("t", boom), "999 ms later: still within the second");
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
    assertTrue(log.log("t", boom), "one second later by the runtime's ticker");
    assertFalse(log.log("t", boom));
  }
}
