package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelAdmin;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceListener;
import io.maasdk.spi.StartupDeployer;
import io.maasdk.spring.boot.ModelRuntimeBuilderCustomizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.LazyInitializationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ContextAnnotationAutowireCandidateResolver;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures a maasdk {@link ModelRuntime} for a Spring Boot 3.5 or 4.0 application.
 *
 * <ul>
 *   <li>The runtime is built with every {@link CallInterceptor}, {@link InferenceListener} and
 *       {@link ModelRuntimeBuilderCustomizer} bean (in {@code @Order}), and the {@link
 *       DeviceInventory} bean if there is exactly one; {@code maasdk.*} properties set its drain
 *       timeout, default engine and alias history.
 *   <li>Creating the runtime bean deploys and warms every {@link ModelSpec} bean and every model
 *       under {@code maasdk.models}, then sets the aliases under {@code maasdk.aliases}; so any
 *       bean that gets the runtime, or a {@code @MaasdkModel ModelHandle}, finds its models
 *       serving. If any of that fails the runtime is closed before the failure propagates.
 *   <li>The runtime is closed when the context closes (after the web server's graceful shutdown),
 *       or when a later bean fails the startup.
 *   <li>It is never lazily initialised, even with {@code spring.main.lazy-initialization=true}:
 *       models load at startup, not on the first request.
 * </ul>
 *
 * <p>Off with {@code maasdk.enabled=false}; an application's own {@link ModelRuntime} bean replaces
 * this one (and then deploys its models itself).
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "maasdk", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(MaasdkProperties.class)
public class MaasdkAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(MaasdkAutoConfiguration.class);

  /**
   * Checks the Spring Boot version first.
   *
   * @throws IllegalStateException on a Spring Boot line other than 3.5 and 4.0
   */
  public MaasdkAutoConfiguration() {
    BootVersionCheck.verifyRunning();
  }

  /**
   * The runtime, with every model deployed and every alias set.
   *
   * @throws RuntimeException the first deploy or alias failure; the runtime is closed first
   * @param properties the {@code maasdk.*} configuration properties
   * @param interceptors call interceptor beans, in order
   * @param listeners lifecycle listener beans
   * @param inventory the device inventory bean, if any
   * @param customizers changes to the builder, applied last
   * @param specs model spec beans to deploy at startup
   * @param folderSources model source beans for repository folders
   * @param resourceLoader resolves model locations
   * @return the runtime, closed when the context closes
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public ModelRuntime maasdkModelRuntime(
      MaasdkProperties properties,
      ObjectProvider<CallInterceptor> interceptors,
      ObjectProvider<InferenceListener> listeners,
      ObjectProvider<DeviceInventory> inventory,
      ObjectProvider<ModelRuntimeBuilderCustomizer> customizers,
      ObjectProvider<ModelSpec<?, ?>> specs,
      ObjectProvider<FolderSources> folderSources,
      ResourceLoader resourceLoader) {
    if (properties.getSecurity().getTrustedKeys() != null
        && !ClassUtils.isPresent(
            "io.maasdk.security.RequireSignatures", resourceLoader.getClassLoader())) {
      throw new IllegalStateException(
          "maasdk.security.trusted-keys is set, but maasdk-security is"
              + " not on the classpath: add io.maasdk:maasdk-security, or models would deploy"
              + " unverified");
    }
    ModelRuntime.Builder builder =
        ModelRuntime.builder()
            .drainTimeout(properties.getDrainTimeout())
            .defaultEngine(properties.getDefaultEngine())
            .aliasHistoryLimit(properties.getAliasHistoryLimit())
            .djlOffline(properties.isDjlOffline());
    interceptors.orderedStream().forEach(builder::interceptor);
    listeners.orderedStream().forEach(builder::listener);
    DeviceInventory devices = inventory.getIfUnique();
    if (devices != null) {
      builder.deviceInventory(devices);
    }
    customizers.orderedStream().forEach(c -> c.customize(builder));
    List<ModelSpec<?, ?>> toDeploy = specs.orderedStream().toList();
    ModelRuntime runtime = builder.build();
    try {
      FolderSources folders = folderSources.getIfUnique(() -> ModelSource::directory);
      ClassLoader loader = resourceLoader.getClassLoader();
      StartupDeployer.builder(runtime)
          .admin(admin(runtime, properties))
          .repositoryRoot(properties.getRepository().getRoot())
          .folders(folders::open)
          .signedOnly(!folders.allowsUnsignedLocations())
          .classLoader(loader != null ? loader : MaasdkAutoConfiguration.class.getClassLoader())
          .paths(
              location -> {
                try {
                  return resourceLoader.getResource(location).getFile().toPath();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .build()
          .deploy(toDeploy, declared(properties), properties.getAliases());
    } catch (RuntimeException | Error e) {
      LOG.error("maasdk: startup deployment failed, closing the runtime: {}", e.getMessage());
      try {
        runtime.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    LOG.info(
        "maasdk: runtime ready with {} deployed versions; drain timeout on close {}",
        runtime.deployments().size(),
        properties.getDrainTimeout());
    return runtime;
  }

  /**
   * Management as the starter's admin principal when {@code maasdk.security.access.admin-api-key}
   * is set, else as nobody (null).
   */
  static ModelAdmin admin(ModelRuntime runtime, MaasdkProperties properties) {
    String key = properties.getSecurity().getAccess().getAdminApiKey();
    return key == null ? null : runtime.admin(key);
  }

  /** {@code maasdk.models}, for the shared deployer. */
  private static Map<String, StartupDeployer.DeclaredModel> declared(MaasdkProperties p) {
    Map<String, StartupDeployer.DeclaredModel> models = new LinkedHashMap<>();
    p.getModels()
        .forEach(
            (name, m) ->
                models.put(
                    name,
                    new StartupDeployer.DeclaredModel(
                        m.getCodec().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                        m.getInputLength(),
                        m.getLocation(),
                        m.getVersion(),
                        m.getEngine(),
                        m.getReplicas(),
                        m.getDevice(),
                        m.getBatchSize(),
                        m.getBatchDelay(),
                        m.getQueueCapacity(),
                        m.isCache(),
                        m.getCacheMaximumSize(),
                        m.isWarmup())));
    return models;
  }

  /** Logs, as the application starts closing, how long the runtime will drain. */
  @Bean
  ApplicationListener<ContextClosedEvent> maasdkShutdownLog(MaasdkProperties properties) {
    return e ->
        LOG.info(
            "maasdk: application closing; the runtime will drain admitted calls for"
                + " up to {} (maasdk.drain-timeout) once the web server has stopped",
            properties.getDrainTimeout());
  }

  /** Keeps the runtime eager under {@code spring.main.lazy-initialization=true}. */
  @Bean
  static LazyInitializationExcludeFilter maasdkLazyInitializationExcludeFilter() {
    return LazyInitializationExcludeFilter.forBeanTypes(ModelRuntime.class);
  }

  /**
   * Makes {@code @MaasdkModel ModelHandle<I, O>} injection points resolvable. Installed only over
   * Spring's default annotation resolver; an application that replaced it is told in the log.
   */
  @Bean
  static BeanFactoryPostProcessor maasdkModelHandleResolver() {
    return beanFactory -> {
      if (beanFactory instanceof DefaultListableBeanFactory dl) {
        if (dl.getAutowireCandidateResolver().getClass()
            == ContextAnnotationAutowireCandidateResolver.class) {
          dl.setAutowireCandidateResolver(new ModelHandleResolver());
          return;
        }
        LOG.warn(
            "maasdk: the bean factory uses its own autowire resolver ({}); @MaasdkModel"
                + " injection is off, get handles from the ModelRuntime bean instead",
            dl.getAutowireCandidateResolver().getClass().getName());
      }
    };
  }
}
