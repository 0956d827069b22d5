package io.maasdk.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Policies survive the state store; comparisons and bad settings behave as documented. */
class RolloutPolicyTest {

  @Test
  void policy_withGateAndShadow_roundTripsThroughItsStateText() {
    EvaluationGate gate =
        (ops, model, current, candidate) -> new EvaluationGate.Verdict(true, "ok");
    ShadowComparison<String, float[]> custom =
        ShadowComparison.of("cosine-0.9", String.class, float[].class, (a, b) -> true);
    RolloutPolicy p =
        RolloutPolicy.builder()
            .steps(2, 20, 100)
            .minCallsPerStep(77)
            .minTimePerStep(Duration.ofSeconds(90))
            .maxErrorRate(0.002)
            .maxP99Ratio(1.25, Duration.ofMillis(3))
            .evaluationGate("g", gate)
            .shadowFirst(custom, 300, 0.97)
            .build();

    RolloutPolicy back =
        RolloutPolicy.decode(p.encode(), Map.of("g", gate), Map.of("cosine-0.9", custom));

    assertArrayEquals(new int[] {2, 20, 100}, back.steps());
    assertEquals(77, back.minCallsPerStep());
    assertEquals(Duration.ofSeconds(90), back.minTimePerStep());
    assertEquals(0.002, back.maxErrorRate());
    assertEquals(1.25, back.maxP99Ratio());
    assertEquals(Duration.ofMillis(3), back.p99Slack());
    assertSame(gate, back.evaluationGate());
    assertSame(custom, back.shadow());
    assertEquals(300, back.shadowMinComparisons());
    assertEquals(0.97, back.shadowMinAgreement());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RolloutPolicy.decode(p.encode(), Map.of(), Map.of("cosine-0.9", custom)));
    assertTrue(e.getMessage().contains("evaluation gate 'g' is not registered"), e.getMessage());
  }

  @Test
  void distanceComparison_agreesWithinItsDistance_top1OnTheArgmax() {
    ShadowComparison<float[], float[]> d = ShadowComparison.distance(1.25);
    assertTrue(d.agrees(new float[] {0, 0}, new float[] {0.75f, 1f})); // exactly 1.25 apart
    assertFalse(
        ShadowComparison.distance(1.24).agrees(new float[] {0, 0}, new float[] {0.75f, 1f}));
    assertFalse(d.agrees(new float[] {0, 0}, new float[] {0, 0, 0}), "other lengths differ");
    assertEquals("distance:1.25", d.name());
    assertTrue(ShadowComparison.top1().agrees(new float[] {1, 9, 2}, new float[] {0, 3, 1}));
    assertFalse(ShadowComparison.top1().agrees(new float[] {1, 9, 2}, new float[] {5, 3, 1}));
  }

  @Test
  void badSettings_areRefusedSayingWhatIsExpected() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> RolloutPolicy.builder().steps(10, 50))
            .getMessage()
            .contains("must end at 100%"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> RolloutPolicy.builder().steps(50, 10, 100))
            .getMessage()
            .contains("ascend"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> RolloutPolicy.builder().maxErrorRate(1.5))
            .getMessage()
            .contains("[0, 1]"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> RolloutPolicy.builder().shadowFirst(ShadowComparison.top1(), 10, 2))
            .getMessage()
            .contains("minAgreement"));
  }
}
