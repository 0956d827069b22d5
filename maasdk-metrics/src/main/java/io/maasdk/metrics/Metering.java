package io.maasdk.metrics;

import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every call into one {@link UsageRecord} and delivers the records, asynchronously and in
 * order, to {@link UsageSink}s. Register it as a listener on the runtime:
 *
 * <pre>{@code
 * Metering metering = Metering.builder()
 *     .meters(UsageMeters.builder().meter("digits-*", UsageMeter.items()).build())
 *     .sink(LedgerSink.open(Path.of("ledger"), FsyncPolicy.every(Duration.ofMillis(100))))
 *     .build();
 * ModelRuntime runtime = ModelRuntime.builder().listener(metering).build();
 * }</pre>
 *
 * <p><b>Buffer policy.</b> Records wait in a bounded buffer ({@link Builder#bufferCapacity}) for the
 * delivery thread. When it is full the listener blocks the calling thread for at most {@link
 * Builder#offerTimeout} (default 5 ms), then drops the record, counts it in {@link
 * #droppedRecords()} (also the meter {@code maasdk.metering.dropped}) and logs a warning at most
 * every 10 s. A record is never lost silently: every call is either delivered, counted as dropped,
 * or counted as failed (a sink threw).
 *
 * <p><b>Thread safety and lifecycle.</b> Thread-safe. It starts one daemon delivery thread when
 * built. {@link #flush} waits until every record accepted before it reached the sinks and they were
 * flushed. {@link #close()} delivers what is buffered, flushes and closes the sinks; close the
 * runtime first so no call ends after it (those are counted as dropped).
 */
public final class Metering implements InferenceListener, MeterBinder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Metering.class);
  private static final int MAX_BATCH = 512;
  private static final Object STOP = new Object();

  private final UsageMeters meters;
  private final List<UsageSink> sinks;
  // Records and control items (flush, stop) in order; records are bounded by the semaphore.
  private final BlockingQueue<Object> buffer = new LinkedBlockingQueue<>();
  private final Semaphore room;
  private final int capacity;
  private final long offerTimeoutNanos;
  private final Thread delivery;
  private final String idPrefix;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong lastDropWarn = new AtomicLong(System.nanoTime() - 20_000_000_000L);
  private volatile boolean closed;

  private Metering(Builder b) {
    if (b.sinks.isEmpty()) {
      throw new IllegalStateException("Metering needs at least one sink");
    }
    this.meters = b.meters;
    this.sinks = List.copyOf(b.sinks);
    this.capacity = b.capacity;
    this.room = new Semaphore(b.capacity);
    this.offerTimeoutNanos = b.offerTimeout.toNanos();
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.idPrefix = String.format("%016x-", new java.math.BigInteger(1, random));
    this.delivery = new Thread(this::deliverLoop, "maasdk-metering");
    delivery.setDaemon(true);
    delivery.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The record metering makes of {@code event}, with a fresh id. */
  UsageRecord toRecord(InferenceEvent e) {
    long units = e.outcome().isSuccess() ? meters.units(e.modelName(), e.input()) : 0;
    return new UsageRecord(
        idPrefix + Long.toHexString(sequence.incrementAndGet()),
        e.timestamp(),
        e.tenant(),
        e.modelName(),
        e.version() == null ? null : e.version().toString(),
        units,
        e.cacheHit(),
        e.outcome(),
        e.totalNanos());
  }

  @Override
  public void onEvent(InferenceEvent event) {
    UsageRecord record;
    try {
      record = toRecord(event);
    } catch (RuntimeException ex) {
      failed.incrementAndGet();
      LOG.warn("UsageMeter for {} failed; call not metered (counted as failed)",
          event.modelName(), ex);
      return;
    }
    boolean queued = false;
    if (!closed) {
      try {
        queued = room.tryAcquire(offerTimeoutNanos, TimeUnit.NANOSECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    if (queued) {
      buffer.add(record);
      accepted.incrementAndGet();
    } else {
      long n = dropped.incrementAndGet();
      long now = System.nanoTime();
      long last = lastDropWarn.get();
      if (now - last > 10_000_000_000L && lastDropWarn.compareAndSet(last, now)) {
        LOG.warn("metering buffer full (capacity {}) or closed: {} usage record(s) dropped so far;"
            + " raise bufferCapacity or use a faster sink", capacity, n);
      }
    }
  }

  /**
   * Waits until every record accepted before this call has been written to the sinks and the sinks
   * flushed.
   *
   * @throws java.io.UncheckedIOException if a sink's flush failed
   * <p>After {@link #close()} (which a {@code ModelRuntime} that this metering is registered with
   * calls when it closes) there is nothing left to flush: close delivered and flushed every record,
   * and this returns at once.
   *
   * @throws IllegalStateException if it did not finish within {@code timeout}
   */
  public void flush(Duration timeout) {
    if (closed) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      buffer.add(done);
      done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while flushing metering", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("metering flush did not finish within " + timeout, e);
    } catch (ExecutionException e) {
      throw new java.io.UncheckedIOException(
          "a usage sink failed to flush", e.getCause() instanceof java.io.IOException io
              ? io : new java.io.IOException(e.getCause()));
    }
  }

  /** Records accepted into the buffer so far. */
  public long acceptedRecords() {
    return accepted.get();
  }

  /** Records dropped because the buffer stayed full (or metering was closed). */
  public long droppedRecords() {
    return dropped.get();
  }

  /** Records lost because a meter or a sink threw. */
  public long failedRecords() {
    return failed.get();
  }

  /** Records waiting in the buffer now. */
  public int buffered() {
    return capacity - room.availablePermits();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("maasdk.metering.records", accepted, AtomicLong::get)
        .description("usage records accepted for delivery").register(registry);
    FunctionCounter.builder("maasdk.metering.dropped", dropped, AtomicLong::get)
        .description("usage records dropped because the buffer was full").register(registry);
    FunctionCounter.builder("maasdk.metering.failed", failed, AtomicLong::get)
        .description("usage records lost because a meter or sink failed").register(registry);
    Gauge.builder("maasdk.metering.buffer.size", this, Metering::buffered)
        .description("usage records waiting for delivery").register(registry);
  }

  private void deliverLoop() {
    List<Object> batch = new ArrayList<>(MAX_BATCH);
    List<UsageRecord> records = new ArrayList<>(MAX_BATCH);
    boolean stop = false;
    while (!stop) {
      try {
        batch.add(buffer.take());
      } catch (InterruptedException e) {
        continue; // only close() stops this thread, with STOP
      }
      buffer.drainTo(batch, MAX_BATCH - 1);
      for (Object item : batch) {
        if (item instanceof UsageRecord r) {
          room.release();
          records.add(r);
          continue;
        }
        write(records);
        if (item == STOP) {
          stop = true;
        } else {
          @SuppressWarnings("unchecked")
          CompletableFuture<Void> flushDone = (CompletableFuture<Void>) item;
          try {
            for (UsageSink sink : sinks) {
              sink.flush();
            }
            flushDone.complete(null);
          } catch (Exception e) {
            flushDone.completeExceptionally(e);
          }
        }
      }
      write(records);
      batch.clear();
    }
  }

  private void write(List<UsageRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    List<UsageRecord> view = List.copyOf(records);
    records.clear();
    for (UsageSink sink : sinks) {
      try {
        sink.write(view);
      } catch (Exception e) {
        failed.addAndGet(view.size());
        LOG.error("usage sink {} failed; {} record(s) not written to it",
            sink.getClass().getSimpleName(), view.size(), e);
      }
    }
  }

  /** Delivers what is buffered, flushes and closes the sinks, stops the delivery thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    boolean interrupted = false;
    buffer.add(STOP);
    while (true) {
      try {
        delivery.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    // A call that ended while close() ran may have queued behind STOP: deliver it too.
    List<Object> rest = new ArrayList<>();
    buffer.drainTo(rest);
    List<UsageRecord> late = new ArrayList<>();
    for (Object item : rest) {
      if (item instanceof UsageRecord r) {
        late.add(r);
      }
    }
    write(late);
    for (UsageSink sink : sinks) {
      try {
        sink.flush();
        sink.close();
      } catch (Exception e) {
        LOG.error("usage sink {} failed to close", sink.getClass().getSimpleName(), e);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Configures {@link Metering}. */
  public static final class Builder {
    private UsageMeters meters = UsageMeters.perCall();
    private final List<UsageSink> sinks = new ArrayList<>();
    private int capacity = 65_536;
    private Duration offerTimeout = Duration.ofMillis(5);

    private Builder() {}

    /** How units are counted per model; default one per call. */
    public Builder meters(UsageMeters meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /** Adds a sink; every record goes to every sink. At least one is required. */
    public Builder sink(UsageSink sink) {
      sinks.add(Objects.requireNonNull(sink, "sink"));
      return this;
    }

    /** How many records may wait for delivery; default 65,536. */
    public Builder bufferCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("bufferCapacity must be >= 1, was " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /** How long a call's thread may wait for room in a full buffer before the record is dropped. */
    public Builder offerTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("offerTimeout must not be negative, was " + timeout);
      }
      this.offerTimeout = timeout;
      return this;
    }

    public Metering build() {
      return new Metering(this);
    }
  }
}
