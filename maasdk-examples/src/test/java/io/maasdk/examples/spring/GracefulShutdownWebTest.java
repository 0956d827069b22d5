package io.maasdk.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.testkit.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Closing the application while 16 clients keep calling {@code POST /predict}: every request the
 * server accepted is answered 200 (the web server finishes them, then the runtime drains), never a
 * 5xx; requests after the server stopped listening fail to connect, which is the client's to retry.
 */
class GracefulShutdownWebTest {

  @Test
  void closeUnderLoad_answersEveryAcceptedRequest_withoutA5xx() throws Exception {
    Path root = Files.createTempDirectory("maasdk-shutdown");
    TestModels.copy(TestModels.digitsResource("mlp", "2.0.0"),
        root.resolve("digits/2.0.0/model.pt"));
    ConfigurableApplicationContext ctx = SpringApplication.run(DigitsApplication.class,
        "--server.port=0", "--server.shutdown=graceful",
        "--spring.lifecycle.timeout-per-shutdown-phase=20s",
        "--maasdk.repository.root=" + root, "--maasdk.models.digits.input-length=64",
        "--maasdk.models.digits.batch-size=8", "--maasdk.aliases.digits.stable=2.0.0",
        "--maasdk.drain-timeout=10s", "--spring.main.banner-mode=off");
    String port = ctx.getEnvironment().getProperty("local.server.port");
    float[] pixels = TestModels.digitsTestSet().features()[0];
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < pixels.length; i++) {
      json.append(i == 0 ? "" : ",").append(pixels[i]);
    }
    String body = json.append(']').toString();

    int clients = 16;
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicLong notConnected = new AtomicLong();
    CountDownLatch warm = new CountDownLatch(clients * 5);
    CyclicBarrier start = new CyclicBarrier(clients);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(pool.submit(() -> {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/predict")).header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
        start.await(10, TimeUnit.SECONDS);
        int failuresInARow = 0;
        while (failuresInARow < 3) {
          try {
            int status = http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            warm.countDown();
            failuresInARow = 0;
          } catch (java.io.IOException e) { // refused or reset: never accepted
            notConnected.incrementAndGet();
            failuresInARow++;
          }
        }
        return null;
      }));
    }
    assertTrue(warm.await(60, TimeUnit.SECONDS), "clients never got going: " + statuses);
    ctx.close();
    pool.shutdown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    assertEquals(Map.of(200, statuses.get(200).get()).keySet(), statuses.keySet(),
        "only 200s, got " + statuses + " (" + notConnected + " not connected)");
    assertTrue(statuses.get(200).get() >= clients * 5);
  }
}
