package io.maasdk.examples.spring;

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
 * server accepted is answered, never with a 5xx (the web server finishes them, then the runtime
 * drains), and no maasdk exception reaches the controller. Requests after the server stopped
 * listening fail to connect, which is the client's to retry.
 *
 * <p>Why not "only 200s": once in a few runs on Boot 3.5 (Tomcat 10.1.48) one answer was {@code
 * 400} ({@code {400=1, 200=99}}). Its body was Tomcat's own bare HTML error page with {@code
 * Connection: close}, dated in the last second before Tomcat stopped; not the JSON (with the
 * message) that Spring's error handling writes for an exception in the application. So Tomcat's
 * connector itself rejected a request that arrived on a keep-alive connection while graceful
 * shutdown had paused the connector; it never reached the application and is the client's to retry,
 * like a refused connection. The test records any exception that does reach Spring MVC.
 */
class GracefulShutdownWebTest {
  /** Every exception a controller threw, with its causes, as MVC saw it. */
  static final List<String> DIAG = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Records every exception that reaches Spring MVC, then lets MVC handle it as usual. */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class ExceptionLog {
    @org.springframework.context.annotation.Bean
    org.springframework.web.servlet.HandlerExceptionResolver recordingResolver() {
      return new org.springframework.web.servlet.HandlerExceptionResolver() {
        @Override
        public org.springframework.web.servlet.ModelAndView resolveException(
            jakarta.servlet.http.HttpServletRequest req,
            jakarta.servlet.http.HttpServletResponse res,
            Object handler,
            Exception ex) {
          StringBuilder b = new StringBuilder(ex.toString());
          for (Throwable c = ex.getCause(); c != null; c = c.getCause()) {
            b.append(" <- ").append(c);
          }
          DIAG.add(b.toString());
          return null;
        }
      };
    }
  }

  @Test
  void closeUnderLoad_answersEveryAcceptedRequest_withoutA5xx() throws Exception {
    Path root = Files.createTempDirectory("maasdk-shutdown");
    TestModels.copy(
        TestModels.digitsResource("mlp", "2.0.0"), root.resolve("digits/2.0.0/model.pt"));
    DIAG.clear();
    ConfigurableApplicationContext ctx =
        SpringApplication.run(
            new Class<?>[] {DigitsApplication.class, ExceptionLog.class},
            new String[] {
              "--server.port=0",
              "--server.shutdown=graceful",
              "--spring.lifecycle.timeout-per-shutdown-phase=20s",
              "--maasdk.repository.root=" + root,
              "--maasdk.models.digits.input-length=64",
              "--maasdk.models.digits.batch-size=8",
              "--maasdk.aliases.digits.stable=2.0.0",
              "--maasdk.drain-timeout=10s",
              "--spring.main.banner-mode=off",
              "--server.error.include-message=always",
              "--server.error.include-exception=true"
            });
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
    List<String> others = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch warm = new CountDownLatch(clients * 5);
    CyclicBarrier start = new CyclicBarrier(clients);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(
          pool.submit(
              () -> {
                HttpClient http =
                    HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                HttpRequest req =
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/predict"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
                start.await(10, TimeUnit.SECONDS);
                int failuresInARow = 0;
                while (failuresInARow < 3) {
                  try {
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    int status = r.statusCode();
                    statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                    if (status != 200) {
                      others.add(status + " " + r.headers().map() + " " + r.body());
                    }
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
    String seen =
        statuses
            + " ("
            + notConnected
            + " not connected); not 200: "
            + others
            + "; exceptions in the application: "
            + DIAG;
    // Accepted requests are answered, never with a 5xx. A request on a keep-alive connection that
    // Tomcat's graceful shutdown refuses can be a 4xx from the connector itself (an HTML page with
    // Connection: close, no exception in the application), as a refused connection can be an
    // IOException: both are the client's to retry elsewhere.
    assertTrue(statuses.keySet().stream().allMatch(s -> s < 500), "a 5xx: " + seen);
    // and maasdk never refused a request the web server had accepted: it drains after the server
    assertTrue(DIAG.stream().noneMatch(e -> e.contains("io.maasdk")), "maasdk refused: " + seen);
    assertTrue(statuses.get(200).get() >= clients * 5);
  }
}
