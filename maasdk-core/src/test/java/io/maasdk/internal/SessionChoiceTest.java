package io.maasdk.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which of a version's two ONNX Runtime CPU sessions an engine call uses. */
class SessionChoiceTest {

  @Test
  void firstCall_warmsTheConcurrentSession_thenLoneCallsUseTheMultiThreadedOne() {
    SessionChoice c = new SessionChoice();
    assertTrue(c.begin(), "the first call warms the concurrent session");
    c.end();
    for (int i = 0; i < 3; i++) {
      assertFalse(c.begin(), "a lone call gets every core");
      c.end();
    }
  }

  @Test
  void whileACallComputes_othersUseTheConcurrentSession_untilItIsAloneAgain() {
    SessionChoice c = new SessionChoice();
    c.begin();
    c.end(); // warmed
    assertFalse(c.begin()); // a lone call, still computing
    assertTrue(c.begin(), "a second call while the first computes");
    assertTrue(c.begin(), "and a third");
    c.end();
    c.end();
    c.end();
    assertFalse(c.begin(), "alone again");
    c.end();
  }

  @Test
  void aCallThatThrows_stillEnds_soTheNextLoneCallIsNotTakenForConcurrent() {
    SessionChoice c = new SessionChoice();
    c.begin();
    c.end();
    try {
      c.begin();
      throw new IllegalStateException("engine failed");
    } catch (IllegalStateException expected) {
      // as DjlBackend's session does: end() in finally
    } finally {
      c.end();
    }
    assertFalse(c.begin());
    c.end();
  }
}
