package io.maasdk.metrics;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child JVM for {@link MeteringCrashTest}: serves the echo model to 8 caller threads with metering
 * in the mode named by {@code args[1]} ({@code durable} or {@code async}) into the ledger in {@code
 * args[0]}, until killed. The disk is slow (each write of the ledger takes 20 ms more), so that
 * records wait in the buffer as they would behind a busy disk. Each call has its own tenant {@code
 * c<n>}; after a call returns its result the child prints {@code served c<n>}.
 */
public final class DurableMeteringCrashChild {
  private DurableMeteringCrashChild() {}

  /**
   * Runs the child until it is killed.
   *
   * @param args the ledger directory and the metering mode
   * @throws Exception if the runtime cannot start
   */
  public static void main(String[] args) throws Exception {
    boolean durable = args[1].equals("durable");
    LedgerSink ledger =
        LedgerSink.open(
            Path.of(args[0]),
            durable ? FsyncPolicy.always() : FsyncPolicy.every(java.time.Duration.ofMillis(100)));
    UsageSink slowDisk =
        new UsageSink() {
          @Override
          public void write(java.util.List<UsageRecord> records) throws java.io.IOException {
            try {
              Thread.sleep(20); // the device's latency, not a synchronisation
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            ledger.write(records);
          }

          @Override
          public void flush() throws java.io.IOException {
            ledger.flush();
          }
        };
    Metering metering = Metering.builder().sink(slowDisk).durable(durable).build();
    ModelRuntime runtime = Fixtures.runtimeBuilder().listener(metering).build();
    runtime.deploy(Fixtures.echo("echo"));
    ModelHandle<float[], float[]> echo =
        runtime.handle("echo", "latest", float[].class, float[].class);
    AtomicLong calls = new AtomicLong();
    for (int t = 0; t < 8; t++) {
      Thread caller =
          new Thread(
              () -> {
                while (true) {
                  String tenant = "c" + calls.incrementAndGet();
                  echo.predict(new float[4], CallOptions.builder().tenant(tenant).build());
                  synchronized (System.out) {
                    System.out.println("served " + tenant);
                    System.out.flush();
                  }
                }
              });
      caller.start();
    }
    Thread.currentThread().join(); // until killed
  }
}
