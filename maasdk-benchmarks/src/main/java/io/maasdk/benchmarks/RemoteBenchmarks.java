package io.maasdk.benchmarks;

import io.maasdk.BatchingPolicy;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.remote.GrpcBackend;
import io.maasdk.remote.GrpcServer;
import io.maasdk.remote.OipServer;
import io.maasdk.remote.RemoteBackend;
import io.maasdk.remote.TensorCodec;
import io.maasdk.spi.Backend;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code remote} group (issue 13): what calling a model through a maasdk endpoint on loopback
 * costs next to calling it in-process, measured in the same run, and how many calls fail while one
 * of three gRPC endpoints is killed.
 */
final class RemoteBenchmarks {
  private static final TensorCodec<float[]> IN = TensorCodec.floats("input");
  private static final TensorCodec<float[]> OUT = TensorCodec.floats("output");

  private RemoteBenchmarks() {}

  static List<BenchmarkSuite.Figure> run(Path benchModel) throws Exception {
    List<BenchmarkSuite.Figure> out = new ArrayList<>();
    out.add(loopbackAddedLatency());
    out.add(batchedThroughput(benchModel));
    out.add(failover());
    return out;
  }

  private static ModelRuntime runtime() {
    return ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build();
  }

  private static ModelSpec<float[], float[]> digits(String name, BatchingPolicy batching) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version("1.0.0")
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.0.0")))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .batching(batching)
        .warmup(new float[64])
        .build();
  }

  private static ModelSpec<float[], float[]> remote(
      String name, Backend backend, BatchingPolicy batching) {
    return ModelSpec.builder(name, float[].class, float[].class)
        .version("1.0.0")
        .backend(backend)
        .batching(batching)
        .build();
  }

  private static LoadGenerator.Result load(
      ModelHandle<float[], float[]> h, float[][] x, int callers) throws Exception {
    LoadGenerator.Result r =
        LoadGenerator.run(
            callers,
            BenchmarkSuite.WARMUP_S,
            BenchmarkSuite.MEASURE_S,
            c -> {
              h.predict(x[c % x.length]);
              return 1;
            });
    if (r.failures() > 0) {
      throw new IllegalStateException(r.failures() + " calls failed at " + callers + " callers");
    }
    return r;
  }

  /** One caller, digits MLP: gRPC endpoint on loopback minus local, mean per call; REST beside. */
  private static BenchmarkSuite.Figure loopbackAddedLatency() throws Exception {
    float[][] x = TestModels.digitsTestSet().features();
    try (ModelRuntime host = runtime();
        ModelRuntime caller = runtime()) {
      host.deploy(digits("digits-mlp", BatchingPolicy.disabled()));
      try (GrpcServer grpc = GrpcServer.builder(host).serve("digits-mlp", IN, OUT).start();
          OipServer rest = OipServer.builder(host).serve("digits-mlp", IN, OUT).start()) {
        caller.deploy(
            remote(
                "via-grpc",
                GrpcBackend.builder(URI.create("grpc://127.0.0.1:" + grpc.port()))
                    .model("digits-mlp")
                    .input(IN)
                    .output(OUT)
                    .build(),
                BatchingPolicy.disabled()));
        caller.deploy(
            remote(
                "via-rest",
                RemoteBackend.builder(URI.create("http://127.0.0.1:" + rest.port()))
                    .model("digits-mlp")
                    .input(IN)
                    .output(OUT)
                    .build(),
                BatchingPolicy.disabled()));
        ModelHandle<float[], float[]> local =
            host.handle("digits-mlp", "1.0.0", float[].class, float[].class);
        ModelHandle<float[], float[]> viaGrpc =
            caller.handle("via-grpc", "1.0.0", float[].class, float[].class);
        ModelHandle<float[], float[]> viaRest =
            caller.handle("via-rest", "1.0.0", float[].class, float[].class);
        // Interleaved twice, so that drift in the machine's speed touches all three alike.
        double localUs = 0;
        double grpcUs = 0;
        double restUs = 0;
        double localP50 = 0;
        double grpcP50 = 0;
        for (int round = 0; round < 2; round++) {
          LoadGenerator.Result l = load(local, x, 1);
          LoadGenerator.Result g = load(viaGrpc, x, 1);
          LoadGenerator.Result r = load(viaRest, x, 1);
          localUs += l.meanMs() * 500;
          grpcUs += g.meanMs() * 500;
          restUs += r.meanMs() * 500;
          localP50 += l.percentileMs(50) * 500;
          grpcP50 += g.percentileMs(50) * 500;
        }
        double added = grpcUs - localUs;
        return new BenchmarkSuite.Figure(
            "remote.loopback_added_latency.us",
            added,
            "us",
            localUs,
            null,
            "<= 150",
            String.format(
                Locale.ROOT,
                "one caller, digits MLP (64→10), mean per call over 2 interleaved rounds: local"
                    + " %.0f us, via the gRPC endpoint %.0f us (p50 %.0f vs %.0f us), via the"
                    + " REST endpoint %.0f us (+%.0f us); endpoint and caller share this"
                    + " machine's cores",
                localUs,
                grpcUs,
                grpcP50,
                localP50,
                restUs,
                restUs - localUs));
      }
    }
  }

  /** 64 callers, bench MLP: remote (batching on both sides, gRPC) vs local batched. */
  private static BenchmarkSuite.Figure batchedThroughput(Path benchModel) throws Exception {
    float[][] x = new float[256][512];
    Random rnd = new Random(42);
    for (float[] row : x) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (float) rnd.nextGaussian();
      }
    }
    BatchingPolicy batching = BatchingPolicy.of(BenchmarkSuite.BATCH, BenchmarkSuite.MAX_DELAY);
    try (ModelRuntime host = runtime();
        ModelRuntime caller = runtime()) {
      host.deploy(
          ModelSpec.builder("mlp512", float[].class, float[].class)
              .version("1.0.0")
              .source(ModelSource.file(benchModel))
              .translator(Codecs.floatVector(512))
              .devicePolicy(DevicePolicy.cpu())
              .batching(batching)
              .warmup(x[0])
              .build());
      try (GrpcServer grpc = GrpcServer.builder(host).serve("mlp512", IN, OUT).start()) {
        caller.deploy(
            remote(
                "mlp512-remote",
                GrpcBackend.builder(URI.create("grpc://127.0.0.1:" + grpc.port()))
                    .model("mlp512")
                    .input(IN)
                    .output(OUT)
                    .build(),
                batching));
        ModelHandle<float[], float[]> local =
            host.handle("mlp512", "1.0.0", float[].class, float[].class);
        ModelHandle<float[], float[]> viaGrpc =
            caller.handle("mlp512-remote", "1.0.0", float[].class, float[].class);
        double localIps = load(local, x, 64).itemsPerSecond();
        LoadGenerator.Result r = load(viaGrpc, x, 64);
        double ratio = r.itemsPerSecond() / localIps;
        return new BenchmarkSuite.Figure(
            "remote.batched_throughput.ratio",
            ratio,
            "ratio",
            localIps,
            ratio,
            ">= 0.7",
            String.format(
                Locale.ROOT,
                "64 callers, bench MLP, batching %d / %d ms on both sides: %.0f items/s through"
                    + " the gRPC endpoint on loopback (p99 %.1f ms) vs %.0f local; endpoint and"
                    + " caller share this machine's cores",
                BenchmarkSuite.BATCH,
                BenchmarkSuite.MAX_DELAY.toMillis(),
                r.itemsPerSecond(),
                r.percentileMs(99),
                localIps));
      }
    }
  }

  /** Three gRPC endpoints (child JVMs), 8 callers; one is killed mid-run, then comes back. */
  private static BenchmarkSuite.Figure failover() throws Exception {
    List<Child> children = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        children.add(Child.start(0));
      }
      GrpcBackend.Builder b =
          GrpcBackend.builder(children.get(0).uri())
              .model("digits-mlp")
              .input(IN)
              .output(OUT)
              .ejection(Duration.ofMillis(200), Duration.ofSeconds(1));
      b.endpoint(children.get(1).uri()).endpoint(children.get(2).uri());
      GrpcBackend backend = b.build();
      try (ModelRuntime caller = runtime()) {
        caller.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("1.0.0")
                .backend(backend)
                .replicas(3)
                .batching(BatchingPolicy.of(8, Duration.ofMillis(1)))
                .build());
        ModelHandle<float[], float[]> h =
            caller.handle("digits", "1.0.0", float[].class, float[].class);
        float[][] x = TestModels.digitsTestSet().features();
        CallOptions opts = CallOptions.builder().timeout(Duration.ofSeconds(20)).build();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<CompletableFuture<Void>> callers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int seed = t;
          callers.add(
              CompletableFuture.runAsync(
                  () -> {
                    for (int i = seed; !stop.get(); i += 8) {
                      try {
                        h.predict(x[i % x.length], opts);
                      } catch (RuntimeException e) {
                        failed.incrementAndGet();
                      }
                      calls.incrementAndGet();
                    }
                  },
                  r -> new Thread(r, "failover-caller-" + seed).start()));
        }
        Thread.sleep(2000);
        Child victim = children.get(1);
        victim.kill();
        long killedAt = System.nanoTime();
        Thread.sleep(2000);
        children.set(1, Child.start(victim.port));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!backend.endpointStatus().get(1).inRotation() && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        boolean readmitted = backend.endpointStatus().get(1).inRotation();
        double readmitS = (System.nanoTime() - killedAt) / 1e9;
        Thread.sleep(1000);
        stop.set(true);
        CompletableFuture.allOf(callers.toArray(new CompletableFuture<?>[0]))
            .get(60, TimeUnit.SECONDS);
        return new BenchmarkSuite.Figure(
            "remote.failover.failed_calls",
            failed.get(),
            "calls",
            null,
            null,
            "<= 0",
            String.format(
                Locale.ROOT,
                "three gRPC endpoints (child JVMs), 8 callers, %d calls; one endpoint killed"
                    + " (SIGKILL) 2 s in and restarted 2 s later: %s %.1f s after the kill",
                calls.get(),
                readmitted ? "re-admitted" : "NOT re-admitted",
                readmitS));
      }
    } finally {
      for (Child c : children) {
        c.close();
      }
    }
  }

  /** A child JVM hosting digits-mlp 1.0.0 behind a {@link GrpcServer} on loopback. */
  private record Child(Process process, int port) implements AutoCloseable {
    static Child start(int port) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
              java,
              "-Dai.djl.offline=true",
              "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
              "-Dai.djl.pytorch.num_threads=1",
              "-Dai.djl.pytorch.num_interop_threads=1",
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              RemoteBenchmarks.class.getName(),
              Integer.toString(port));
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      Process p = pb.start();
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<Integer> found =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("GRPC_PORT=")) {
                      return Integer.parseInt(line.substring(10).trim());
                    }
                  }
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                throw new IllegalStateException("the endpoint child ended without serving");
              });
      try {
        return new Child(p, found.get(120, TimeUnit.SECONDS));
      } catch (Exception e) {
        p.destroyForcibly();
        throw e;
      }
    }

    URI uri() {
      return URI.create("grpc://127.0.0.1:" + port);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws java.io.IOException {
      if (process.isAlive()) {
        process.getOutputStream().close();
        try {
          if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
          }
        } catch (InterruptedException e) {
          process.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** The endpoint child: serves until its standard input closes. Argument: the port (0: any). */
  public static void main(String[] args) throws Exception {
    try (ModelRuntime rt = runtime()) {
      rt.deploy(digits("digits-mlp", BatchingPolicy.of(16, Duration.ofMillis(1))));
      try (GrpcServer s =
          GrpcServer.builder(rt)
              .serve("digits-mlp", IN, OUT)
              .bind(
                  new InetSocketAddress(
                      InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])))
              .start()) {
        System.out.println("GRPC_PORT=" + s.port());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
          // serve until the parent closes our stdin (or dies)
        }
      }
    }
  }
}
