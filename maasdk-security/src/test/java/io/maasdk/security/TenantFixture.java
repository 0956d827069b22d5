package io.maasdk.security;

import io.maasdk.CachePolicy;
import io.maasdk.CallOptions;
import io.maasdk.ModelSource;
import io.maasdk.ModelSpec;
import io.maasdk.codec.Codecs;
import io.maasdk.testkit.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Keys of three principals and the digits model, shared by the tenant-binding tests. */
abstract class TenantFixture {
  static final ApiKeys KEYS = ApiKeys.of(KeyPurpose.PRF.generate());
  static final String ALICE = ApiKeys.newKey();
  static final String BOB = ApiKeys.newKey();
  static final String OPS = ApiKeys.newKey();

  @TempDir Path tmp;

  ModelSpec<float[], float[]> digits(CachePolicy cache) {
    ModelSource src =
        ModelSource.file(
            TestModels.copy(TestModels.digitsResource("mlp", "1.0.0"), tmp.resolve("model.pt")));
    return ModelSpec.builder("digits", float[].class, float[].class)
        .version("1.0.0")
        .source(src)
        .translator(Codecs.floatVector(64))
        .cachePolicy(cache)
        .build();
  }

  static float[] x(int i) {
    return TestModels.digitsTestSet().features()[i];
  }

  static CallOptions as(String key, String tenant) {
    return CallOptions.builder().credentials(key).tenant(tenant).build();
  }
}
