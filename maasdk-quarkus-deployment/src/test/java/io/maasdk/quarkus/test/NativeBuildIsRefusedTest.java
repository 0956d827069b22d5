package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A native build fails at build time with a clear message, instead of a broken binary. */
class NativeBuildIsRefusedTest {

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("quarkus.native.enabled", "true")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(m.contains("maasdk does not support native images"), m);
              });

  @Test
  void buildFails() {
    fail("the application must not build");
  }
}
