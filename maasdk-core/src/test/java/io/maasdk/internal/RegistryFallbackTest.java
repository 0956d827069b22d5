package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.maasdk.AliasTarget;
import io.maasdk.CallOptions;
import io.maasdk.DevicePolicy;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.Version;
import io.maasdk.VersionSelector;
import io.maasdk.codec.Codecs;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ModelRegistry#route}: what the request path asks for when an alias names one. */
class RegistryFallbackTest {
  private static ModelSpec<float[], float[]> echo(String version) {
    return ModelSpec.builder("e", float[].class, float[].class)
        .version(version)
        .source(ModelSource.classpath(TestModels.resource("echo")))
        .translator(Codecs.floatVector(4))
        .devicePolicy(DevicePolicy.cpu())
        .build();
  }

  @Test
  void fallback_isTheDeployedFallbackOfTheAliasTarget_elseNull() {
    try (ModelRegistry r =
        new ModelRegistry(
            DeviceInventory.cpuOnly(),
            List.of(),
            List.of(),
            "PyTorch",
            0,
            Clock.systemUTC(),
            io.maasdk.Ticker.system(),
            8)) {
      Version v1 = Version.parse("1.0.0");
      Version v2 = Version.parse("2.0.0");
      r.deploy(echo("1.0.0"), null);
      r.deploy(echo("2.0.0"), null);
      r.setAlias("e", "live", AliasTarget.of(v2).withFallback(v1), null);
      r.setAlias("e", "plain", AliasTarget.of(v2), null);
      HandleImpl<float[], float[]> live =
          (HandleImpl<float[], float[]>)
              r.handle("e", VersionSelector.alias("live"), float[].class, float[].class);
      HandleImpl<float[], float[]> plain =
          (HandleImpl<float[], float[]>)
              r.handle("e", VersionSelector.alias("plain"), float[].class, float[].class);
      HandleImpl<float[], float[]> pinned =
          (HandleImpl<float[], float[]>)
              r.handle("e", VersionSelector.exact(v2), float[].class, float[].class);

      assertEquals(v2, r.route(live, CallOptions.ofDefaults()).target().version());
      assertEquals(v1, r.route(live, CallOptions.ofDefaults()).fallback().version());
      assertNull(r.route(plain, CallOptions.ofDefaults()).fallback());
      assertNull(r.route(pinned, CallOptions.ofDefaults()).fallback());

      r.setAlias("e", "live", AliasTarget.of(v1).withFallback(v2), null); // moves with the alias
      assertEquals(v2, r.route(live, CallOptions.ofDefaults()).fallback().version());
    }
  }
}
