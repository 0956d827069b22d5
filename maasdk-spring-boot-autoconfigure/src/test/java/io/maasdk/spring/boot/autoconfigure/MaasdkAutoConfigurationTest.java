package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Prediction;
import io.maasdk.Version;
import io.maasdk.codec.Codecs;
import io.maasdk.metrics.MaasdkMetrics;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.StartupDeployer;
import io.maasdk.spring.boot.MaasdkModel;
import io.maasdk.spring.boot.ModelRuntimeBuilderCustomizer;
import io.maasdk.testkit.TestModels;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

class MaasdkAutoConfigurationTest {

  @TempDir static Path tmp;
  static Path repository;
  static float[] sample;
  static int sampleLabel;

  @BeforeAll
  static void models() {
    repository = TestModels.writeDigitsRepository(tmp.resolve("models"));
    TestModels.DigitsTestSet set = TestModels.digitsTestSet();
    sample = set.features()[0];
    sampleLabel = set.labels()[0];
  }

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MaasdkAutoConfiguration.class,
                  MaasdkMetricsAutoConfiguration.class,
                  MaasdkBoot3HealthAutoConfiguration.class,
                  MaasdkBoot4HealthAutoConfiguration.class,
                  MaasdkEndpointAutoConfiguration.class))
          .withPropertyValues("maasdk.drain-timeout=2s");

  private ApplicationContextRunner withDigitsFromRepository() {
    return runner.withPropertyValues(
        "maasdk.repository.root=" + repository,
        "maasdk.models.digits-mlp.input-length=64",
        "maasdk.aliases.digits-mlp.stable=2.0.0",
        "maasdk.aliases.digits-mlp.canary=1.0.0=90,2.0.0=10");
  }

  /** A bean that needs a deployed model in its constructor. */
  static final class DigitsClient {
    final Prediction<float[]> first;

    DigitsClient(
        @MaasdkModel(name = "digits-mlp", version = "stable")
            ModelHandle<float[], float[]> digits) {
      this.first = digits.predictDetailed(sample, CallOptions.ofDefaults());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class ClientConfig {
    @Bean
    DigitsClient digitsClient(
        @MaasdkModel(name = "digits-mlp", version = "stable")
            ModelHandle<float[], float[]> digits) {
      return new DigitsClient(digits);
    }
  }

  @Test
  void modelsAndAliasesFromProperties_areServingBeforeABeanGetsItsHandle() {
    withDigitsFromRepository()
        .withUserConfiguration(ClientConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              Prediction<float[]> p = ctx.getBean(DigitsClient.class).first;
              assertEquals(Version.parse("2.0.0"), p.version());
              assertEquals(sampleLabel, TestModels.argmax(p.output()));
              assertArrayEquals(TestModels.expectedLogits("mlp", "2.0.0")[0], p.output());
              ModelRuntime runtime = ctx.getBean(ModelRuntime.class);
              assertEquals(3, runtime.deployments().size());
              assertEquals(
                  AliasTarget.split(Map.of(Version.parse("1.0.0"), 90, Version.parse("2.0.0"), 10)),
                  runtime.aliases("digits-mlp").get("canary"));
            });
  }

  private static void assertArrayEquals(float[] expected, float[] actual) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual, 1e-4f);
  }

  @Configuration(proxyBeanMethods = false)
  static class SpecConfig {
    @Bean
    ModelSpec<float[], float[]> digitsSpec() {
      return ModelSpec.builder("digits", float[].class, float[].class)
          .version("1.1.0")
          .source(ModelSource.classpath(TestModels.digitsResource("mlp", "1.1.0")))
          .translator(Codecs.floatVector(64))
          .warmup(new float[64])
          .build();
    }

    /** Field injection, in a bean created before anything asked for the runtime. */
    @Bean
    FieldClient fieldClient() {
      return new FieldClient();
    }
  }

  static final class FieldClient {
    @org.springframework.beans.factory.annotation.Autowired
    @MaasdkModel(name = "digits", version = "^1.0")
    ModelHandle<float[], float[]> digits;
  }

  @Test
  void modelSpecBean_isDeployed_andInjectableIntoAField() {
    runner
        .withUserConfiguration(SpecConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              ModelHandle<float[], float[]> h = ctx.getBean(FieldClient.class).digits;
              assertEquals(Version.parse("1.1.0"), h.resolve(CallOptions.ofDefaults()));
              assertArrayEquals(TestModels.expectedLogits("mlp", "1.1.0")[0], h.predict(sample));
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class ByTypeConfig {
    @Bean
    Holder byType(ModelHandle<float[], float[]> digits) {
      return new Holder(digits);
    }
  }

  record Holder(ModelHandle<float[], float[]> handle) {}

  @Test
  void handleWithoutAnnotation_isTheOneModelOfThoseTypes_atLatest() {
    withDigitsFromRepository()
        .withUserConfiguration(ByTypeConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              ModelHandle<float[], float[]> h = ctx.getBean(Holder.class).handle();
              assertEquals("digits-mlp", h.modelName());
              assertEquals(Version.parse("2.0.0"), h.resolve(CallOptions.ofDefaults()));
            });
  }

  @Test
  void handleWithoutAnnotation_whenTwoModelsHaveThoseTypes_failsNamingBoth() {
    withDigitsFromRepository()
        .withUserConfiguration(ByTypeConfig.class)
        .withPropertyValues("maasdk.models.digits-cnn.input-length=64")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("[digits-cnn, digits-mlp]")
                  .hasMessageContaining("@MaasdkModel");
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class WrongTypesConfig {
    @Bean
    Object wrongTypes(@MaasdkModel(name = "digits-mlp") ModelHandle<String, float[]> h) {
      return h;
    }
  }

  @Test
  void handleWithTheWrongTypes_failsStartup_namingTheModelsTypes() {
    withDigitsFromRepository()
        .withUserConfiguration(WrongTypesConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining(
                      "digits-mlp takes float[] -> float[], not String -> float[]");
            });
  }

  /** Closed only by the runtime: Spring is told not to close it. */
  static final class CloseProbe implements InferenceListener, AutoCloseable {
    final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public void onEvent(InferenceEvent event) {}

    @Override
    public void close() {
      closed.set(true);
    }
  }

  static final CloseProbe PROBE_FAILED_DEPLOY = new CloseProbe();
  static final CloseProbe PROBE_LATER_FAILURE = new CloseProbe();

  @Configuration(proxyBeanMethods = false)
  static class BrokenModelConfig {
    @Bean(destroyMethod = "")
    CloseProbe probe() {
      return PROBE_FAILED_DEPLOY;
    }

    @Bean
    ModelSpec<float[], float[]> broken() throws IOException {
      Path file = Files.writeString(tmp.resolve("broken.pt"), "not a TorchScript file");
      return ModelSpec.builder("broken", float[].class, float[].class)
          .version("1.0.0")
          .source(ModelSource.file(file))
          .translator(Codecs.floatVector(64))
          .build();
    }
  }

  @Test
  void failingDeploy_closesTheRuntime_andFailsStartupNamingTheModel() {
    runner
        .withUserConfiguration(BrokenModelConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure()).hasStackTraceContaining("broken");
              assertThat(PROBE_FAILED_DEPLOY.closed).isTrue();
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class LaterFailureConfig {
    @Bean(destroyMethod = "")
    CloseProbe probe() {
      return PROBE_LATER_FAILURE;
    }

    @Bean
    Object failsAfterTheRuntime(ModelRuntime runtime) {
      throw new IllegalStateException("a later startup step failed");
    }
  }

  @Test
  void startupFailureAfterTheRuntime_closesTheRuntime() {
    withDigitsFromRepository()
        .withUserConfiguration(LaterFailureConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(PROBE_LATER_FAILURE.closed).isTrue();
            });
  }

  @Test
  void modelWithoutInputLength_failsStartup_namingTheProperty() {
    runner
        .withPropertyValues(
            "maasdk.repository.root=" + repository, "maasdk.models.digits-mlp.replicas=1")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure())
                  .rootCause()
                  .hasMessageContaining("maasdk.models.digits-mlp.input-length");
            });
  }

  @Test
  void aliasToAVersionNotDeployed_failsStartup_andClosesTheRuntime() {
    CloseProbe probe = new CloseProbe();
    withDigitsFromRepository()
        .withBean("probe", CloseProbe.class, () -> probe, d -> d.setDestroyMethodName(""))
        .withPropertyValues("maasdk.aliases.digits-mlp.stable=3.0.0")
        .run(
            ctx -> {
              assertThat(ctx).hasFailed();
              assertThat(ctx.getStartupFailure()).hasStackTraceContaining("3.0.0");
              assertThat(probe.closed).isTrue();
            });
  }

  @Test
  void lazyInitialization_stillDeploysAtStartup() {
    withDigitsFromRepository()
        // without maasdk-metrics, whose monitor (a SmartInitializingSingleton) would create the
        // runtime anyway: only the exclude filter keeps it eager here
        .withClassLoader(new FilteredClassLoader(MaasdkMetrics.class))
        .withInitializer(
            c -> c.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
        .withBean("lazyControl", StringBuilder.class, StringBuilder::new)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              // lazy initialisation is on: a plain bean is not created until asked for …
              assertThat(ctx.getBeanFactory().containsSingleton("lazyControl")).isFalse();
              // … but the runtime was, and its models were deployed at startup
              assertThat(ctx.getBeanFactory().containsSingleton("maasdkModelRuntime")).isTrue();
            });
  }

  @Test
  void disabled_noRuntime() {
    withDigitsFromRepository()
        .withPropertyValues("maasdk.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).doesNotHaveBean(ModelRuntime.class);
              assertThat(ctx).doesNotHaveBean(MaasdkMetrics.class);
              assertThat(ctx).doesNotHaveBean(MaasdkEndpoint.class);
            });
  }

  @Test
  void applicationsOwnRuntime_replacesTheAutoConfiguredOne() {
    runner
        .withBean(
            "mine",
            ModelRuntime.class,
            () -> ModelRuntime.builder().build(),
            d -> d.setDestroyMethodName("close"))
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(ModelRuntime.class);
              assertThat(ctx).hasBean("mine");
            });
  }

  static final List<String> ORDER = new CopyOnWriteArrayList<>();

  @Configuration(proxyBeanMethods = false)
  static class HooksConfig {
    @Bean
    CallInterceptor counting() {
      return ctx -> ORDER.add("interceptor");
    }

    @Bean
    InferenceListener recording() {
      return e -> ORDER.add("listener:" + e.outcome());
    }

    @Bean
    @Order(2)
    ModelRuntimeBuilderCustomizer second() {
      return b -> b.interceptor(ctx -> ORDER.add("customizer-2"));
    }

    @Bean
    @Order(1)
    ModelRuntimeBuilderCustomizer first() {
      return b -> b.interceptor(ctx -> ORDER.add("customizer-1"));
    }
  }

  @Test
  void interceptorListenerAndCustomizerBeans_areAllInTheRuntime_inOrder() {
    withDigitsFromRepository()
        .withUserConfiguration(HooksConfig.class)
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              ORDER.clear();
              ctx.getBean(ModelRuntime.class)
                  .handle("digits-mlp", "1.0.0", float[].class, float[].class)
                  .predict(sample);
              // the listener hears of the call after it completes; wait for it without sleeping
              long deadline = System.nanoTime() + 10_000_000_000L;
              while (ORDER.size() < 4 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
              }
              assertEquals(
                  List.of("interceptor", "customizer-1", "customizer-2", "listener:SUCCESS"),
                  ORDER);
            });
  }

  @Test
  void metrics_boundToBootsRegistry_withQueueGaugesAndCallCounters() {
    withDigitsFromRepository()
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .withPropertyValues("maasdk.metrics.tenant-tag=5", "management.metrics.tags.region=eu")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).hasSingleBean(MaasdkMetrics.class);
              MeterRegistry registry = ctx.getBean(MeterRegistry.class);
              assertThat(
                      registry
                          .find("maasdk.queue.depth")
                          .tag("model", "digits-mlp")
                          .tag("version", "2.0.0")
                          .gauge())
                  .isNotNull();
              ctx.getBean(ModelRuntime.class)
                  .handle("digits-mlp", "stable", float[].class, float[].class)
                  .predict(sample, CallOptions.builder().tenant("acme").build());
              assertThat(
                      registry
                          .get("maasdk.inference.requests")
                          .tag("tenant", "acme")
                          .tag("region", "eu")
                          .counter()
                          .count())
                  .isEqualTo(1.0);
            });
  }

  @Test
  void metricsModuleAbsent_runtimeStillServes_withoutMeters() {
    withDigitsFromRepository()
        .withClassLoader(new FilteredClassLoader(MaasdkMetrics.class))
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).doesNotHaveBean("maasdkMetrics");
              assertThat(
                      ctx.getBean(ModelRuntime.class)
                          .handle("digits-mlp", "stable", float[].class, float[].class)
                          .predict(sample))
                  .hasSize(10);
            });
  }

  @Test
  void metricsOff_byProperty() {
    withDigitsFromRepository()
        .withPropertyValues("maasdk.metrics.enabled=false")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              assertThat(ctx).doesNotHaveBean(MaasdkMetrics.class);
            });
  }

  @Test
  void health_upWithDetailsPerVersion_onBoot3Api() {
    withDigitsFromRepository()
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              HealthIndicator health = ctx.getBean("maasdkHealthIndicator", HealthIndicator.class);
              var h = health.health();
              assertEquals(Status.UP, h.getStatus());
              @SuppressWarnings("unchecked")
              Map<String, Map<String, Object>> versions =
                  (Map<String, Map<String, Object>>) h.getDetails().get("versions");
              assertThat(versions)
                  .containsKeys("digits-mlp@1.0.0", "digits-mlp@1.1.0", "digits-mlp@2.0.0");
              assertThat(versions.get("digits-mlp@2.0.0"))
                  .containsEntry("replicasUp", Runtime.getRuntime().availableProcessors())
                  .containsEntry("breaker", "CLOSED")
                  .containsEntry("queueDepth", 0);
            });
  }

  @Test
  void healthOff_byProperty() {
    withDigitsFromRepository()
        .withPropertyValues("management.health.maasdk.enabled=false")
        .run(ctx -> assertThat(ctx).doesNotHaveBean("maasdkHealthIndicator"));
  }

  @Test
  void problemDetails_offByDefault_onByProperty_inWebApplicationsOnly() {
    WebApplicationContextRunner web =
        new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MaasdkWebAutoConfiguration.class));
    web.run(ctx -> assertThat(ctx).doesNotHaveBean(MaasdkProblemDetails.class));
    web.withPropertyValues("maasdk.web.problem-details.enabled=true")
        .run(ctx -> assertThat(ctx).hasSingleBean(MaasdkProblemDetails.class));
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(MaasdkWebAutoConfiguration.class))
        .withPropertyValues("maasdk.web.problem-details.enabled=true")
        .run(ctx -> assertThat(ctx).doesNotHaveBean(MaasdkProblemDetails.class));
  }

  @Test
  void problemDetails_statusPerException() {
    Version v = Version.parse("1.0.0");
    assertEquals(
        org.springframework.http.HttpStatus.NOT_FOUND,
        MaasdkProblemDetails.status(
            new io.maasdk.ModelNotFoundException("digits", v, "digits 1.0.0 is not deployed")));
    assertEquals(
        org.springframework.http.HttpStatus.INTERNAL_SERVER_ERROR,
        MaasdkProblemDetails.status(new io.maasdk.MaasdkException("other")));
  }

  @Test
  void bootVersionCheck_refusesOtherLines_namingTheSupportedOnes() {
    BootVersionCheck.verify("3.5.7");
    BootVersionCheck.verify("4.0.7");
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> BootVersionCheck.verify("3.4.12"));
    assertThat(e).hasMessageContaining("3.5.x and 4.0.x").hasMessageContaining("3.4.12");
    assertThrows(IllegalStateException.class, () -> BootVersionCheck.verify("4.1.0"));
  }

  @Test
  void aliasTargets_parseVersionsAndSplits_andNameThePropertyWhenWrong() {
    assertEquals(
        AliasTarget.of(Version.parse("2.0.0")),
        StartupDeployer.parseTarget("maasdk.aliases.m.a", " 2.0.0 "));
    assertEquals(
        AliasTarget.split(Map.of(Version.parse("1.0.0"), 90, Version.parse("2.0.0"), 10)),
        StartupDeployer.parseTarget("maasdk.aliases.m.a", "1.0.0=90, 2.0.0=10"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> StartupDeployer.parseTarget("maasdk.aliases.digits.stable", "1.0.0=ninety"));
    assertThat(e).hasMessageContaining("maasdk.aliases.digits.stable=1.0.0=ninety");
  }
}
