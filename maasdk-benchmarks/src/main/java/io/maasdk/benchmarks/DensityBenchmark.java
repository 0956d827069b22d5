package io.maasdk.benchmarks;

import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.benchmarks.BenchmarkSuite.Figure;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A thousand models per JVM: 1,000 deployed digits versions (one replica each), then what they cost
 * while idle (threads, CPU, resident memory) and the latency of a call to a random one at low load.
 */
final class DensityBenchmark {
  private static final int VERSIONS = 1000;

  private DensityBenchmark() {}

  static List<Figure> run() throws Exception {
    Path model =
        TestModels.copy(
            TestModels.digitsResource("mlp", "2.0.0"), Path.of("target/bench/digits-mlp-2.0.0.pt"));
    float[][] inputs = TestModels.digitsTestSet().features();
    int cores = Runtime.getRuntime().availableProcessors();
    List<Figure> out = new ArrayList<>();
    try (ModelRuntime rt =
        ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      // one version first, so engine start-up and its threads are in the baseline
      rt.deploy(spec(model, 0, inputs[0]));
      rt.handle("digits", "1.0.0", float[].class, float[].class).predictAsync(inputs[0]).join();
      Thread.sleep(3000); // its worker ends once idle
      var os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      double idleCpu0 = idleCpuPercent(os); // the same JVM with one version: the baseline
      int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
      long rss0 = BenchmarkSuite.rssBytes();
      long t0 = System.nanoTime();
      for (int v = 1; v < VERSIONS; v++) {
        rt.deploy(spec(model, v, inputs[0]));
      }
      double deploySeconds = (System.nanoTime() - t0) / 1e9;
      // A burst: one call to every version through the queue (async), so each replica needs a
      // worker at once. The JVM's peak thread count over the burst is what it cost.
      var mx = ManagementFactory.getThreadMXBean();
      int threadsBefore = mx.getThreadCount();
      mx.resetPeakThreadCount();
      List<java.util.concurrent.CompletableFuture<float[]>> all = new ArrayList<>();
      for (int v = 0; v < VERSIONS; v++) {
        all.add(handle(rt, v).predictAsync(inputs[v % inputs.length]));
      }
      all.forEach(java.util.concurrent.CompletableFuture::join);
      int threadsBusy = mx.getPeakThreadCount();
      Thread.sleep(3000);
      System.gc();
      long rss1 = BenchmarkSuite.rssBytes();
      int threads1 = ManagementFactory.getThreadMXBean().getThreadCount();

      Thread.sleep(2000); // let the JIT finish what the burst of calls queued
      double idleCpu = idleCpuPercent(os);

      // low load: one caller, a random version per call, synchronous (runs inline when idle)
      SplittableRandom rnd = new SplittableRandom(42);
      int calls = 5000;
      long[] lat = new long[calls];
      for (int i = 0; i < calls + 500; i++) {
        int v = rnd.nextInt(VERSIONS);
        long s = System.nanoTime();
        handle(rt, v).predict(inputs[i % inputs.length]);
        if (i >= 500) {
          lat[i - 500] = System.nanoTime() - s;
        }
      }
      Arrays.sort(lat);
      double p50 = lat[calls / 2] / 1e6;
      double p99 = lat[(int) (calls * 0.99)] / 1e6;

      // The figure counts the burst's peak, not only what idle versions hold: replica workers
      // come from a shared pool bounded by 4 x cores (at least 8), so neither grows with versions.
      int added = Math.max(threadsBusy - threadsBefore, threads1 - threads0);
      out.add(
          new Figure(
              "density.threads_per_1000_versions",
              added,
              "threads",
              null,
              null,
              "<= " + (4 * cores + 8),
              String.format(
                  Locale.ROOT,
                  "JVM threads added, at the peak of"
                      + " a burst of one asynchronous call to each of %d digits versions (1 replica each),"
                      + " over the count before it: %d before the burst, peak %d during it, %d once idle"
                      + " again (%d with 1 version deployed); %d cores",
                  VERSIONS,
                  threadsBefore,
                  threadsBusy,
                  threads1,
                  threads0,
                  cores)));
      out.add(
          new Figure(
              "density.idle_cpu.percent",
              idleCpu,
              "%",
              idleCpu0,
              null,
              "< 1",
              String.format(
                  Locale.ROOT,
                  "process CPU time over 10 s wall with 1,000 idle versions"
                      + " deployed, as %% of one core; baseline: the same JVM with 1 version, %.2f %%",
                  idleCpu0)));
      double rssPer = (rss1 - rss0) / 1048576.0 / (VERSIONS - 1);
      out.add(
          new Figure(
              "density.rss_per_version.mb",
              rssPer,
              "MiB",
              null,
              null,
              "",
              String.format(
                  Locale.ROOT,
                  "resident memory growth over %d digits versions"
                      + " (64->128->10 MLP, TorchScript): %.0f -> %.0f MiB; deployed in %.1f s",
                  VERSIONS - 1,
                  rss0 / 1048576.0,
                  rss1 / 1048576.0,
                  deploySeconds)));
      out.add(
          new Figure(
              "density.random_version_p99.ms",
              p99,
              "ms",
              null,
              null,
              "",
              String.format(
                  Locale.ROOT,
                  "one caller, synchronous, a random one of %d versions per"
                      + " call, %d calls: p50 %.3f ms",
                  VERSIONS,
                  calls,
                  p50)));
    }
    return out;
  }

  /** The process's CPU time over 10 s of wall time, as a percentage of one core. */
  private static double idleCpuPercent(com.sun.management.OperatingSystemMXBean os)
      throws InterruptedException {
    long cpu0 = os.getProcessCpuTime();
    long w0 = System.nanoTime();
    Thread.sleep(10_000);
    return 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - w0);
  }

  private static ModelHandle<float[], float[]> handle(ModelRuntime rt, int v) {
    return rt.handle("digits", "1.0." + v, float[].class, float[].class);
  }

  private static ModelSpec<float[], float[]> spec(Path model, int v, float[] warm) {
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version("1.0." + v)
        .source(ModelSource.file(model))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .batching(BatchingPolicy.of(8, java.time.Duration.ofMillis(1)))
        .replicas(1) // the figure is about one replica
        .warmup(warm)
        .build();
  }
}
