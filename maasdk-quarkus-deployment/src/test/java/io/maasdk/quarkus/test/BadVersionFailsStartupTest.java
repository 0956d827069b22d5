package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A version that does not parse fails the start, naming the property and the value. */
class BadVersionFailsStartupTest {

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.models.digits.input-length", "64")
          .overrideConfigKey(
              "maasdk.models.digits.location",
              Fixtures.REPOSITORY.resolve("digits-mlp/1.0.0/model.pt").toString())
          .overrideConfigKey("maasdk.models.digits.version", "one.two")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(m.contains("maasdk.models.digits.version=one.two is not a version"), m);
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
