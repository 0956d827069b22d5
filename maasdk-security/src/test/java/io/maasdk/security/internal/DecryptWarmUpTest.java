package io.maasdk.security.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class DecryptWarmUpTest {
  @Test
  void run_decryptsTheSameAuthenticMessageAgainAndAgain() {
    // GCM refuses to reuse an IV for encryption; the warm-up must only ever decrypt with it.
    assertDoesNotThrow(() -> DecryptWarmUp.run(50));
  }
}
