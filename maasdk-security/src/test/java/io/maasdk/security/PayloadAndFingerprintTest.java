package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadAndFingerprintTest {
  @Test
  void payload_roundTrip_contextBound_tamperRefused_rotationReadsOld() {
    KeysetHandle k = KeyPurpose.PAYLOAD.generate();
    PayloadProtector p = PayloadProtector.of(k);
    byte[] msg = "card=4111".getBytes(StandardCharsets.UTF_8);
    byte[] ct = p.seal(msg, "audit-input:fraud");
    assertArrayEquals(msg, p.open(ct, "audit-input:fraud"));
    assertThrows(IntegrityException.class, () -> p.open(ct, "audit-input:other"));
    byte[] bad = ct.clone();
    bad[bad.length - 1] ^= 1;
    assertThrows(IntegrityException.class, () -> p.open(bad, "audit-input:fraud"));
    PayloadProtector rotated = PayloadProtector.of(Keysets.rotate(k, KeyPurpose.PAYLOAD));
    assertArrayEquals(msg, rotated.open(ct, "audit-input:fraud"));
    assertThrows(
        IntegrityException.class,
        () -> PayloadProtector.of(KeyPurpose.PAYLOAD.generate()).open(ct, "audit-input:fraud"));
  }

  @Test
  void fingerprint_stableKeyedAndTyped() {
    KeysetHandle k = KeyPurpose.PRF.generate();
    KeyedFingerprinter f = KeyedFingerprinter.of(k);
    float[] x = {1f, 2f, 3f};
    assertEquals(f.fingerprint(x), f.fingerprint(x.clone()));
    assertEquals(32, f.fingerprint(x).length());
    assertNotEquals(f.fingerprint(x), f.fingerprint(new float[] {1f, 2f, 3.0001f}));
    assertNotEquals(
        f.fingerprint(x), KeyedFingerprinter.of(KeyPurpose.PRF.generate()).fingerprint(x));
    assertNotEquals(f.fingerprint("ab"), f.fingerprint("ab".getBytes(StandardCharsets.UTF_8)));
    assertEquals(f.fingerprint("ab"), f.fingerprint((Object) "ab"));
  }
}
