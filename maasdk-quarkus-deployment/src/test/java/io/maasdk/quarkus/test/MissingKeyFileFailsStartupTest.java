package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A trusted-keys file that does not exist fails the start rather than deploying unverified. */
class MissingKeyFileFailsStartupTest {

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits-mlp.input-length", "64")
          .overrideConfigKey(
              "maasdk.security.trusted-keys",
              Fixtures.REPOSITORY.resolve("no-such-keys.json").toString())
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(
                    m.contains(
                        "maasdk.security.trusted-keys "
                            + Fixtures.REPOSITORY.resolve("no-such-keys.json")
                            + " cannot be read"),
                    m);
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
