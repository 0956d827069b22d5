package io.maasdk.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps every record in memory, for tests, examples and small in-process reports. Thread-safe;
 * unbounded, so not for long-running production use.
 */
public final class InMemoryUsageSink implements UsageSink {
  private final List<UsageRecord> records = new ArrayList<>();

  /** An empty sink. */
  public InMemoryUsageSink() {}

  @Override
  public synchronized void write(List<UsageRecord> batch) {
    records.addAll(batch);
  }

  /**
   * A copy of every record received so far.
   *
   * @return the records, in the order received
   */
  public synchronized List<UsageRecord> records() {
    return List.copyOf(records);
  }
}
