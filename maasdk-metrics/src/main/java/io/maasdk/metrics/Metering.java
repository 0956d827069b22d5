package io.maasdk.metrics;

import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.ReleaseGate;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
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
 * <p><b>Buffer policy.</b> Records wait in a bounded buffer ({@link Builder#bufferCapacity}) for
 * the delivery thread. When it is full the listener blocks the calling thread for at most {@link
 * Builder#offerTimeout} (default 5 ms), then drops the record, counts it in {@link
 * #droppedRecords()} (also the meter {@code maasdk.metering.dropped}) and logs a warning at most
 * every 10 s. A record is never lost silently: every call is either delivered, counted as dropped,
 * or counted as failed (a sink threw).
 *
 * <p><b>Asynchronous mode (the default): the window of loss.</b> A call's result is released as
 * soon as its record is in the buffer. A process crash ({@code kill -9}) loses the records accepted
 * but not yet written to the sinks: at most the buffer plus the batch being written, counted by
 * {@link #pendingRecords()} (meter {@code maasdk.metering.pending}). Records a {@link LedgerSink}
 * has written survive a process crash; an OS crash or power loss also loses those written but not
 * yet fsynced, at most the {@link FsyncPolicy} interval's worth, counted by {@link
 * #unsyncedRecords()} (meter {@code maasdk.metering.unsynced}). Nothing else is at risk.
 *
 * <p><b>Durable mode</b> ({@link Builder#durable(boolean)}). A call that produced an output
 * (computed or a cache hit) is released to its caller only after its usage record has been written
 * to every sink and every sink was flushed (for a {@link LedgerSink}: fsynced), so a crash can
 * never lose the record of a call whose result a caller received. Commits are grouped: the delivery
 * thread writes and flushes everything queued while the previous flush ran as one batch, so
 * concurrent calls share one fsync; when part of an engine batch's calls have arrived it waits up
 * to 0.5 ms for the rest, so one engine batch costs one fsync. If the record cannot be made durable
 * (buffer full past {@link Builder#offerTimeout}, metering closed, a sink's write or flush failed)
 * the call fails with a {@link io.maasdk.MaasdkException} instead of returning a result whose use
 * was not recorded. Calls that produce no output (refused, failed, …) are recorded as usual but
 * never wait. Dependent actions of a caller's future may run on the delivery thread: keep them
 * short, or use the {@code *Async} variants. Use {@code FsyncPolicy.always()} for the ledger in
 * this mode: each group is still one fsync, and a failed fsync then also rolls the group back, so
 * it is counted exactly.
 *
 * <p><b>Failures.</b> {@link #failedRecords()} counts exactly the records that a meter or a sink
 * could not take (a {@link LedgerSink} write is all or nothing). {@link #flush} throws when any
 * record failed since the previous flush, or a sink could not flush.
 *
 * <p><b>Thread safety and lifecycle.</b> Thread-safe. It starts one daemon delivery thread when
 * built. {@link #flush} waits until every record accepted before it reached the sinks and they were
 * flushed. {@link #close()} delivers what is buffered, flushes and closes the sinks; close the
 * runtime first so no call ends after it (those are counted as dropped).
 */
public final class Metering implements InferenceListener, ReleaseGate, MeterBinder, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Metering.class);
  private static final int MAX_BATCH = 512;
  private static final Object STOP = new Object();

  /** The longest durable mode waits for the rest of an engine batch before committing a group. */
  private static final long LINGER_NANOS = 500_000;

  private static final CompletableFuture<Void> RELEASED = CompletableFuture.completedFuture(null);

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

  /** Records whose write to the sinks was attempted (succeeded or failed). */
  private final AtomicLong settled = new AtomicLong();

  /** Failed records not yet reported by a {@link #flush}. */
  private final AtomicLong failedSinceFlush = new AtomicLong();

  private final boolean durable;

  /** Durable mode: the record onEvent just queued for a success on this thread, for the gate. */
  private final ThreadLocal<@Nullable Pending> lastQueued = new ThreadLocal<>();

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
    this.durable = b.durable;
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.idPrefix = String.format("%016x-", new java.math.BigInteger(1, random));
    this.delivery = new Thread(this::deliverLoop, "maasdk-metering");
    delivery.setDaemon(true);
    delivery.start();
  }

  /**
   * A builder with the defaults each of its methods names; give at least one sink.
   *
   * @return a new builder
   */
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
        e.totalNanos(),
        meters.extraUnits(e));
  }

  /** A record that a call in durable mode waits for: done when it is durable in every sink. */
  private static final class Pending {
    final InferenceEvent event;
    final UsageRecord record;
    final CompletableFuture<Void> durable = new CompletableFuture<>();

    Pending(InferenceEvent event, UsageRecord record) {
      this.event = event;
      this.record = record;
    }
  }

  /**
   * Whether calls wait for their record to be durable ({@link Builder#durable(boolean)}).
   *
   * @return {@code true} in durable mode
   */
  public boolean isDurable() {
    return durable;
  }

  @Override
  public void onEvent(InferenceEvent event) {
    if (durable) {
      lastQueued.remove();
    }
    UsageRecord record;
    try {
      record = toRecord(event);
    } catch (RuntimeException ex) {
      failed.incrementAndGet();
      failedSinceFlush.incrementAndGet();
      LOG.warn(
          "UsageMeter for {} failed; call not metered (counted as failed)", event.modelName(), ex);
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
      accepted.incrementAndGet();
      if (durable && event.outcome().isSuccess()) {
        Pending p = new Pending(event, record);
        lastQueued.set(p);
        buffer.add(p);
      } else {
        buffer.add(record);
      }
    } else {
      long n = dropped.incrementAndGet();
      long now = System.nanoTime();
      long last = lastDropWarn.get();
      if (now - last > 10_000_000_000L && lastDropWarn.compareAndSet(last, now)) {
        LOG.warn(
            "metering buffer full (capacity {}) or closed: {} usage record(s) dropped so far;"
                + " raise bufferCapacity or use a faster sink",
            capacity,
            n);
      }
    }
  }

  /**
   * In durable mode, a stage that completes when {@code event}'s record is durable in every sink
   * (or fails, with the reason, when it cannot be); in asynchronous mode, or for a call without
   * output, a completed stage. Called by the runtime after the listeners; see {@link ReleaseGate}.
   */
  @Override
  public CompletionStage<?> beforeRelease(InferenceEvent event) {
    if (!durable || !event.outcome().isSuccess()) {
      return RELEASED;
    }
    Pending p = lastQueued.get();
    if (p != null && p.event == event) {
      lastQueued.remove();
      return p.durable;
    }
    return CompletableFuture.failedFuture(
        new IOException(
            "the usage record of this call to "
                + event.modelName()
                + " could not be queued (metering buffer full for "
                + Duration.ofNanos(offerTimeoutNanos)
                + ", metering closed, or its UsageMeter failed);"
                + " in durable mode no result is released without a durable record"));
  }

  /**
   * Waits until every record accepted before this call has been written to the sinks and the sinks
   * flushed.
   *
   * <p>After {@link #close()} (which a {@code ModelRuntime} that this metering is registered with
   * calls when it closes) there is nothing left to write: close delivered every record, and this
   * only reports records that failed since the previous flush.
   *
   * @param timeout the longest wait
   * @throws java.io.UncheckedIOException if a sink's flush failed, or records failed (a meter or a
   *     sink threw) since the previous flush: those records are not in the sinks; the message says
   *     how many
   * @throws IllegalStateException if it did not finish within {@code timeout}
   */
  public void flush(Duration timeout) {
    if (closed) {
      long lost = failedSinceFlush.getAndSet(0);
      if (lost > 0) {
        throw new java.io.UncheckedIOException(
            new java.io.IOException(
                lost + " usage records failed (a meter or a sink threw) and are not in the sinks"));
      }
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
          "a usage sink failed to flush",
          e.getCause() instanceof java.io.IOException io
              ? io
              : new java.io.IOException(e.getCause()));
    }
  }

  /**
   * Records accepted into the buffer so far.
   *
   * @return the number of records accepted
   */
  public long acceptedRecords() {
    return accepted.get();
  }

  /**
   * Records dropped because the buffer stayed full (or metering was closed).
   *
   * @return the number of records dropped
   */
  public long droppedRecords() {
    return dropped.get();
  }

  /**
   * Records lost because a meter or a sink threw.
   *
   * @return the number of records lost
   */
  public long failedRecords() {
    return failed.get();
  }

  /**
   * Records waiting in the buffer now.
   *
   * @return the number of buffered records
   */
  public int buffered() {
    return capacity - room.availablePermits();
  }

  /**
   * Records accepted but not yet written to the sinks (buffered, or in the batch being written):
   * what a process crash would lose in asynchronous mode.
   *
   * @return the number of records not yet written to every sink
   */
  public long pendingRecords() {
    return Math.max(0, accepted.get() - settled.get());
  }

  /**
   * Records written to a {@link LedgerSink} but not yet fsynced ({@link
   * LedgerSink#unsyncedRecords()}, summed over the ledger sinks): what an OS crash or power loss
   * would lose on top of {@link #pendingRecords()}.
   *
   * @return the number of written records not yet forced to the device
   */
  public long unsyncedRecords() {
    long n = 0;
    for (UsageSink sink : sinks) {
      if (sink instanceof LedgerSink ledger) {
        n += ledger.unsyncedRecords();
      }
    }
    return n;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    FunctionCounter.builder("maasdk.metering.records", accepted, AtomicLong::get)
        .description("usage records accepted for delivery")
        .register(registry);
    FunctionCounter.builder("maasdk.metering.dropped", dropped, AtomicLong::get)
        .description("usage records dropped because the buffer was full")
        .register(registry);
    FunctionCounter.builder("maasdk.metering.failed", failed, AtomicLong::get)
        .description("usage records lost because a meter or sink failed")
        .register(registry);
    Gauge.builder("maasdk.metering.buffer.size", this, Metering::buffered)
        .description("usage records waiting for delivery")
        .register(registry);
    Gauge.builder("maasdk.metering.pending", this, Metering::pendingRecords)
        .description(
            "usage records accepted but not yet written to the sinks (lost if the"
                + " process crashes)")
        .register(registry);
    Gauge.builder("maasdk.metering.unsynced", this, Metering::unsyncedRecords)
        .description(
            "usage records written to the ledger but not yet fsynced (lost if the"
                + " machine crashes)")
        .register(registry);
  }

  private void deliverLoop() {
    List<Object> batch = new ArrayList<>(MAX_BATCH);
    List<UsageRecord> records = new ArrayList<>(MAX_BATCH);
    List<Pending> waiting = new ArrayList<>();
    boolean stop = false;
    while (!stop) {
      try {
        batch.add(buffer.take());
      } catch (InterruptedException e) {
        continue; // only close() stops this thread, with STOP
      }
      buffer.drainTo(batch, MAX_BATCH - 1);
      if (durable) {
        linger(batch);
      }
      for (Object item : batch) {
        if (item instanceof UsageRecord r) {
          room.release();
          records.add(r);
          continue;
        }
        if (item instanceof Pending p) {
          room.release();
          records.add(p.record);
          waiting.add(p);
          continue;
        }
        commit(records, waiting);
        if (item == STOP) {
          stop = true;
        } else {
          @SuppressWarnings("unchecked")
          CompletableFuture<Void> flushDone = (CompletableFuture<Void>) item;
          try {
            for (UsageSink sink : sinks) {
              sink.flush();
            }
            long lost = failedSinceFlush.getAndSet(0);
            if (lost > 0) {
              throw new IOException(
                  lost
                      + " usage record(s) could not be written to a sink since"
                      + " the previous flush (counted in failedRecords()); they are not in it");
            }
            flushDone.complete(null);
          } catch (Exception e) {
            flushDone.completeExceptionally(e);
          }
        }
      }
      commit(records, waiting);
      batch.clear();
    }
  }

  /**
   * Durable mode: the calls of one engine batch end together, and their events arrive one by one.
   * While the group holds only part of an engine batch (its events share the model, version, batch
   * size and batch time), waits a little — at most {@link #LINGER_NANOS} — for the rest, so the
   * whole engine batch shares one fsync instead of two.
   */
  private void linger(List<Object> batch) {
    Map<List<Object>, Integer> missing = null;
    for (Object item : batch) {
      missing = expect(missing, item);
    }
    if (missing == null || missing.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + LINGER_NANOS;
    while (missing != null && !missing.isEmpty() && batch.size() < MAX_BATCH) {
      long left = deadline - System.nanoTime();
      Object next;
      try {
        next = left <= 0 ? null : buffer.poll(left, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        return; // only close() stops this thread, with STOP
      }
      if (next == null) {
        return;
      }
      batch.add(next);
      if (!(next instanceof UsageRecord) && !(next instanceof Pending)) {
        return; // a flush or stop: deal with it now
      }
      missing = expect(missing, next);
    }
  }

  /**
   * Counts {@code item} against its engine batch in {@code missing}: how many are still to come.
   */
  private static @Nullable Map<List<Object>, Integer> expect(
      @Nullable Map<List<Object>, Integer> missing, Object item) {
    if (!(item instanceof Pending p) || p.event.batchSize() <= 1) {
      return missing;
    }
    InferenceEvent e = p.event;
    List<Object> key =
        List.of(e.modelName(), String.valueOf(e.version()), e.batchSize(), e.inferenceNanos());
    Map<List<Object>, Integer> m = missing == null ? new HashMap<>() : missing;
    int left = m.getOrDefault(key, e.batchSize()) - 1;
    if (left <= 0) {
      m.remove(key);
    } else {
      m.put(key, left);
    }
    return m;
  }

  /**
   * Writes {@code records}; in durable mode with calls waiting, flushes the sinks (one fsync for
   * the whole group) and then releases the waiting calls, or fails them.
   */
  private void commit(List<UsageRecord> records, List<Pending> waiting) {
    @Nullable Exception failure = write(records);
    if (waiting.isEmpty()) {
      return;
    }
    if (failure == null) {
      try {
        for (UsageSink sink : sinks) {
          sink.flush();
        }
      } catch (Exception e) {
        failure = e;
        LOG.error(
            "usage sink flush failed ({}); {} call(s) waiting for a durable record fail",
            e.toString(),
            waiting.size());
      }
    }
    for (Pending p : waiting) {
      if (failure == null) {
        p.durable.complete(null);
      } else {
        p.durable.completeExceptionally(
            new IOException(
                "the usage record of this call to "
                    + p.record.model()
                    + " could not be made durable: "
                    + failure,
                failure));
      }
    }
    waiting.clear();
  }

  /** Writes the batch to every sink; returns the first sink failure, if any. */
  private @Nullable Exception write(List<UsageRecord> records) {
    if (records.isEmpty()) {
      return null;
    }
    List<UsageRecord> view = List.copyOf(records);
    records.clear();
    Exception first = null;
    for (UsageSink sink : sinks) {
      try {
        sink.write(view);
      } catch (Exception e) {
        failed.addAndGet(view.size());
        failedSinceFlush.addAndGet(view.size());
        first = first == null ? e : first;
        LOG.error(
            "usage sink {} failed; {} record(s) not written to it ({})",
            sink.getClass().getSimpleName(),
            view.size(),
            e.toString());
      }
    }
    settled.addAndGet(view.size());
    return first;
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
    List<Pending> waiting = new ArrayList<>();
    for (Object item : rest) {
      if (item instanceof UsageRecord r) {
        late.add(r);
      } else if (item instanceof Pending p) {
        late.add(p.record);
        waiting.add(p);
      } else if (item instanceof CompletableFuture<?> f) {
        f.completeExceptionally(new IllegalStateException("metering closed"));
      }
    }
    commit(late, waiting);
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
    private UsageMeters meters = UsageMeters.ofDefaults();
    private final List<UsageSink> sinks = new ArrayList<>();
    private int capacity = 65_536;
    private Duration offerTimeout = Duration.ofMillis(5);
    private boolean durable;

    private Builder() {}

    /**
     * Durable mode: when {@code true}, a call's result is released only after its usage record is
     * durable in every sink, with group commit (see the class comment). Default {@code false}:
     * asynchronous, with the window of loss the class comment describes.
     *
     * @param durable whether calls wait for their record to be durable
     * @return this builder
     */
    public Builder durable(boolean durable) {
      this.durable = durable;
      return this;
    }

    /**
     * How units are counted per model; default one per call.
     *
     * @param meters how units are counted
     * @return this builder
     */
    public Builder meters(UsageMeters meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /**
     * Adds a sink; every record goes to every sink. At least one is required.
     *
     * @param sink a sink
     * @return this builder
     */
    public Builder sink(UsageSink sink) {
      sinks.add(Objects.requireNonNull(sink, "sink"));
      return this;
    }

    /**
     * How many records may wait for delivery; default 65,536.
     *
     * @param capacity the most records waiting
     * @return this builder
     */
    public Builder bufferCapacity(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("bufferCapacity must be >= 1, was " + capacity);
      }
      this.capacity = capacity;
      return this;
    }

    /**
     * How long a call's thread may wait for room in a full buffer before the record is dropped.
     *
     * @param timeout the longest wait for room
     * @return this builder
     */
    public Builder offerTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("offerTimeout must not be negative, was " + timeout);
      }
      this.offerTimeout = timeout;
      return this;
    }

    /**
     * Builds metering and starts its delivery thread; add it to the runtime as a listener.
     *
     * @return the running metering
     */
    public Metering build() {
      return new Metering(this);
    }
  }
}
