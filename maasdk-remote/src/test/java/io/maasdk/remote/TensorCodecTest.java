package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.Version;
import io.maasdk.VersionSelector;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Tensors through the codecs and the protocol's JSON, and versions across the boundary. */
class TensorCodecTest {

  private static Map<String, Tensor> wire(List<Tensor> tensors) {
    byte[] body = OipJson.request("x", tensors, List.of());
    return OipJson.byName(OipJson.parse(body, true).tensors());
  }

  @Test
  void everyDataType_survivesTheJsonRoundTrip_exactly() {
    List<Tensor> in =
        List.of(
            Tensor.fp32(
                "a",
                new long[] {2, 2},
                new float[] {0.1f, -3.4028235e38f, Float.MIN_VALUE, 1f / 3}),
            Tensor.of("b", DataType.FP64, new long[] {2}, new double[] {Math.PI, -1e-300}),
            Tensor.of("c", DataType.INT32, new long[] {3}, new int[] {Integer.MIN_VALUE, 0, 7}),
            Tensor.int64("d", new long[] {2}, new long[] {Long.MAX_VALUE, -1}),
            Tensor.of("e", DataType.BOOL, new long[] {2}, new boolean[] {true, false}),
            Tensor.bytes("f", new long[] {2}, new String[] {"héllo \"q\"", ""}));
    Map<String, Tensor> out = wire(in);
    for (Tensor t : in) {
      assertEquals(t, out.get(t.name()), t.name());
    }
  }

  @Test
  void dataBeforeItsDatatype_andNestedData_areRead() {
    String body =
        "{\"inputs\":[{\"data\":[[1,2.5],[3,4]],\"name\":\"x\",\"shape\":[2,2],"
            + "\"datatype\":\"FP32\",\"parameters\":{\"p\":1}}],\"parameters\":{\"q\":[1,{}]}}";
    Tensor t = OipJson.parse(body.getBytes(StandardCharsets.UTF_8), true).tensors().get(0);
    assertArrayEquals(new float[] {1, 2.5f, 3, 4}, (float[]) t.data());
  }

  @Test
  void ready_codecs_batchAlongTheFirstDimension() {
    TensorCodec<float[]> f = TensorCodec.floats("x");
    List<Tensor> enc = f.encode(List.of(new float[] {1, 2, 3}, new float[] {4, 5, 6}));
    assertArrayEquals(new long[] {2, 3}, enc.get(0).shape());
    List<float[]> dec = f.decode(wire(enc));
    assertArrayEquals(new float[] {4, 5, 6}, dec.get(1));

    TensorCodec<long[]> l = TensorCodec.longs("ids");
    assertArrayEquals(
        new long[] {9, 8},
        l.decode(wire(l.encode(List.of(new long[] {1, 2}, new long[] {9, 8})))).get(1));

    TensorCodec<String> s = TensorCodec.strings("text");
    assertEquals(List.of("a b", "ç"), s.decode(wire(s.encode(List.of("a b", "ç")))));

    TensorCodec<Map<String, Tensor>> m = TensorCodec.tensors();
    Map<String, Tensor> item = new LinkedHashMap<>();
    item.put("ids", Tensor.int64("ids", new long[] {3}, new long[] {1, 2, 3}));
    item.put(
        "mask",
        Tensor.of("mask", DataType.BOOL, new long[] {3}, new boolean[] {true, true, false}));
    List<Tensor> batch = m.encode(List.of(item, item));
    assertArrayEquals(new long[] {2, 3}, batch.get(0).shape());
    List<Map<String, Tensor>> back = m.decode(wire(batch));
    assertEquals(2, back.size());
    assertEquals(item, back.get(1));
  }

  @Test
  void valuesThatCannotShareATensor_areRefusedNamingWhy() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TensorCodec.floats("x").encode(List.of(new float[2], new float[3])));
    assertTrue(e.getMessage().contains("lengths 2 and 3"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TensorCodec.floats("x")
                    .decode(Map.of("x", Tensor.int64("x", new long[] {1, 1}, new long[] {1}))));
    assertTrue(e.getMessage().contains("is INT64, expected FP32"), e.getMessage());
  }

  @Test
  void malformedBodies_areRefusedSayingWhatIsWrong() {
    String[][] cases = {
      {"{", "malformed JSON"},
      {"{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\"}]}", "has no 'data'"},
      {
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BOOL\",\"data\":[1]}]}",
        "BOOL but its data holds an integer"
      },
      {
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT32\","
            + "\"data\":[9999999999]}]}",
        "INT32 but holds 9999999999"
      },
      {
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[-1],\"datatype\":\"FP32\",\"data\":[]}]}",
        "negative dimension"
      },
      {"{\"inputs\":{}}", "'inputs' must be a JSON array"},
      {"{\"outputs\":[]}", "has no 'inputs'"},
      {"{\"inputs\":[]} x", "malformed JSON"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> OipJson.parse(c[0].getBytes(StandardCharsets.UTF_8), true),
              c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }

  @Test
  void versions_integerIsMajorDotZeroDotZero_andSlotsTakeMaasdkSelectors() {
    assertEquals("1", OipVersions.toProtocol(Version.parse("1.0.0")));
    assertEquals("1.2.0", OipVersions.toProtocol(Version.parse("1.2.0")));
    assertEquals("2.0.0-rc.1", OipVersions.toProtocol(Version.parse("2.0.0-rc.1")));
    assertEquals(Version.parse("3.0.0"), OipVersions.fromProtocol("3"));
    assertEquals(Version.parse("3.1.0"), OipVersions.fromProtocol("3.1.0"));
    assertEquals(VersionSelector.exact("1.0.0"), OipVersions.selector("1"));
    assertEquals(VersionSelector.alias("stable"), OipVersions.selector("stable"));
    assertTrue(OipVersions.selector("^1") instanceof VersionSelector.Range);
    assertEquals(VersionSelector.latest(), OipVersions.selector("latest"));
  }
}
