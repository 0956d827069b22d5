package io.maasdk.security.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import io.maasdk.IntegrityException;
import io.maasdk.security.KeyPurpose;
import io.maasdk.security.Keysets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;

class TinkPrimitivesTest {
  private static final byte[] DATA = "hello".getBytes(StandardCharsets.UTF_8);

  @Test
  void primitive_madeUnderMaasdksConfiguration_works() throws GeneralSecurityException {
    Aead aead =
        TinkPrimitives.primitive(
            KeyPurpose.PAYLOAD.generate(), Aead.class, "the payload keyset", "not an AEAD keyset");
    assertArrayEquals(DATA, aead.decrypt(aead.encrypt(DATA, DATA), DATA));
  }

  @Test
  void primitive_ofTheWrongKind_namesTheKindAndTheRemedy() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                TinkPrimitives.primitive(
                    KeyPurpose.PRF.generate(),
                    Mac.class,
                    "the audit keyset",
                    "not a MAC keyset: use KeyPurpose.AUDIT.generate()"));
    assertEquals("not a MAC keyset: use KeyPurpose.AUDIT.generate()", e.getMessage());
    assertTrue(e.getCause() instanceof GeneralSecurityException);
  }

  @Test
  void primitive_withoutAnEnabledPrimary_isAnIntegrityProblemNamingTheKeyset() throws Exception {
    KeysetHandle keys = KeyPurpose.AUDIT.generate();
    KeysetHandle.Builder b = KeysetHandle.newBuilder(keys);
    b.addEntry(
        KeysetHandle.generateEntryFromParameters(keys.getPrimary().getKey().getParameters())
            .withRandomId()
            .makePrimary());
    b.getAt(0).setStatus(KeyStatus.DISABLED);
    KeysetHandle rotatedThenOldKeyDisabled = b.build();
    // the new primary is enabled: fine
    TinkPrimitives.primitive(rotatedThenOldKeyDisabled, Mac.class, "the audit keyset", "x");

    // Tink's builder refuses a keyset without an enabled primary, but a parsed one can lack it
    String json =
        TinkJsonProtoKeysetFormat.serializeKeyset(keys, InsecureSecretKeyAccess.get())
            .replaceFirst("\"primaryKeyId\":\\s*\\d+", "\"primaryKeyId\":1");
    KeysetHandle noPrimary =
        TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
    IntegrityException e =
        assertThrows(
            IntegrityException.class,
            () -> TinkPrimitives.primitive(noPrimary, Mac.class, "the audit keyset", "x"));
    assertEquals("the audit keyset has no enabled primary key", e.getMessage());
  }

  @Test
  void make_needsNoPrimary_forAVerifier() throws GeneralSecurityException {
    KeysetHandle trusted = Keysets.publicKeys(KeyPurpose.SIGNING.generate());
    PublicKeyVerify v = TinkPrimitives.make(trusted, PublicKeyVerify.class, "not a verifier");
    assertThrows(GeneralSecurityException.class, () -> v.verify(new byte[64], DATA));
  }

  @Test
  void run_passesTheResultThrough_andMapsAFailureToIllegalState() {
    byte[] out = TinkPrimitives.run("MAC", () -> DATA);
    assertSame(DATA, out);
    GeneralSecurityException cause = new GeneralSecurityException("boom");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                TinkPrimitives.run(
                    "MAC",
                    () -> {
                      throw cause;
                    }));
    assertEquals("MAC failed", e.getMessage());
    assertSame(cause, e.getCause());
  }
}
