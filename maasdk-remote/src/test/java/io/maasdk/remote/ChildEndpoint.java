package io.maasdk.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A child JVM running {@link DigitsEndpointMain}: the other process of the two-process tests. */
final class ChildEndpoint implements AutoCloseable {
  final Process process;
  final int port;

  /** The gRPC endpoint's port, {@code -1} when the child serves REST only. */
  final int grpcPort;

  private ChildEndpoint(Process process, int port, int grpcPort) {
    this.process = process;
    this.port = port;
    this.grpcPort = grpcPort;
  }

  /**
   * Starts a child that also serves gRPC on loopback {@code grpcPort} (0: any), every call delayed
   * by {@code delayMs}.
   */
  static ChildEndpoint startWithGrpc(String versions, int grpcPort, long delayMs) throws Exception {
    return start(versions, 0, Integer.toString(grpcPort), delayMs);
  }

  URI grpcUri() {
    return URI.create("grpc://127.0.0.1:" + grpcPort);
  }

  /**
   * Starts a child hosting {@code versions} of digits-mlp (comma-separated; all when empty) on
   * loopback {@code port} (0: any), and waits until it serves.
   */
  static ChildEndpoint start(String versions, int port) throws Exception {
    return start(versions, port, "-", 0);
  }

  private static ChildEndpoint start(String versions, int port, String grpcPort, long delayMs)
      throws Exception {
    Path log = Path.of("target", "oip-child-" + System.nanoTime() + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Dai.djl.offline=true",
            "-Dai.djl.disable_usage_tracking=true",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1",
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            DigitsEndpointMain.class.getName(),
            versions,
            Integer.toString(port),
            grpcPort,
            Long.toString(delayMs));
    pb.redirectError(log.toFile());
    Process p = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    int[] grpc = {-1};
    CompletableFuture<Integer> found =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                for (String line; (line = out.readLine()) != null; ) {
                  if (line.startsWith("GRPC_PORT=")) {
                    grpc[0] = Integer.parseInt(line.substring(10).trim());
                  }
                  if (line.startsWith("OIP_PORT=")) {
                    return Integer.parseInt(line.substring(9).trim());
                  }
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              throw new IllegalStateException("the child ended without serving; see " + log);
            });
    try {
      int rest = found.get(120, TimeUnit.SECONDS);
      return new ChildEndpoint(p, rest, grpc[0]);
    } catch (Exception e) {
      p.destroyForcibly();
      throw e;
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Kills the process at once, as a crash would (no graceful shutdown). */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException {
    if (process.isAlive()) {
      process.getOutputStream().close(); // the child serves until its stdin closes
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
