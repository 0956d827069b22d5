package io.maasdk.quarkus.runtime;

import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.StartupDeployer;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.arc.SyntheticCreationalContext;
import io.quarkus.runtime.annotations.Recorder;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.util.TypeLiteral;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Creates the runtime bean at runtime init: built with every {@link CallInterceptor} and {@link
 * InferenceListener} bean and the metering and quotas of {@code maasdk.metering.*} and {@code
 * maasdk.quotas.*} (with maasdk-metrics), then every {@link ModelSpec} bean and every model under
 * {@code maasdk.models} deployed and warmed, then the aliases set. If any of that fails the runtime
 * is closed before the failure propagates, which fails the application's start.
 */
@Recorder
public class MaasdkRecorder {
  private static final Logger LOG = Logger.getLogger(MaasdkRecorder.class);

  /** The synthetic bean's creator. */
  public Function<SyntheticCreationalContext<ModelRuntime>, ModelRuntime> runtimeCreator() {
    return context -> create();
  }

  /**
   * Creates the runtime bean now, at startup, rather than when something first injects it; then
   * makes a handle for every {@code @MaasdkModel} injection point, so one that names nothing
   * deployed, or the wrong types, fails the start naming the injection point.
   *
   * @param handles per injection point: name, version selector, input and output class names and
   *     where it is, separated by newlines
   */
  public void eagerInit(List<String> handles) {
    ModelRuntime runtime = Arc.container().instance(ModelRuntime.class).get();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (String h : handles) {
      String[] p = h.split("\n", 5);
      try {
        runtime.handle(
            p[0], p[1], Class.forName(p[2], false, loader), Class.forName(p[3], false, loader));
      } catch (RuntimeException | ClassNotFoundException e) {
        IllegalStateException failure =
            new IllegalStateException(
                "@MaasdkModel(name = \""
                    + p[0]
                    + "\", version = \""
                    + p[1]
                    + "\") on "
                    + p[4]
                    + ": "
                    + e.getMessage(),
                e);
        LOG.errorf("maasdk: %s; closing the runtime", failure.getMessage());
        try {
          runtime.close();
        } catch (RuntimeException closing) {
          failure.addSuppressed(closing);
        }
        throw failure;
      }
    }
  }

  static ModelRuntime create() {
    MaasdkConfig config =
        ConfigProvider.getConfig()
            .unwrap(SmallRyeConfig.class)
            .getConfigMapping(MaasdkConfig.class);
    List<CallInterceptor> interceptors = new ArrayList<>();
    Function<Path, ModelSource> folders = ModelSource::directory;
    boolean signedOnly = false;
    if (config.security().trustedKeys().isPresent()) {
      Path keys = config.security().trustedKeys().get();
      if (!present("io.maasdk.security.RequireSignatures")) {
        throw new IllegalStateException(
            "maasdk.security.trusted-keys is set, but maasdk-security"
                + " is not on the classpath: add io.maasdk:maasdk-security, or models would deploy"
                + " unverified");
      }
      SecuritySupport security = SecuritySupport.trusting(keys);
      interceptors.add(security.requireSignatures());
      folders = security::open;
      signedOnly = true;
    }
    ModelRuntime.Builder builder =
        ModelRuntime.builder()
            .drainTimeout(config.drainTimeout())
            .defaultEngine(config.defaultEngine())
            .aliasHistoryLimit(config.aliasHistoryLimit())
            .djlOffline(config.djlOffline());
    for (InstanceHandle<CallInterceptor> h :
        Arc.container().select(CallInterceptor.class, Any.Literal.INSTANCE).handles()) {
      interceptors.add(h.get());
    }
    List<InferenceListener> listeners = new ArrayList<>();
    for (InstanceHandle<InferenceListener> h :
        Arc.container().select(InferenceListener.class, Any.Literal.INSTANCE).handles()) {
      listeners.add(h.get());
    }
    List<ModelSpec<?, ?>> specs = new ArrayList<>();
    // ModelSpec<float[], float[]> is not assignable to the raw type: select with wildcards.
    for (InstanceHandle<ModelSpec<?, ?>> h :
        Arc.container()
            .select(new TypeLiteral<ModelSpec<?, ?>>() {}, Any.Literal.INSTANCE)
            .handles()) {
      specs.add(h.get());
    }
    // Last before the runtime owns them: the metering's thread and ledger are closed with it.
    if (meteringConfigured(config)) {
      if (!present("io.maasdk.metrics.Metering")) {
        throw new IllegalStateException(
            "maasdk.metering.ledger-dir or maasdk.quotas is set, but"
                + " maasdk-metrics is not on the classpath: add io.maasdk:maasdk-metrics, or calls"
                + " would go unmetered and unlimited");
      }
      MeteringSupport.install(config, interceptors, listeners);
    }
    interceptors.forEach(builder::interceptor);
    listeners.forEach(builder::listener);
    ModelRuntime runtime = builder.build();
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      StartupDeployer.builder(runtime)
          .repositoryRoot(config.repository().root().orElse(null))
          .folders(folders)
          .signedOnly(signedOnly)
          .classLoader(loader != null ? loader : MaasdkRecorder.class.getClassLoader())
          .build()
          .deploy(specs, declared(config), config.aliases());
      if (present("io.maasdk.metrics.MaasdkMetrics")) {
        MetricsSupport.monitor(listeners, runtime);
      }
    } catch (RuntimeException | Error e) {
      LOG.errorf("maasdk: startup deployment failed, closing the runtime: %s", e.getMessage());
      try {
        runtime.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    LOG.infof(
        "maasdk: runtime ready with %d deployed versions; drain timeout on close %s",
        runtime.deployments().size(), config.drainTimeout());
    return runtime;
  }

  /** {@code maasdk.models}, for the shared deployer. */
  private static Map<String, StartupDeployer.DeclaredModel> declared(MaasdkConfig config) {
    Map<String, StartupDeployer.DeclaredModel> models = new LinkedHashMap<>();
    config
        .models()
        .forEach(
            (name, m) ->
                models.put(
                    name,
                    new StartupDeployer.DeclaredModel(
                        m.codec().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        m.inputLength().isPresent() ? m.inputLength().getAsInt() : null,
                        m.location().orElse(null),
                        m.version().orElse(null),
                        m.engine().orElse(null),
                        m.replicas().isPresent() ? m.replicas().getAsInt() : null,
                        m.device(),
                        m.batchSize(),
                        m.batchDelay(),
                        m.queueCapacity(),
                        m.cache(),
                        m.cacheMaximumSize(),
                        m.warmup())));
    return models;
  }

  /**
   * Whether {@code maasdk.metering} or {@code maasdk.quotas} asks for anything; here, not in
   * MeteringSupport, which is loaded only with maasdk-metrics.
   */
  private static boolean meteringConfigured(MaasdkConfig config) {
    MaasdkConfig.Quotas q = config.quotas();
    return config.metering().enabled() && config.metering().ledgerDir().isPresent()
        || q.enabled() && (!q.tenants().isEmpty() || !unlimited(q.defaults()));
  }

  /** Whether a quota declares no limit. */
  static boolean unlimited(MaasdkConfig.Quota q) {
    return q.requestsPerSecond().isEmpty()
        && q.unitsPerSecond().isEmpty()
        && q.unitBudget().isEmpty()
        && q.moneyBudget().isEmpty();
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, Thread.currentThread().getContextClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
