package io.maasdk.metrics;

import java.io.IOException;
import java.util.List;

/**
 * Where {@link Metering} delivers usage records. {@link Metering} calls a sink from its single
 * delivery thread only, so an implementation needs no locking of its own for that use; one shared
 * with other writers must be thread-safe.
 */
public interface UsageSink extends AutoCloseable {

  /**
   * Takes a batch of records, in the order the calls ended. A sink that throws loses that batch:
   * {@link Metering} counts its records in {@link Metering#failedRecords()} and logs it.
   */
  void write(List<UsageRecord> records) throws IOException;

  /** Makes everything written so far durable (as durable as this sink can). */
  default void flush() throws IOException {}

  @Override
  default void close() throws IOException {}
}
