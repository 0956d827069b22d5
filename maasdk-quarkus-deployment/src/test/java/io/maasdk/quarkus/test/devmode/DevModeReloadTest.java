package io.maasdk.quarkus.test.devmode;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.maasdk.testkit.TestModels;
import io.quarkus.test.QuarkusDevModeTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dev mode ({@code quarkus:dev}'s hot reload): the application's REST resource is edited three
 * times; each edit reloads the application on the next request. Every reload closes the old runtime
 * before the new one is built (no maasdk- thread is alive when it is), leaves no maasdk- thread
 * behind, and the reloaded application predicts correctly with the digits models. The reload times
 * (edit to first answer, which includes compiling the edit and deploying and warming the three
 * digits-mlp versions) are printed and written to target/devmode-reload-times.txt.
 */
class DevModeReloadTest {
  /** The digits models on disk, as in the other tests (the repository root is absolute). */
  static final Path REPOSITORY =
      TestModels.writeDigitsRepository(Path.of("target", "quarkus-test-models").toAbsolutePath());

  static final int PORT = freePort();

  @RegisterExtension
  static final QuarkusDevModeTest DEV =
      new QuarkusDevModeTest()
          .withApplicationRoot(
              jar ->
                  jar.addClasses(DevModeResource.class, RuntimeLifecycleProbe.class)
                      .addAsResource(
                          new StringAsset(
                              String.join(
                                  "\n",
                                  "quarkus.http.port=" + PORT,
                                  "quarkus.live-reload.instrumentation=false",
                                  "maasdk.repository.root=" + REPOSITORY,
                                  "maasdk.models.digits-mlp.input-length=64",
                                  "maasdk.aliases.digits-mlp.stable=2.0.0",
                                  "maasdk.drain-timeout=2s",
                                  "")),
                          "application.properties"));

  @Test
  void editingTheApplication_reloadsIt_closingTheOldRuntimeFirst_withoutLeakingThreads() {
    String pixels =
        IntStream.range(0, 64)
            .mapToObj(j -> Float.toString(TestModels.digitsTestSet().features()[0][j]))
            .collect(Collectors.joining(","));
    int label = TestModels.argmax(TestModels.expectedLogits("mlp", "2.0.0")[0]);

    assertEquals(label + " 2.0.0 generation-0", classify(pixels));
    int threads = maasdkThreads().size();
    List<Long> reloadMillis = new ArrayList<>();
    for (int generation = 1; generation <= 3; generation++) {
      String from = "generation-" + (generation - 1);
      String to = "generation-" + generation;
      DEV.modifySourceFile(DevModeResource.class, s -> s.replace(from, to));
      long start = System.nanoTime();
      String answer = classify(pixels); // the request that finds the edit and reloads
      reloadMillis.add((System.nanoTime() - start) / 1_000_000);
      assertEquals(label + " 2.0.0 " + to, answer, "after reload " + generation);
      assertEquals(
          threads,
          maasdkThreads().size(),
          "maasdk- threads after reload " + generation + ": " + maasdkThreads());
    }

    // every runtime but the last was closed before the next was built, with no maasdk- thread left
    assertEquals(
        ";start[];close;start[];close;start[];close;start[]",
        System.getProperty(RuntimeLifecycleProbe.EVENTS));
    String report =
        "dev-mode reload (edit to first answer, digits-mlp 1.0.0/1.1.0/2.0.0): "
            + reloadMillis
            + " ms";
    System.out.println(report);
    try {
      Files.writeString(Path.of("target", "devmode-reload-times.txt"), report + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String classify(String pixels) {
    return given()
        .port(PORT)
        .contentType("text/plain")
        .body(pixels)
        .post("/dev-digits")
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  private static List<String> maasdkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("maasdk-"))
        .sorted()
        .toList();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
