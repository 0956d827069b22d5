package io.maasdk.quarkus.deployment;

import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.quarkus.MaasdkModel;
import io.maasdk.quarkus.runtime.MaasdkReadinessCheck;
import io.maasdk.quarkus.runtime.MaasdkRecorder;
import io.maasdk.quarkus.runtime.MetricsSupport;
import io.maasdk.quarkus.runtime.ModelHandleProducer;
import io.maasdk.quarkus.runtime.ModelRuntimeDestroyer;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.InferenceListener;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.BeanDiscoveryFinishedBuildItem;
import io.quarkus.arc.deployment.SyntheticBeanBuildItem;
import io.quarkus.arc.deployment.SyntheticBeansRuntimeInitBuildItem;
import io.quarkus.arc.deployment.UnremovableBeanBuildItem;
import io.quarkus.arc.processor.InjectionPointInfo;
import io.quarkus.bootstrap.classloading.QuarkusClassLoader;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.Consume;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.IndexDependencyBuildItem;
import io.quarkus.deployment.builditem.ServiceStartBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ServiceProviderBuildItem;
import io.quarkus.deployment.pkg.steps.NativeOrNativeSourcesBuild;
import io.quarkus.smallrye.health.deployment.spi.HealthBuildItem;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Type;

/**
 * Build steps of the maasdk extension: the {@code maasdk} feature, a synthetic {@code @Singleton}
 * {@link ModelRuntime} created at runtime init (and eagerly, so models deploy and warm before the
 * application serves), {@code @MaasdkModel ModelHandle} injection, the readiness check with
 * quarkus-smallrye-health, the meters with quarkus-micrometer, DJL's engine and zoo service
 * providers, the Jandex index of maasdk's jars, and the refusal of native builds.
 */
class MaasdkProcessor {
  static final String FEATURE = "maasdk";
  static final DotName MAASDK_MODEL = DotName.createSimple(MaasdkModel.class);
  static final DotName MODEL_HANDLE = DotName.createSimple(ModelHandle.class);

  @BuildStep
  FeatureBuildItem feature() {
    return new FeatureBuildItem(FEATURE);
  }

  /**
   * DJL's engines load native libraries through JNI and JNA (PyTorch's JNI is not native-image
   * ready: camel-quarkus issue 1598). A native build would produce a binary that fails at its first
   * model; fail the build instead, saying so.
   */
  @BuildStep(onlyIf = NativeOrNativeSourcesBuild.class)
  FeatureBuildItem refuseNativeImage() {
    throw new IllegalStateException(
        "maasdk does not support native images: DJL's engines load"
            + " their native libraries (PyTorch, ONNX Runtime) through JNI and JNA, which GraalVM"
            + " native-image cannot build. Build this application for the JVM (remove"
            + " -Dnative / quarkus.native.enabled=true, or the 'native' profile).");
  }

  /** The DJL service interfaces that DJL's {@code Engine} and model zoo read with ServiceLoader. */
  static final List<String> DJL_SERVICES =
      List.of("ai.djl.engine.EngineProvider", "ai.djl.repository.zoo.ZooProvider");

  /**
   * Registers every DJL engine and zoo provider found on the application's class path (PyTorch,
   * ONNX Runtime, tokenizers …) as a service provider of the application, so Quarkus keeps their
   * {@code META-INF/services} entries wherever it repackages the application.
   */
  @BuildStep
  void djlServiceProviders(BuildProducer<ServiceProviderBuildItem> providers) {
    for (String service : DJL_SERVICES) {
      providers.produce(ServiceProviderBuildItem.allProvidersFromClassPath(service));
    }
  }

  /**
   * Indexes maasdk's own jars, so ArC and other extensions see their types (the {@code ModelSpec},
   * {@code CallInterceptor} and {@code InferenceListener} types that applications produce as beans,
   * the handle types of injection points) without the jars carrying a Jandex index.
   */
  @BuildStep
  void indexMaasdk(BuildProducer<IndexDependencyBuildItem> index) {
    for (String artifact : List.of("maasdk-core", "maasdk-security", "maasdk-metrics")) {
      index.produce(new IndexDependencyBuildItem("io.maasdk", artifact));
    }
  }

  @BuildStep
  void beans(
      BuildProducer<AdditionalBeanBuildItem> beans,
      BuildProducer<UnremovableBeanBuildItem> unremovable) {
    beans.produce(AdditionalBeanBuildItem.unremovableOf(ModelHandleProducer.class));
    // Looked up programmatically when the runtime is built: never "unused".
    unremovable.produce(
        UnremovableBeanBuildItem.beanTypes(
            CallInterceptor.class, InferenceListener.class, ModelSpec.class));
    // An application's own, replacing maasdk.metering.meters and maasdk.pricing (by name: the
    // application may not have maasdk-metrics).
    unremovable.produce(
        UnremovableBeanBuildItem.beanTypes(
            DotName.createSimple("io.maasdk.metrics.UsageMeters"),
            DotName.createSimple("io.maasdk.metrics.PricePlan")));
  }

  @BuildStep
  @Record(ExecutionTime.RUNTIME_INIT)
  SyntheticBeanBuildItem runtimeBean(MaasdkRecorder recorder) {
    return SyntheticBeanBuildItem.configure(ModelRuntime.class)
        .scope(Singleton.class)
        .unremovable()
        .setRuntimeInit()
        .createWith(recorder.runtimeCreator())
        .destroyer(ModelRuntimeDestroyer.class)
        .done();
  }

  /**
   * Creates the runtime (deploying and warming every model) during startup, then checks every
   * {@code @MaasdkModel ModelHandle<I, O>} injection point against what is deployed, so a wrong
   * name, selector or types fails the start rather than the first request.
   */
  @BuildStep
  @Record(ExecutionTime.RUNTIME_INIT)
  @Consume(SyntheticBeansRuntimeInitBuildItem.class)
  ServiceStartBuildItem eagerRuntime(
      MaasdkRecorder recorder, BeanDiscoveryFinishedBuildItem beans) {
    List<String> handles = new ArrayList<>();
    for (InjectionPointInfo ip : beans.getInjectionPoints()) {
      AnnotationInstance q = ip.getRequiredQualifier(MAASDK_MODEL);
      if (q == null || ip.isProgrammaticLookup()) {
        continue;
      }
      String name = q.value("name").asString();
      String version = q.value("version") == null ? "latest" : q.value("version").asString();
      String where = ip.getTargetInfo();
      Type type = ip.getRequiredType();
      if (!type.name().equals(MODEL_HANDLE)
          || type.kind() != Type.Kind.PARAMETERIZED_TYPE
          || type.asParameterizedType().arguments().size() != 2) {
        throw new IllegalStateException(
            "@MaasdkModel(name = \""
                + name
                + "\") is on "
                + where
                + " of type "
                + type
                + "; it goes on a ModelHandle<I, O> with concrete types, e.g."
                + " ModelHandle<float[], float[]>");
      }
      List<Type> args = type.asParameterizedType().arguments();
      handles.add(
          String.join(
              "\n",
              name,
              version,
              className(args.get(0), name, where),
              className(args.get(1), name, where),
              where));
    }
    recorder.eagerInit(handles);
    return new ServiceStartBuildItem(FEATURE);
  }

  private static String className(Type t, String name, String where) {
    switch (t.kind()) {
      case CLASS:
      case PARAMETERIZED_TYPE:
      case ARRAY:
        return t.name().toString();
      default:
        throw new IllegalStateException(
            "@MaasdkModel(name = \""
                + name
                + "\") on "
                + where
                + " needs concrete handle types, not "
                + t);
    }
  }

  @BuildStep
  void health(Capabilities capabilities, BuildProducer<HealthBuildItem> health) {
    if (capabilities.isPresent(Capability.SMALLRYE_HEALTH)) {
      health.produce(new HealthBuildItem(MaasdkReadinessCheck.class.getName(), true));
    }
  }

  @BuildStep
  void metrics(Capabilities capabilities, BuildProducer<AdditionalBeanBuildItem> beans) {
    if (capabilities.isPresent(Capability.METRICS)
        && QuarkusClassLoader.isClassPresentAtRuntime(
            "io.micrometer.core.instrument.binder.MeterBinder")
        && QuarkusClassLoader.isClassPresentAtRuntime("io.maasdk.metrics.MaasdkMetrics")) {
      beans.produce(AdditionalBeanBuildItem.unremovableOf(MetricsSupport.class));
    }
  }
}
