package io.maasdk.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.KmsClient;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.TinkInit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Set;

/**
 * The key-encryption key that protects every other keyset at rest ({@link KeysetLoader#encrypted}).
 * Either a KMS key ({@link #fromKms}: Tink's AWS or GCP {@link KmsClient}, recommended in
 * production), any {@link Aead}, or a local master key file ({@link #createLocal}, {@link #local}):
 * an AES256-GCM keyset kept like an SSH private key, in an owner-only file that maasdk refuses to
 * read if its group or others can read it. Immutable and thread-safe.
 */
public final class MasterKey {
  private final Aead aead;
  private final String description;

  private MasterKey(Aead aead, String description) {
    this.aead = aead;
    this.description = description;
  }

  /**
   * Wraps any AEAD, for example one from a KMS or an HSM.
   *
   * @param aead the AEAD that wraps keysets
   * @param description what the key is, for messages (never the key)
   * @return the master key
   */
  public static MasterKey of(Aead aead, String description) {
    return new MasterKey(Objects.requireNonNull(aead, "aead"), description);
  }

  /**
   * A KMS-held key: {@code fromKms(new AwsKmsClient(), "aws-kms://arn:aws:kms:…")}.
   *
   * @param client the KMS client
   * @param keyUri the key's URI in that KMS
   * @return the master key
   */
  public static MasterKey fromKms(KmsClient client, String keyUri) {
    TinkInit.config();
    try {
      return new MasterKey(client.getAead(keyUri), "kms:" + keyUri);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot get the KMS key " + keyUri, e);
    }
  }

  /**
   * Generates a new local master key and writes it to {@code file}, owner read/write only.
   *
   * @param file where the new key is written; it must not exist
   * @return the new master key
   * @throws IllegalStateException if {@code file} exists (a master key is never overwritten)
   */
  public static MasterKey createLocal(Path file) {
    KeysetHandle h = KeyPurpose.MASTER.generate();
    try {
      String json = TinkJsonProtoKeysetFormat.serializeKeyset(h, InsecureSecretKeyAccess.get());
      writeOwnerOnly(file, json.getBytes(StandardCharsets.UTF_8));
      return new MasterKey(h.getPrimitive(TinkInit.config(), Aead.class), "local:" + file);
    } catch (FileAlreadyExistsException e) {
      throw new IllegalStateException("refusing to overwrite the master key " + file, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the master key " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create a master key", e);
    }
  }

  /**
   * Reads a local master key written by {@link #createLocal}.
   *
   * @param file the key file
   * @return the master key
   * @throws IntegrityException if the file is readable by group or others, or is not a master key
   */
  public static MasterKey local(Path file) {
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
      if (view != null) {
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (perms.contains(PosixFilePermission.GROUP_READ)
            || perms.contains(PosixFilePermission.OTHERS_READ)
            || perms.contains(PosixFilePermission.GROUP_WRITE)
            || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
          throw new IntegrityException(
              null,
              null,
              "refusing the master key "
                  + file
                  + ": it is readable or writable by group or others"
                  + " ("
                  + PosixFilePermissions.toString(perms)
                  + "); run chmod 600 on it");
        }
      }
      String json = Files.readString(file, StandardCharsets.UTF_8);
      KeysetHandle h = TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
      return new MasterKey(h.getPrimitive(TinkInit.config(), Aead.class), "local:" + file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the master key " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IntegrityException(
          null, null, "the file " + file + " is not a maasdk master key (an AES-GCM keyset)");
    }
  }

  Aead aead() {
    return aead;
  }

  @Override
  public String toString() {
    return "MasterKey[" + description + "]";
  }

  static void writeOwnerOnly(Path file, byte[] bytes) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString());
    }
    Path tmp;
    try {
      tmp =
          Files.createTempFile(
              parent,
              ".maasdk-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      tmp = Files.createTempFile(parent, ".maasdk-", ".tmp");
    }
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
