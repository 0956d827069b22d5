package io.maasdk.quarkus.test;

import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import java.util.List;

/** The digits models on disk, shared by this module's tests (written once per JVM). */
final class Fixtures {
  /** {@code digits-mlp/{1.0.0,1.1.0,2.0.0}/model.pt} and {@code digits-cnn/1.0.0/model.pt}. */
  static final Path REPOSITORY =
      TestModels.writeDigitsRepository(Path.of("target", "quarkus-test-models").toAbsolutePath());

  private Fixtures() {}

  /**
   * A folder under target/ unique to this JVM: the same from both class loaders that load a
   * QuarkusUnitTest's class (the test's and the application's), new for every run.
   */
  static Path freshDir(String prefix) {
    Path dir = Path.of("target", prefix + "-" + ProcessHandle.current().pid()).toAbsolutePath();
    try {
      return java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Live threads named {@code maasdk-…}. */
  static List<String> maasdkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("maasdk-"))
        .sorted()
        .toList();
  }

  /** The failure's message and its causes', for asserting on a startup failure. */
  static String messages(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      b.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
    }
    return b.toString();
  }
}
