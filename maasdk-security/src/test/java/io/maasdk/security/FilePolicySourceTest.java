package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, item 9: a policy file replaced on disk takes effect without rebuilding the runtime. */
class FilePolicySourceTest {
  private static final ApiKeys KEYS = ApiKeys.of(KeyPurpose.PRF.generate());
  private static final String ALICE = ApiKeys.newKey();
  private static final String BOB = ApiKeys.newKey();

  @TempDir Path tmp;

  private static String policy(boolean withAlice) {
    return "{\"roles\": {\"scorer\": [{\"models\": \"digits*\", \"actions\": [\"predict\"]}]},\n"
        + " \"principals\": [\n"
        + (withAlice
            ? "  {\"id\": \"alice\", \"keyHash\": \""
                + KEYS.hash(ALICE)
                + "\", \"tenants\": [\"acme\"], \"roles\": [\"scorer\"]},\n"
            : "")
        + "  {\"id\": \"bob\", \"keyHash\": \""
        + KEYS.hash(BOB)
        + "\", \"roles\": [\"scorer\"]}],\n"
        + " \"anonymous\": {\"roles\": [], \"tenant\": \"public\"}}";
  }

  /** Replaces the file as the docs say: write aside, rename over. */
  private void replace(Path file, String text) throws IOException {
    Path aside = tmp.resolve("policy.json.new");
    Files.writeString(aside, text);
    Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void keyRemovedFromTheFile_isRefusedOnItsNextCheck_othersUnaffected() throws IOException {
    Path file = tmp.resolve("policy.json");
    replace(file, policy(true));
    AccessControl ac = AccessControl.of(FilePolicySource.watching(file, Duration.ZERO), KEYS);
    assertEquals(
        new AccessControl.Identity("alice", "acme"),
        ac.authorize(
            io.maasdk.CallOptions.builder().credentials(ALICE).build(),
            "digits",
            null,
            Action.PREDICT));
    assertEquals(
        new AccessControl.Identity("bob", "bob"),
        ac.authorize(
            io.maasdk.CallOptions.builder().credentials(BOB).build(),
            "digits",
            null,
            Action.PREDICT));

    replace(file, policy(false));
    assertThrows(
        AccessDeniedException.class, () -> ac.check(ALICE, "digits", null, Action.PREDICT));
    assertEquals("bob", ac.check(BOB, "digits", null, Action.PREDICT));
  }

  @Test
  void brokenFile_keepsThePolicyInForce_andReloadSaysWhy() throws IOException {
    Path file = tmp.resolve("policy.json");
    replace(file, policy(true));
    FilePolicySource source = FilePolicySource.watching(file, Duration.ZERO);
    AccessControl ac = AccessControl.of(source, KEYS);
    replace(file, policy(false).replace("\"roles\": [\"scorer\"]", "\"roles\": [\"nobody\"]"));
    assertEquals("alice", ac.check(ALICE, "digits", null, Action.PREDICT), "old policy stays");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, source::reload);
    assertTrue(
        e.getMessage().contains("policy.json") && e.getMessage().contains("nobody"),
        e.getMessage());
    assertFalse(e.getMessage().contains(KEYS.hash(BOB)), "hashes are never quoted");
    replace(file, policy(false));
    assertTrue(source.reload());
    assertFalse(source.reload(), "unchanged content is not reloaded");
    assertEquals(List.of("bob"), source.current().principalIds());
  }

  @Test
  void fromJson_isStrict_andDefaultsTenantsToTheId() {
    AccessPolicy p = AccessPolicy.fromJson(policy(true));
    assertEquals(List.of("alice", "bob"), p.principalIds());
    assertEquals("public", p.anonymousTenant());
    assertThrows(
        IllegalArgumentException.class,
        () -> AccessPolicy.fromJson(policy(true).replace("\"tenants\"", "\"tenant\"")));
    assertThrows(
        IllegalArgumentException.class,
        () -> AccessPolicy.fromJson(policy(true).replace("predict", "predikt")));
    assertThrows(IllegalArgumentException.class, () -> AccessPolicy.fromJson("[]"));
    assertThrows(
        java.io.UncheckedIOException.class,
        () -> FilePolicySource.watching(tmp.resolve("missing.json")));
  }
}
