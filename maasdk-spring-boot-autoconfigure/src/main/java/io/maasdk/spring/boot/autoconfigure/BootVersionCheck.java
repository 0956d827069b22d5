package io.maasdk.spring.boot.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootVersion;

/** Refuses Spring Boot lines the starter is not built and tested for. Stateless. */
final class BootVersionCheck {
  private static final Logger LOG = LoggerFactory.getLogger(BootVersionCheck.class);

  /** The {@code major.minor} lines supported, for the message. */
  static final String SUPPORTED = "3.5.x and 4.0.x";

  private BootVersionCheck() {}

  /** Checks the running Spring Boot. */
  static void verifyRunning() {
    verify(SpringBootVersion.getVersion());
  }

  /**
   * Passes for 3.5.x and 4.0.x; an unknown version (a repackaged Boot without its manifest) only
   * logs a warning.
   *
   * @throws IllegalStateException naming the running and the supported versions otherwise
   */
  static void verify(String version) {
    if (version == null || version.isBlank()) {
      LOG.warn(
          "maasdk: cannot tell which Spring Boot version runs; the starter supports {}", SUPPORTED);
      return;
    }
    if (version.startsWith("3.5.") || version.startsWith("4.0.")) {
      return;
    }
    throw new IllegalStateException(
        "maasdk-spring-boot-starter supports Spring Boot "
            + SUPPORTED
            + "; this application runs Spring Boot "
            + version
            + ". Use a supported Spring Boot, or"
            + " build the ModelRuntime yourself and set maasdk.enabled=false");
  }
}
