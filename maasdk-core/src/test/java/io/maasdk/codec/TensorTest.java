package io.maasdk.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void equalByShapeTypeAndValues() {
    assertEquals(Tensor.of(new long[] {1, 2}, 2), Tensor.of(new long[] {1, 2}, 2));
    assertEquals(
        Tensor.of(new long[] {1, 2}, 2).hashCode(), Tensor.of(new long[] {1, 2}, 2).hashCode());
    assertNotEquals(Tensor.of(new long[] {1, 2}, 2), Tensor.of(new int[] {1, 2}, 2));
    assertNotEquals(Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {1, 2}, 1, 2));
  }

  @Test
  void shapeMustHoldTheValues_andIsCopied() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
    assertEquals("shape [2, 3] holds 6 values, got 5", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Tensor(new long[] {1}, new double[1]));
    long[] shape = {2};
    Tensor t = Tensor.of(new long[2], shape);
    shape[0] = 7;
    assertArrayEquals(new long[] {2}, t.shape());
    assertThrows(IllegalStateException.class, t::floats);
  }
}
