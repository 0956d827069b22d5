package io.maasdk.metrics;

import io.maasdk.DevicePolicy;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceEvent.Outcome;
import io.maasdk.testkit.TestModels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Shared test fixtures: the echo model, a settable clock, a barrier-started thread pool. */
final class Fixtures {
  private Fixtures() {}

  static ModelRuntime.Builder runtimeBuilder() {
    return ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly());
  }

  /** {@code [4] -> [5]}: x*2 and the batch size. */
  static ModelSpec<float[], float[]> echo(String name) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath(TestModels.resource("echo")))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .queueCapacity(512)
        .build();
  }

  static InferenceEvent event(String tenant, String model, Outcome outcome, Object input) {
    return new InferenceEvent(
        Instant.parse("2026-11-23T10:00:00Z"),
        tenant,
        model,
        io.maasdk.Version.parse("1.0.0"),
        "cpu()",
        input,
        null,
        1_000,
        2_000,
        1,
        false,
        outcome,
        null);
  }

  /**
   * Runs {@code task(threadIndex)} on {@code threads} threads released together by a barrier;
   * returns their results in thread order, rethrowing any failure.
   */
  static <T> List<T> concurrently(int threads, ThrowingFunction<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int index = i;
        futures.add(
            pool.submit(
                () -> {
                  start.await(30, java.util.concurrent.TimeUnit.SECONDS);
                  return task.apply(index);
                }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  interface ThrowingFunction<T> {
    T apply(int index) throws Exception;
  }

  /** A clock the test moves by hand; {@link #nanoTime()} moves with it. */
  static final class TestClock extends Clock {
    private final Instant base;
    private final AtomicLong nanos = new AtomicLong();

    TestClock(Instant base) {
      this.base = base;
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    long nanoTime() {
      return nanos.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return base.plusNanos(nanos.get());
    }
  }
}
