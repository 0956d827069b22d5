package io.maasdk;

/**
 * maasdk's one time source: a monotonic reading in nanoseconds from an arbitrary origin, like
 * {@link System#nanoTime()}. The runtime reads every deadline, queue wait, batching delay, circuit
 * breaker period and cache expiry from the ticker given to {@link ModelRuntime.Builder#ticker}, so
 * tests can move time forward without sleeping. Implementations must be thread-safe and cheap: the
 * request path reads the ticker several times per call.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * The current reading, in nanoseconds. Only differences between readings are meaningful.
   *
   * @return nanoseconds from an arbitrary origin
   */
  long read();

  /**
   * The JVM's monotonic clock, {@link System#nanoTime()}: the default.
   *
   * @return the system ticker
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** {@link System#nanoTime()} as a {@link Ticker}; one instance, so the JIT sees one receiver. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
