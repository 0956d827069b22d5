package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An alias on a model that is not deployed fails the start, naming the property. */
class UnknownModelFailsStartupTest {

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits-mlp.input-length", "64")
          .overrideConfigKey("maasdk.aliases.digits.stable", "2.0.0")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(
                    m.contains(
                        "maasdk.aliases.digits.stable names model digits, which is not"
                            + " deployed; deployed models: [digits-mlp]"),
                    m);
                assertEquals(List.of(), Fixtures.maasdkThreads(), "the failed runtime was closed");
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
