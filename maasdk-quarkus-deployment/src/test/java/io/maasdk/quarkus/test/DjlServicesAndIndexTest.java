package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ServiceProviderBuildItem;
import io.quarkus.test.QuarkusUnitTest;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jboss.jandex.DotName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The build registers DJL's engine and zoo providers as service providers and indexes maasdk's
 * jars. A build step added here reads what the extension produced and hands it to the test through
 * system properties (the build runs in another class loader than the test).
 */
class DjlServicesAndIndexTest {
  private static final String PROVIDERS = "djlservicestest.providers";
  private static final String INDEXED = "djlservicestest.indexed";

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withApplicationRoot(jar -> jar.addClasses(Fixtures.class, Probe.class))
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits-mlp.input-length", "64")
          .addBuildChainCustomizer(new Probe());

  @Test
  void djlEngineProvidersAreRegistered() {
    List<String> engines = List.of(System.getProperty(PROVIDERS, "").split(","));
    assertTrue(engines.contains("ai.djl.pytorch.engine.PtEngineProvider"), engines.toString());
  }

  @Test
  void maasdkJarsAreIndexed() {
    assertEquals("true", System.getProperty(INDEXED));
  }

  /**
   * Runs as a build step after the extension's: a class of its own rather than a lambda on this
   * test class, whose initialisation the build's class loader would otherwise repeat.
   */
  static final class Probe
      implements io.quarkus.builder.BuildStep, Consumer<io.quarkus.builder.BuildChainBuilder> {
    @Override
    public void accept(io.quarkus.builder.BuildChainBuilder chain) {
      chain
          .addBuildStep(this)
          .consumes(ServiceProviderBuildItem.class)
          .consumes(CombinedIndexBuildItem.class)
          .produces(FeatureBuildItem.class)
          .build();
    }

    @Override
    public void execute(io.quarkus.builder.BuildContext ctx) {
      TreeSet<String> engines = new TreeSet<>();
      for (ServiceProviderBuildItem item : ctx.consumeMulti(ServiceProviderBuildItem.class)) {
        if (item.serviceDescriptorFile().endsWith("ai.djl.engine.EngineProvider")) {
          engines.addAll(item.providers());
        }
      }
      System.setProperty(PROVIDERS, String.join(",", engines));
      var index = ctx.consume(CombinedIndexBuildItem.class).getIndex();
      System.setProperty(
          INDEXED,
          String.valueOf(
              index.getClassByName(DotName.createSimple("io.maasdk.ModelRuntime")) != null
                  && index.getClassByName(DotName.createSimple("io.maasdk.ModelSpec")) != null));
      ctx.produce(new FeatureBuildItem("maasdk-test-probe"));
    }
  }
}
