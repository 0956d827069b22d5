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
   * {@link Metering} counts all its records in {@link Metering#failedRecords()}, logs it, and its
   * next {@link Metering#flush} throws. For that count to be exact, a sink that throws must have
   * kept none of the batch ({@link LedgerSink} writes all or nothing).
   *
   * @param records the batch, in the order the calls completed
   * @throws IOException if the batch could not be written
   */
  void write(List<UsageRecord> records) throws IOException;

  /**
   * Makes everything written so far durable (as durable as this sink can). In {@link
   * Metering.Builder#durable(boolean) durable mode} it is called after each group of records, and
   * the group's calls are released only when it returns.
   *
   * @throws IOException if that could not be done; durable-mode calls waiting for it then fail
   */
  default void flush() throws IOException {}

  @Override
  default void close() throws IOException {}
}
