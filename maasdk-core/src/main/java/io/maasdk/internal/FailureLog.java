package io.maasdk.internal;

import io.maasdk.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed calls of one version, logged as one line each and at most once a second, through SLF4J: a
 * stream of bad inputs must not flood the log with engine tracebacks. The full exception goes to
 * the caller (and to listeners), and at DEBUG to this log.
 */
final class FailureLog {
  private static final Logger LOG = LoggerFactory.getLogger(FailureLog.class);
  private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

  private final String subject;
  private final Ticker ticker;
  private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  FailureLog(String subject, Ticker ticker) {
    this.subject = subject;
    this.ticker = ticker;
  }

  /** Logs {@code error} of {@code r}'s call; {@code true} when it went out at WARN. */
  boolean log(Request<?, ?> r, Throwable error) {
    return log(r.options.tenant(), error);
  }

  boolean log(String tenant, Throwable error) {
    long now = ticker.read();
    long due = next.get();
    if ((due != Long.MIN_VALUE && now - due < 0) || !next.compareAndSet(due, now + INTERVAL)) {
      suppressed.incrementAndGet();
      LOG.debug("{}: call failed", subject, error);
      return false;
    }
    long more = suppressed.getAndSet(0);
    LOG.warn(
        "{}: call of tenant {} failed: {}{}",
        subject,
        tenant,
        Replica.message(error),
        more == 0 ? "" : " (" + more + " more failures in the last second not logged)");
    LOG.debug("{}: call failed", subject, error);
    return true;
  }
}
