package io.maasdk.metrics;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When {@link LedgerSink} forces written records to the storage device. Immutable.
 *
 * <ul>
 *   <li>{@link #always()} — every batch is fsynced before {@code write} returns: a record the sink
 *       acknowledged survives a crash of the process or the machine;
 *   <li>{@link #every(Duration)} — at most that long after a write (a background timer), and on
 *       {@link LedgerSink#flush()}: a process crash loses nothing already written (the OS has it),
 *       a machine crash loses at most the interval;
 *   <li>{@link #never()} — only on flush and close; the OS decides otherwise.
 * </ul>
 */
public final class FsyncPolicy {
  private static final FsyncPolicy ALWAYS = new FsyncPolicy(Duration.ZERO);
  private static final FsyncPolicy NEVER = new FsyncPolicy(null);

  private final @Nullable Duration interval;

  private FsyncPolicy(@Nullable Duration interval) {
    this.interval = interval;
  }

  /**
   * Every batch is forced to the device before {@code write} returns.
   *
   * @return the policy
   */
  public static FsyncPolicy always() {
    return ALWAYS;
  }

  /**
   * Written records are forced to the device at most {@code interval} after the write, and on
   * flush.
   *
   * @param interval the longest time a written record stays unforced, positive
   * @return the policy
   */
  public static FsyncPolicy every(Duration interval) {
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException(
          "fsync interval must be positive, was "
              + interval
              + "; use FsyncPolicy.always() to sync every write");
    }
    return new FsyncPolicy(interval);
  }

  /**
   * Records are forced to the device only on flush and close.
   *
   * @return the policy
   */
  public static FsyncPolicy never() {
    return NEVER;
  }

  boolean syncsEveryWrite() {
    return this == ALWAYS;
  }

  /** The background sync interval, or {@code null} for always/never. */
  @Nullable Duration interval() {
    return this == ALWAYS ? null : interval;
  }

  @Override
  public String toString() {
    return this == ALWAYS
        ? "FsyncPolicy.always"
        : this == NEVER ? "FsyncPolicy.never" : "FsyncPolicy.every(" + interval + ")";
  }
}
