package io.maasdk.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelRuntime;
import io.maasdk.metrics.LedgerReader;
import io.maasdk.metrics.Metering;
import io.maasdk.metrics.QuotaInterceptor;
import io.maasdk.metrics.UsageRecord;
import io.maasdk.security.AccessControl;
import io.maasdk.security.ApiKeys;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.MasterKey;
import io.maasdk.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The README's Spring Boot section: its metering, quota and access-control properties block is read
 * from README.md and an application is started with exactly those lines (only the paths, the key
 * hash and the admin key's environment variable point at this test's real files and keys), so the
 * block cannot drift from what the starter accepts.
 */
class ReadmeSpringSectionTest {

  @TempDir Path tmp;

  /** The README's {@code properties} block that declares {@code maasdk.metering.ledger-dir}. */
  static List<String> readmeBlock() throws IOException {
    Path readme = Path.of(System.getProperty("maasdk.root", "..")).resolve("README.md");
    String text = Files.readString(readme);
    Matcher m = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      if (m.group(1).contains("maasdk.metering.ledger-dir")) {
        List<String> lines = new ArrayList<>();
        for (String line : m.group(1).split("\\n")) {
          String l = line.replaceAll("\\s+#.*$", "").trim(); // the README's end-of-line notes
          if (!l.isEmpty()) {
            lines.add(l);
          }
        }
        return lines;
      }
    }
    throw new AssertionError("README.md has no properties block with maasdk.metering.ledger-dir");
  }

  @Test
  void theReadmesPropertiesStartAnApplication_thatMetersLimitsAndChecksCallers() throws Exception {
    List<String> block = readmeBlock();
    assertThat(block)
        .anyMatch(l -> l.startsWith("maasdk.quotas."))
        .anyMatch(l -> l.startsWith("maasdk.security.access.principals."))
        .contains("maasdk.security.access.admin-api-key=${MAASDK_ADMIN_KEY}");

    Path ledger = tmp.resolve("ledger");
    Path master = tmp.resolve("master.json");
    Path apiKeys = tmp.resolve("api-keys.json");
    KeysetHandle prf = KeyPurpose.PRF.generate();
    KeysetLoader.encrypted(MasterKey.createLocal(master)).write(prf, apiKeys);
    String checkoutKey = ApiKeys.newKey();
    String adminKey = ApiKeys.newKey();
    List<String> properties = new ArrayList<>();
    for (String line : block) {
      properties.add(
          line.replace("/var/lib/app/ledger", ledger.toString())
              .replace("file:/etc/maasdk/master.json", "file:" + master)
              .replace("file:/etc/maasdk/api-keys.json", "file:" + apiKeys)
              .replace("<ApiKeys.hash of its key>", ApiKeys.of(prf).hash(checkoutKey)));
    }
    properties.add("MAASDK_ADMIN_KEY=" + adminKey); // as the environment would set it
    properties.add("maasdk.repository.root=" + TestModels.writeDigitsRepository(tmp.resolve("m")));
    properties.add("maasdk.models.digits-mlp.input-length=64");
    properties.add("maasdk.drain-timeout=2s");

    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                MaasdkAutoConfiguration.class,
                MaasdkMeteringAutoConfiguration.class,
                MaasdkAccessControlAutoConfiguration.class))
        .withPropertyValues(properties.toArray(new String[0]))
        .run(
            ctx -> {
              assertThat(ctx)
                  .hasNotFailed()
                  .hasSingleBean(Metering.class)
                  .hasSingleBean(QuotaInterceptor.class)
                  .hasSingleBean(AccessControl.class);
              ModelHandle<float[], float[]> digits =
                  ctx.getBean(ModelRuntime.class)
                      .handle("digits-mlp", "2.0.0", float[].class, float[].class);
              float[] x = TestModels.digitsTestSet().features()[0];
              digits.predict(x, CallOptions.builder().credentials(checkoutKey).build());
              assertThrows(AccessDeniedException.class, () -> digits.predict(x));
              // durable: the answered call's record was written before predict returned (the
              // refused call is recorded too, as not billable)
              List<UsageRecord> billable =
                  LedgerReader.read(ledger).records().stream()
                      .filter(UsageRecord::billable)
                      .toList();
              assertEquals(1, billable.size(), billable.toString());
              assertEquals("acme", billable.get(0).tenant());
              assertThat(ctx.getBean(QuotaInterceptor.class).moneyUsed("acme")).isPositive();
            });
  }
}
