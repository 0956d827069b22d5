package io.maasdk.quarkus.test.devmode;

import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import jakarta.inject.Singleton;

/**
 * Records, in a system property (it outlives the application's class loader), when a runtime is
 * being built ("start" with the maasdk- threads alive at that moment) and when one is closed (the
 * runtime closes its AutoCloseable listeners): ";start[...];close;start[...]".
 */
@Singleton
public class RuntimeLifecycleProbe implements InferenceListener, AutoCloseable {
  static final String EVENTS = "io.maasdk.quarkus.test.devmode.events";

  /** Created as the runtime is built: before its first replica or thread starts. */
  public RuntimeLifecycleProbe() {
    append(
        "start"
            + Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("maasdk-"))
                .sorted()
                .toList());
  }

  @Override
  public void onEvent(InferenceEvent event) {}

  @Override
  public void close() {
    append("close");
  }

  private static synchronized void append(String event) {
    System.setProperty(EVENTS, System.getProperty(EVENTS, "") + ";" + event);
  }
}
