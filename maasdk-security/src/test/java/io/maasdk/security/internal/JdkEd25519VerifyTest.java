package io.maasdk.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.signature.Ed25519Parameters;
import com.google.crypto.tink.signature.PredefinedSignatureParameters;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.Keysets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JDK's EdDSA path must accept exactly what Tink's verifier accepts, key variant by variant.
 */
class JdkEd25519VerifyTest {
  private static final byte[] DATA = "maasdk/manifest/v1\n{}".getBytes(StandardCharsets.UTF_8);

  @ParameterizedTest
  @ValueSource(strings = {"TINK", "CRUNCHY", "LEGACY", "NO_PREFIX"})
  void agreesWithTink_onGoodAndTamperedSignatures(String variant) throws Exception {
    TinkInit.config();
    KeysetHandle signing = KeysetHandle.generateNew(Ed25519Parameters.create(variantOf(variant)));
    byte[] sig = signer(signing).sign(DATA);
    KeysetHandle trusted = Keysets.publicKeys(signing);
    PublicKeyVerify jdk = JdkEd25519Verify.of(trusted);
    assertNotNull(jdk, "the JDK has Ed25519");
    PublicKeyVerify tink = trusted.getPrimitive(RegistryConfiguration.get(), PublicKeyVerify.class);

    assertSame(tink, jdk, sig, DATA, true);
    byte[] otherData = DATA.clone();
    otherData[0] ^= 1;
    assertSame(tink, jdk, sig, otherData, false);
    for (int i = 0; i < sig.length; i += 7) { // prefix, R and S
      byte[] bad = sig.clone();
      bad[i] ^= 0x10;
      assertSame(tink, jdk, bad, DATA, false);
    }
    assertSame(tink, jdk, Arrays.copyOf(sig, sig.length - 1), DATA, false);
    assertSame(tink, jdk, Arrays.copyOf(sig, sig.length + 1), DATA, false);
    assertSame(tink, jdk, new byte[0], DATA, false);
  }

  @Test
  void rotatedKeyset_acceptsEveryEnabledKey_refusesADisabledOne() throws Exception {
    KeysetHandle first = KeyPurpose.SIGNING.generate();
    byte[] oldSig = signer(first).sign(DATA);
    KeysetHandle rotated = Keysets.rotate(first, KeyPurpose.SIGNING);
    byte[] newSig = signer(rotated).sign(DATA);
    PublicKeyVerify both = JdkEd25519Verify.of(Keysets.publicKeys(rotated));
    assertNotNull(both);
    both.verify(oldSig, DATA);
    both.verify(newSig, DATA);

    KeysetHandle retired = Keysets.disable(rotated, first.getPrimary().getId());
    KeysetHandle trusted = Keysets.publicKeys(retired);
    PublicKeyVerify jdk = JdkEd25519Verify.of(trusted);
    PublicKeyVerify tink = trusted.getPrimitive(RegistryConfiguration.get(), PublicKeyVerify.class);
    assertSame(tink, jdk, oldSig, DATA, false);
    assertSame(tink, jdk, newSig, DATA, true);
  }

  @Test
  void otherKeyKinds_areLeftToTink() throws Exception {
    TinkInit.config();
    KeysetHandle ecdsa = KeysetHandle.generateNew(PredefinedSignatureParameters.ECDSA_P256);
    assertNull(JdkEd25519Verify.of(Keysets.publicKeys(ecdsa)));
  }

  private static PublicKeySign signer(KeysetHandle signing) throws GeneralSecurityException {
    return signing.getPrimitive(RegistryConfiguration.get(), PublicKeySign.class);
  }

  private static Ed25519Parameters.Variant variantOf(String name) {
    switch (name) {
      case "TINK":
        return Ed25519Parameters.Variant.TINK;
      case "CRUNCHY":
        return Ed25519Parameters.Variant.CRUNCHY;
      case "LEGACY":
        return Ed25519Parameters.Variant.LEGACY;
      default:
        return Ed25519Parameters.Variant.NO_PREFIX;
    }
  }

  private static void assertSame(
      PublicKeyVerify tink, PublicKeyVerify jdk, byte[] sig, byte[] data, boolean valid) {
    assertEquals(valid, verifies(tink, sig, data), "Tink's verdict");
    assertEquals(valid, verifies(jdk, sig, data), "the JDK path's verdict");
  }

  private static boolean verifies(PublicKeyVerify v, byte[] sig, byte[] data) {
    try {
      v.verify(sig, data);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
