package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A model declared in config with no folder in the repository fails the start. */
class ModelWithoutVersionsFailsStartupTest {

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits.input-length", "64")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(
                    m.contains(
                        "maasdk.models.digits (maasdk.repository.root="
                            + Fixtures.REPOSITORY
                            + "): model repository "
                            + Fixtures.REPOSITORY
                            + " has no folder for model 'digits'; it has [digits-cnn, digits-mlp]"),
                    m);
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
