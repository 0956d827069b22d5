package io.maasdk.quarkus.test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A quota with a value maasdk-metrics refuses fails the start, naming the property, before a model
 * is loaded or a ledger opened.
 */
class BadQuotaFailsStartupTest {
  static final Path LEDGER = Fixtures.freshDir("quarkus-bad-quota").resolve("ledger");

  @RegisterExtension
  static final QuarkusUnitTest APP =
      new QuarkusUnitTest()
          .withEmptyApplication()
          .overrideConfigKey("maasdk.metering.ledger-dir", LEDGER.toString())
          .overrideConfigKey("maasdk.quotas.tenants.free-co.unit-budget", "1000")
          .overrideConfigKey("maasdk.quotas.tenants.free-co.budget-period", "week")
          .assertException(
              t -> {
                String m = Fixtures.messages(t);
                assertTrue(
                    m.contains(
                        "maasdk.quotas.tenants.free-co: budget-period 'week' is not day or"
                            + " month"),
                    m);
                assertFalse(
                    Files.exists(LEDGER), "the ledger was opened before the quotas were checked");
              });

  @Test
  void startFails() {
    fail("the application must not start");
  }
}
