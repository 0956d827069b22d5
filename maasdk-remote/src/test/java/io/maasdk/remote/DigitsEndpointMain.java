package io.maasdk.remote;

import io.maasdk.AliasTarget;
import io.maasdk.BatchingPolicy;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * The other process of the two-process tests: hosts the testkit's digits models ({@code digits-mlp}
 * 1.0.0, 1.1.0, 2.0.0; alias {@code stable} → 1.1.0) behind an {@link OipServer} on loopback,
 * prints {@code OIP_PORT=<port>}, and serves until its standard input closes. Arguments (optional):
 * the versions to host, comma-separated, and the port; then, for the gRPC tests, the port of a
 * {@link GrpcServer} to start too ({@code -} for none; it prints {@code GRPC_PORT=<port>} first)
 * and a delay in milliseconds added to every call (a slow endpoint).
 */
public final class DigitsEndpointMain {
  private DigitsEndpointMain() {}

  /** Request bodies over this many bytes are refused (the oversized-body test). */
  static final long MAX_REQUEST_BYTES = 256 * 1024;

  /**
   * Hosts the models until standard input closes.
   *
   * @param args versions, port, gRPC port and per-call delay, as the class comment describes
   * @throws Exception if the models cannot be deployed or a server cannot start
   */
  public static void main(String[] args) throws Exception {
    long delayMs = args.length > 3 ? Long.parseLong(args[3]) : 0;
    ModelRuntime.Builder rb = ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly());
    if (delayMs > 0) {
      rb.interceptor(
          ctx -> {
            try {
              Thread.sleep(delayMs); // a slow endpoint: every call waits before it is queued
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    try (ModelRuntime rt = rb.build()) {
      List<String> versions =
          args.length > 0 && !args[0].isEmpty()
              ? List.of(args[0].split(","))
              : TestModels.DIGITS_MLP_VERSIONS;
      int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
      for (String v : versions) {
        rt.deploy(spec(v).build());
      }
      if (versions.contains("1.1.0")) {
        rt.setAlias("digits-mlp", "stable", AliasTarget.of(Version.parse("1.1.0")));
      }
      GrpcServer grpc = null;
      if (args.length > 2 && !args[2].equals("-")) {
        grpc =
            GrpcServer.builder(rt)
                .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
                .bind(
                    new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), Integer.parseInt(args[2])))
                .start();
        System.out.println("GRPC_PORT=" + grpc.port());
      }
      try (OipServer server =
          OipServer.builder(rt)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .maxRequestBytes(MAX_REQUEST_BYTES)
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
              .start()) {
        System.out.println("OIP_PORT=" + server.port());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
          // serve until the parent closes our stdin (or dies)
        }
      } finally {
        if (grpc != null) {
          grpc.close();
        }
      }
    }
  }

  static ModelSpec.Builder<float[], float[]> spec(String version) {
    return ModelSpec.builder("digits-mlp", float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.digitsResource("mlp", version)))
        .translator(Codecs.floatVector(64))
        .devicePolicy(DevicePolicy.cpu())
        .batching(BatchingPolicy.of(16, Duration.ofMillis(2)))
        .warmup(new float[64]);
  }
}
