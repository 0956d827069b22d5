package io.maasdk.benchmarks;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A quick look at the batching ladder for profiling (not part of the suite): the bench MLP with
 * batching 32 / 2 ms, closed-loop callers at each count given, plus a raw DJL Predictor on one
 * thread. For each point it prints items/s, latencies, the mean batch, the share of calls that
 * ended on a caller's thread, and per thread group the CPU time and voluntary/involuntary context
 * switches per item (from {@code /proc/self/task}, sampled inside the measured window): the
 * measured causes behind the batching figures' notes (issue #17). Arguments: seconds per point
 * (default 2), then caller counts (default 1 4 16 64 256). Attach a profiler with JVM options, e.g.
 * {@code -XX:StartFlightRecording=filename=p.jfr}. Run it with the module's classpath.
 */
public final class ServingProbe {
  private ServingProbe() {}

  private static final java.util.concurrent.atomic.LongAdder BATCHED =
      new java.util.concurrent.atomic.LongAdder();
  private static final java.util.concurrent.atomic.LongAdder EVENTS =
      new java.util.concurrent.atomic.LongAdder();
  private static final java.util.concurrent.atomic.LongAdder ON_CALLER =
      new java.util.concurrent.atomic.LongAdder();

  private static final java.util.concurrent.atomic.AtomicLong EVENTS_AT =
      new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.AtomicLong BATCHED_AT =
      new java.util.concurrent.atomic.AtomicLong();
  private static final java.util.concurrent.atomic.AtomicLong ON_CALLER_AT =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Per thread group (by OS name, digits folded): CPU ticks, voluntary and involuntary switches.
   */
  public static Map<String, long[]> threads() throws java.io.IOException {
    Map<String, long[]> out = new java.util.TreeMap<>();
    try (var dirs = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        try {
          String stat = java.nio.file.Files.readString(d.resolve("stat"));
          String comm =
              stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                  .replaceAll("[0-9]+", "#");
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          long vol = 0;
          long invol = 0;
          for (String l : java.nio.file.Files.readAllLines(d.resolve("status"))) {
            if (l.startsWith("voluntary_ctxt_switches")) {
              vol = Long.parseLong(l.replaceAll("\\D", ""));
            } else if (l.startsWith("nonvoluntary_ctxt_switches")) {
              invol = Long.parseLong(l.replaceAll("\\D", ""));
            }
          }
          long[] a = out.computeIfAbsent(comm, k -> new long[3]);
          a[0] += ticks;
          a[1] += vol;
          a[2] += invol;
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
    int[] callers =
        args.length > 1
            ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 4, 16, 64, 256};
    Path file = TestModels.writeBenchMlp(Path.of("target/bench/mlp512.pt"));
    float[][] inputs = new float[256][512];
    Random r = new Random(42);
    for (float[] x : inputs) {
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
    }
    try (Model m = Model.newInstance("raw", Device.cpu(), "PyTorch");
        ModelRuntime rt =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .listener(
                    e -> {
                      BATCHED.add(e.batchSize());
                      EVENTS.increment();
                      if (Thread.currentThread().getName().startsWith("bench-caller")) {
                        ON_CALLER.increment();
                      }
                    })
                .build()) {
      m.load(file.getParent(), "mlp512", Map.of());
      rt.deploy(
          ModelSpec.builder("mlp512", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.file(file))
              .translator(Codecs.floatVector(512))
              .devicePolicy(DevicePolicy.cpu())
              .batching(BatchingPolicy.of(BenchmarkSuite.BATCH, BenchmarkSuite.MAX_DELAY))
              .replicas(1) // the figure is about one replica
              .warmup(inputs[0])
              .build());
      ModelHandle<float[], float[]> h = rt.handle("mlp512", "1.0.0", float[].class, float[].class);
      try (Predictor<float[], float[]> p = m.newPredictor(Codecs.floatVector(512))) {
        point(
            "raw1",
            1,
            seconds,
            c -> {
              p.predict(inputs[c % inputs.length]);
              return 1;
            });
      }
      for (int n : callers) {
        point(
            "callers " + n,
            n,
            seconds,
            c -> {
              h.predict(inputs[c % inputs.length]);
              return 1;
            });
      }
    }
  }

  private static void point(String label, int n, double seconds, LoadGenerator.Call call)
      throws Exception {
    // snapshots inside the measured window, while the caller threads are alive
    java.util.concurrent.atomic.AtomicReference<Map<String, long[]>> first =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<Map<String, long[]>> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong items = new java.util.concurrent.atomic.AtomicLong();
    LoadGenerator.Call counted =
        c -> {
          int k = call.run(c);
          items.addAndGet(k);
          return k;
        };
    Thread snap =
        new Thread(
            () -> {
              try {
                Thread.sleep(1200);
                first.set(threads());
                long i0 = items.get();
                BATCHED.reset();
                EVENTS.reset();
                ON_CALLER.reset();
                Thread.sleep((long) (seconds * 1000) - 400);
                last.set(threads());
                EVENTS_AT.set(EVENTS.sum());
                BATCHED_AT.set(BATCHED.sum());
                ON_CALLER_AT.set(ON_CALLER.sum());
                ITEMS_AT.set(items.get() - i0);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            },
            "probe-snap");
    snap.start();
    LoadGenerator.Result res = LoadGenerator.run(n, 1, seconds, counted);
    snap.join();
    Map<String, long[]> before = first.get();
    Map<String, long[]> after = last.get();
    double events = EVENTS_AT.get();
    double perK = ITEMS_AT.get() / 1000.0;
    StringBuilder b = new StringBuilder();
    long[] sum = new long[3];
    for (Map.Entry<String, long[]> e : after.entrySet()) {
      long[] a = e.getValue();
      long[] z = before.getOrDefault(e.getKey(), new long[3]);
      for (int i = 0; i < 3; i++) {
        sum[i] += a[i] - z[i];
      }
      if (a[0] - z[0] > 0 || a[1] - z[1] > 10) {
        b.append(
            String.format(
                Locale.ROOT,
                " %s %.0f/%.2f+%.2f;",
                e.getKey(),
                (a[0] - z[0]) * 10 / perK,
                (a[1] - z[1]) / perK / 1000,
                (a[2] - z[2]) / perK / 1000));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s: %.0f items/s p50 %.2f p99 %.2f ms; mean batch %.2f,"
            + " %.0f%% on a caller's thread; CPU %.0f us/item, switches %.2f vol + %.2f invol /item%n"
            + "   by thread (CPU us/item, vol+invol switches/item):%s%n",
        label,
        res.itemsPerSecond(),
        res.percentileMs(50),
        res.percentileMs(99),
        BATCHED_AT.get() / Math.max(1, events),
        100.0 * ON_CALLER_AT.get() / Math.max(1, events),
        sum[0] * 10 / perK,
        sum[1] / perK / 1000,
        sum[2] / perK / 1000,
        b);
  }

  private static final java.util.concurrent.atomic.AtomicLong ITEMS_AT =
      new java.util.concurrent.atomic.AtomicLong();
}
