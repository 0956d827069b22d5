package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.maasdk.ModelHandle;
import io.maasdk.quarkus.MaasdkModel;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code @MaasdkModel} injection point naming a model that is not deployed fails the start (not
 * the first request), naming the injection point and what is deployed.
 */
class UnknownHandleFailsStartupTest {

  /** Never used: its injection point alone must fail the start. */
  @Singleton
  public static class Client {
    @Inject
    @MaasdkModel(name = "digits", version = "stable")
    ModelHandle<float[], float[]> digits;
  }

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withApplicationRoot(jar -> jar.addClasses(Client.class))
          .overrideConfigKey("maasdk.repository.root", Fixtures.REPOSITORY.toString())
          .overrideConfigKey("maasdk.models.digits-mlp.input-length", "64")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(
                    m.contains("@MaasdkModel(name = \"digits\", version = \"stable\") on "), m);
                assertTrue(m.contains("Client#digits"), m);
                assertTrue(m.contains("digits-mlp"), "names what is deployed: " + m);
                assertEquals(List.of(), Fixtures.maasdkThreads(), "the runtime was closed");
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
