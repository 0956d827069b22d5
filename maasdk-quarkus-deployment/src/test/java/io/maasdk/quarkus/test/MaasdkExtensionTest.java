package io.maasdk.quarkus.test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.QuotaExceededException;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.UsageRecord;
import io.maasdk.quarkus.MaasdkModel;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.maasdk.testkit.TestModels;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Quarkus application with the extension, quarkus-rest, quarkus-smallrye-health and
 * quarkus-micrometer (Prometheus): the digits models from a repository, aliases, CDI interceptor
 * and listener beans, a REST endpoint calling a {@code @MaasdkModel} handle; health, metrics, and
 * the runtime closed with no maasdk thread left once the application stops.
 */
class MaasdkExtensionTest {
  static final String CLOSED = "io.maasdk.quarkus.test.closed";

  /** A fresh ledger per run: budgets restore from what a ledger already holds. */
  static final Path LEDGER = Fixtures.freshDir("quarkus-ledger");

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withApplicationRoot(
              jar ->
                  jar.addClasses(
                      DigitsResource.class,
                      CountingInterceptor.class,
                      CloseProbe.class,
                      StartupProbe.class,
                      Specs.class,
                      Fixtures.class))
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits-mlp.input-length", "64")
          .overrideConfigKey("maasdk.aliases.digits-mlp.stable", "2.0.0")
          .overrideConfigKey("maasdk.aliases.digits-mlp.canary", "1.0.0=90,2.0.0=10")
          .overrideConfigKey("maasdk.drain-timeout", "2s")
          .overrideConfigKey("maasdk.metering.ledger-dir", LEDGER.toString())
          .overrideConfigKey("maasdk.metering.fsync", "always")
          .overrideConfigKey("maasdk.metering.durable", "true")
          .overrideConfigKey("maasdk.metering.meters.\"digits-*\"", "input-bytes")
          .overrideConfigKey("maasdk.metering.meters.digits-mlp", "per-call")
          .overrideConfigKey("maasdk.quotas.tenants.trial.unit-budget", "600")
          .overrideConfigKey("maasdk.quotas.tenants.payg.money-budget", "0.25")
          .overrideConfigKey("maasdk.pricing.currency", "EUR")
          .overrideConfigKey("maasdk.pricing.prices.\"digits-*\"", "0.40")
          .setBeforeAllCustomizer(() -> System.clearProperty(CLOSED))
          .setAfterUndeployListener(
              () -> {
                assertEquals(
                    "true",
                    System.getProperty(CLOSED),
                    "the runtime did not close its listeners: it was not closed at shutdown");
                assertEquals(List.of(), Fixtures.maasdkThreads(), "maasdk threads after shutdown");
              });

  /** A ModelSpec bean: deployed alongside the configured models. */
  @Singleton
  public static class Specs {
    @Produces
    @Singleton
    ModelSpec<float[], float[]> digitsCnn() {
      return ModelSpec.builder("digits-cnn", float[].class, float[].class)
          .version("1.0.0")
          .source(ModelSource.classpath(TestModels.digitsResource("cnn", "1.0.0")))
          .translator(Codecs.floatVector(64))
          .warmup(new float[64])
          .build();
    }
  }

  /** Counts calls: a CDI CallInterceptor bean the runtime must be built with. */
  @Singleton
  public static class CountingInterceptor implements CallInterceptor {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public void beforeCall(CallContext call) {
      calls.incrementAndGet();
    }
  }

  /** A CDI InferenceListener bean; the runtime closes it when it closes (ARC never would). */
  @Singleton
  public static class CloseProbe implements InferenceListener, AutoCloseable {
    final AtomicInteger events = new AtomicInteger();

    @Override
    public void onEvent(InferenceEvent event) {
      events.incrementAndGet();
    }

    @Override
    public void close() {
      System.setProperty(CLOSED, "true");
    }
  }

  /**
   * What was deployed when the application started, looked up without creating the runtime bean: it
   * exists only if the extension created it during startup.
   */
  @Singleton
  public static class StartupProbe {
    volatile int deployedAtStartup = -1;

    void onStart(@Observes StartupEvent e) {
      Bean<?> bean = Arc.container().beanManager().getBeans(ModelRuntime.class).iterator().next();
      ModelRuntime existing =
          (ModelRuntime) Arc.container().getActiveContext(Singleton.class).get(bean);
      deployedAtStartup = existing == null ? 0 : existing.deployments().size();
    }
  }

  @Inject ModelRuntime runtime;
  @Inject StartupProbe startup;
  @Inject CountingInterceptor interceptor;
  @Inject CloseProbe listener;

  @Inject
  @MaasdkModel(name = "digits-mlp", version = "canary")
  ModelHandle<float[], float[]> canary;

  @Inject
  @MaasdkModel(name = "digits-cnn", version = "1.0.0")
  ModelHandle<float[], float[]> cnn;

  @Test
  void runtimeIsCreatedAtStartup_withEveryVersionDeployed_andAliasesSet() {
    assertEquals(4, startup.deployedAtStartup);
    assertEquals(
        List.of("digits-cnn@1.0.0", "digits-mlp@1.0.0", "digits-mlp@1.1.0", "digits-mlp@2.0.0"),
        runtime.deployments().stream()
            .map(d -> d.modelName() + "@" + d.version())
            .sorted()
            .toList());
    assertArrayEquals(
        TestModels.expectedLogits("cnn", "1.0.0")[0],
        cnn.predict(TestModels.digitsTestSet().features()[0]),
        1e-4f);
    assertEquals(
        Version.parse("2.0.0"),
        runtime
            .handle("digits-mlp", "stable", float[].class, float[].class)
            .resolve(CallOptions.ofDefaults()));
    assertEquals("digits-mlp", canary.modelName());
  }

  @Test
  void predictThroughRest_usesTheStableVersion_andTheCdiInterceptorAndListener() {
    TestModels.DigitsTestSet set = TestModels.digitsTestSet();
    int before = interceptor.calls.get();
    int eventsBefore = listener.events.get();
    for (int i = 0; i < 3; i++) {
      String body =
          IntStream.range(0, 64)
              .mapToObj(j -> Float.toString(set.features()[0][j]))
              .collect(Collectors.joining(","));
      int expected = TestModels.argmax(TestModels.expectedLogits("mlp", "2.0.0")[0]);
      given()
          .contentType("text/plain")
          .body(body)
          .post("/digits")
          .then()
          .statusCode(200)
          .body(equalTo(expected + " 2.0.0"));
    }
    assertEquals(before + 3, interceptor.calls.get());
    assertTrue(listener.events.get() >= eventsBefore + 3, "listener saw the calls");
  }

  @Test
  void readiness_listsEveryVersion() {
    given()
        .get("/q/health/ready")
        .then()
        .statusCode(200)
        .body(containsString("\"status\": \"UP\""))
        .body(containsString("\"name\": \"maasdk\""))
        .body(containsString("\"digits-mlp@1.0.0\": \"UP\""))
        .body(containsString("\"digits-mlp@1.1.0\": \"UP\""))
        .body(containsString("\"digits-mlp@2.0.0\": \"UP\""))
        .body(containsString("\"digits-cnn@1.0.0\": \"UP\""));
  }

  @Test
  void meteringAndQuotas_fromConfiguration_recordIntoTheLedger_andRefusePastTheBudget()
      throws Exception {
    float[] x = TestModels.digitsTestSet().features()[0];
    for (String tenant : List.of("trial", "payg")) {
      CallOptions options = CallOptions.builder().tenant(tenant).build();
      // digits-cnn counts input bytes, 256 a call: unit budget 600 fits 2 calls; money budget
      // 0.25 EUR at 0.40 per 1,000 units (0.1024 a call) fits 2 calls too
      cnn.predict(x, options);
      cnn.predict(x, options);
      QuotaExceededException refused =
          assertThrows(QuotaExceededException.class, () -> cnn.predict(x, options), tenant);
      assertTrue(refused.getMessage().contains(tenant), refused.getMessage());
    }
    CallOptions unlimited = CallOptions.builder().tenant("unlimited").build();
    cnn.predict(x, unlimited);
    canary.predict(x, unlimited); // digits-mlp: its own name beats "digits-*", one unit a call
    // durable metering: a call returns only once its record is fsynced in the ledger
    List<UsageRecord> records = LedgerReader.read(LEDGER).records();
    for (String tenant : List.of("trial", "payg", "unlimited")) {
      List<Long> units =
          records.stream()
              .filter(
                  r -> tenant.equals(r.tenant()) && r.billable() && "digits-cnn".equals(r.model()))
              .map(UsageRecord::units)
              .toList();
      assertEquals(
          tenant.equals("unlimited") ? List.of(256L) : List.of(256L, 256L),
          units,
          tenant + ": " + records);
    }
    assertEquals(
        List.of(1L),
        records.stream()
            .filter(r -> "unlimited".equals(r.tenant()) && "digits-mlp".equals(r.model()))
            .map(UsageRecord::units)
            .toList(),
        records.toString());
  }

  @Test
  void metrics_showMaasdkMeters() {
    canary.predict(new float[64]);
    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    assertTrue(
        text.contains("maasdk_inference_requests_total"),
        text.length() > 2000 ? text.substring(0, 2000) : text);
    assertTrue(text.contains("maasdk_queue_depth"), "queue gauges are bound");
    assertTrue(text.contains("model=\"digits-mlp\""), "tagged by model");
    assertTrue(text.contains("maasdk_metering_records"), "the configured metering is bound");
  }
}
