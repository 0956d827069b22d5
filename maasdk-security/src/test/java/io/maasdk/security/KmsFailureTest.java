package io.maasdk.security;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.KmsClient;
import io.maasdk.IntegrityException;
import io.maasdk.ModelUnavailableException;
import io.maasdk.security.internal.TinkInit;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A KMS is a collaborator at the edge: it fails on cue here (Mockito) while the keyset, the master
 * key's cryptography and {@link KeysetLoader} are real. A KMS that times out or cannot be reached
 * says nothing about the keyset, so it must not be reported as tampering.
 */
class KmsFailureTest {
  private static final String URI = "fake-kms://key1";

  private final KeysetHandle keys = KeyPurpose.ARTIFACT.generate();
  private Aead realKms;
  private Aead kms;
  private String stored;

  @BeforeEach
  void storeAKeysetUnderTheKms() throws GeneralSecurityException {
    realKms = KeyPurpose.MASTER.generate().getPrimitive(TinkInit.config(), Aead.class);
    kms = mock(Aead.class);
    when(kms.encrypt(any(), any()))
        .thenAnswer(i -> realKms.encrypt(i.getArgument(0), i.getArgument(1)));
    stored = loader().serialize(keys);
  }

  private KeysetLoader loader() throws GeneralSecurityException {
    KmsClient client = mock(KmsClient.class);
    when(client.getAead(URI)).thenReturn(kms);
    return KeysetLoader.encrypted(MasterKey.fromKms(client, URI));
  }

  private void kmsDecryptsAgain() throws GeneralSecurityException {
    doAnswer(i -> realKms.decrypt(i.getArgument(0), i.getArgument(1)))
        .when(kms)
        .decrypt(any(), any());
  }

  @Test
  void kmsTimesOut_isUnavailable_notTampered_andTheSameKeysetLoadsOnceItAnswers() throws Exception {
    // the form Tink's GCP and AWS KMS clients give a read timeout: wrapped in a
    // GeneralSecurityException
    when(kms.decrypt(any(), any()))
        .thenThrow(
            new GeneralSecurityException(
                "decryption failed", new SocketTimeoutException("Read timed out")));
    KeysetLoader loader = loader();

    RuntimeException e =
        assertThrows(RuntimeException.class, () -> loader.parse(stored, "file k.json"));
    assertInstanceOf(ModelUnavailableException.class, e, "a KMS timeout was reported as " + e);
    assertTrue(
        e.getMessage().contains("file k.json") && e.getMessage().contains("retry"), e.getMessage());
    assertTrue(e.getMessage().contains(URI), e.getMessage());

    kmsDecryptsAgain();
    assertTrue(loader.parse(stored, "file k.json").equalsKeyset(keys));
  }

  @Test
  void kmsUnreachable_uncheckedFromItsClient_isUnavailable() throws Exception {
    // an SDK's client-side failure (no connection) arrives unchecked
    when(kms.decrypt(any(), any()))
        .thenThrow(new UncheckedIOException(new ConnectException("Connection refused")));
    KeysetLoader loader = loader();

    RuntimeException e = assertThrows(RuntimeException.class, () -> loader.parse(stored, "k"));
    assertInstanceOf(ModelUnavailableException.class, e, "an unreachable KMS was reported as " + e);
  }

  @Test
  void kmsRefusesTheCiphertext_isStillAnIntegrityFailure() throws Exception {
    // the KMS answered: this ciphertext is not under its key (wrong key, or modified)
    when(kms.decrypt(any(), any())).thenThrow(new GeneralSecurityException("decryption failed"));
    KeysetLoader loader = loader();
    assertThrows(IntegrityException.class, () -> loader.parse(stored, "k"));
  }

  @Test
  void keysetModifiedOnDisk_withAWorkingKms_isAnIntegrityFailure() throws Exception {
    kmsDecryptsAgain();
    KeysetLoader loader = loader();
    String tampered =
        stored.replaceFirst("\"encryptedKeyset\":\\s*\"(.)", "\"encryptedKeyset\":\"A$1");
    assertThrows(IntegrityException.class, () -> loader.parse(tampered, "k"));
  }
}
