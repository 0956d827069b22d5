package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.streamingaead.StreamingAeadParameters;
import io.maasdk.IntegrityException;
import io.maasdk.Version;
import io.maasdk.security.internal.LazyPrimitive;
import io.maasdk.security.internal.ModelFiles;
import io.maasdk.security.internal.TinkInit;
import io.maasdk.security.internal.TinkPrimitives;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Encrypts model files with Tink StreamingAead (AES256-GCM-HKDF, 4 KB segments) and decrypts them
 * into memory. The associated data binds each ciphertext to its model name, version and file name,
 * so a file moved to another model, version or name no longer decrypts. An encrypted file is the
 * plaintext name plus {@value #SUFFIX}.
 *
 * <p>Decryption authenticates the whole file before returning any byte: StreamingAead notices a
 * truncated stream only at its end, so nothing is handed to an engine until the end is reached.
 * Plaintext is never written to disk. Immutable and thread-safe.
 */
public final class ArtifactCipher {
  /** Suffix of encrypted files: {@code model.pt} becomes {@code model.pt.tink}. */
  public static final String SUFFIX = ".tink";

  private final LazyPrimitive<StreamingAead> aead;

  private ArtifactCipher(KeysetHandle keys) {
    this.aead =
        new LazyPrimitive<>(
            keys,
            StreamingAead.class,
            "not a StreamingAead keyset: use KeyPurpose.ARTIFACT.generate()");
  }

  /**
   * A cipher over an {@link KeyPurpose#ARTIFACT} keyset: encrypts with its primary, decrypts with
   * any enabled key.
   *
   * @param artifactKeys an {@link KeyPurpose#ARTIFACT} keyset
   * @return the cipher
   */
  public static ArtifactCipher of(KeysetHandle artifactKeys) {
    TinkPrimitives.requirePrimary(artifactKeys, "the artifact keyset");
    TinkInit.register(TinkInit.Family.STREAMING_AEAD);
    for (int i = 0; i < artifactKeys.size(); i++) {
      if (!(artifactKeys.getAt(i).getKey().getParameters() instanceof StreamingAeadParameters)) {
        throw new IllegalArgumentException(
            "not a StreamingAead keyset: use KeyPurpose.ARTIFACT.generate()");
      }
    }
    return new ArtifactCipher(artifactKeys);
  }

  /** The associated data of one file: binds model, version and file name. */
  static byte[] associatedData(String model, Version version, String plainFileName) {
    return ("maasdk/artifact/v1\n" + model + "\n" + version + "\n" + plainFileName)
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Encrypts {@code plaintextFile} to {@code outDir/<name>.tink}, replacing it atomically.
   *
   * @param model the model's name, bound to the ciphertext
   * @param version the version, bound to the ciphertext
   * @param plaintextFile the model file
   * @param outDir where the encrypted file is written
   * @return the encrypted file
   */
  public Path encryptFile(String model, String version, Path plaintextFile, Path outDir) {
    Version v = Version.parse(version);
    ModelFiles.requireSafeName(model, v);
    String name = plaintextFile.getFileName().toString();
    String problem = ModelFiles.pathProblem(name);
    if (problem != null || Files.isSymbolicLink(plaintextFile)) {
      throw new IllegalArgumentException(
          "cannot encrypt "
              + plaintextFile
              + ": "
              + (problem != null ? "file name " + problem : "it is a symbolic link"));
    }
    Path target = outDir.resolve(name + SUFFIX);
    try (InputStream in = Files.newInputStream(plaintextFile, LinkOption.NOFOLLOW_LINKS)) {
      writeEncrypted(in, model, v, name, target);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot encrypt " + plaintextFile + " for " + model + "@" + v, e);
    }
  }

  /**
   * Encrypts every regular file directly in {@code plaintextDir} into {@code outDir}.
   *
   * @param model the model's name, bound to the ciphertext
   * @param version the version, bound to the ciphertext
   * @param plaintextDir the folder of the model's plaintext files
   * @param outDir where the encrypted files are written
   * @return the encrypted files, sorted by name
   */
  public List<Path> encryptDirectory(String model, String version, Path plaintextDir, Path outDir) {
    List<Path> out = new ArrayList<>();
    for (Path f : regularFiles(plaintextDir, false)) {
      out.add(encryptFile(model, version, f, outDir));
    }
    return out;
  }

  /**
   * Decrypts every {@value #SUFFIX} file of {@code encryptedDir} with whatever enabled key it was
   * encrypted under and encrypts it again under the current primary, replacing each file
   * atomically. Run after {@link Keysets#rotate}; re-sign the model afterwards.
   *
   * @param model the model's name, bound to the ciphertext
   * @param version the version, bound to the ciphertext
   * @param encryptedDir the folder of the model's encrypted files
   * @return how many files were re-encrypted
   * @throws IntegrityException if a file does not authenticate; files already done stay done
   */
  public int reencryptDirectory(String model, String version, Path encryptedDir) {
    Version v = Version.parse(version);
    int n = 0;
    for (Path f : regularFiles(encryptedDir, true)) {
      String encName = f.getFileName().toString();
      String plainName = encName.substring(0, encName.length() - SUFFIX.length());
      byte[] plain = null;
      try {
        byte[] ct = Files.readAllBytes(f);
        plain = decrypt(model, v, encName, ct);
        writeEncrypted(new ByteArrayInputStream(plain), model, v, plainName, f);
        n++;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot re-encrypt " + f, e);
      } finally {
        if (plain != null) {
          Arrays.fill(plain, (byte) 0);
        }
      }
    }
    return n;
  }

  /**
   * Decrypts and authenticates a whole encrypted file held in memory.
   *
   * @param model the model's name it was encrypted for
   * @param version the version it was encrypted for
   * @param encryptedFileName the stored name, ending in {@value #SUFFIX}
   * @param ciphertext the encrypted file's bytes
   * @return the plaintext
   * @throws IntegrityException naming the model and file if it does not authenticate
   */
  public byte[] decrypt(
      String model, Version version, String encryptedFileName, byte[] ciphertext) {
    Plaintext p =
        decryptStream(
            model,
            version,
            encryptedFileName,
            new ByteArrayInputStream(ciphertext),
            ciphertext.length);
    if (p.length() == p.bytes().length) {
      return p.bytes();
    }
    byte[] out = Arrays.copyOf(p.bytes(), p.length());
    Arrays.fill(p.bytes(), (byte) 0);
    return out;
  }

  /** Plaintext in {@code bytes[0..length)}; the rest of the buffer is unused. */
  record Plaintext(byte[] bytes, int length) {}

  /**
   * Decrypts and authenticates {@code ciphertext} to its end in one pass, into a buffer of {@code
   * ciphertextLength} bytes (plaintext is never longer).
   *
   * @throws IntegrityException naming the model and file if it does not authenticate
   */
  Plaintext decryptStream(
      String model,
      Version version,
      String encryptedFileName,
      InputStream ciphertext,
      int ciphertextLength) {
    HeapSink sink = new HeapSink(ciphertextLength);
    try {
      decryptTo(model, version, encryptedFileName, ciphertext, sink);
    } catch (IntegrityException e) {
      Arrays.fill(sink.buf, (byte) 0);
      throw e;
    }
    return new Plaintext(sink.buf, sink.len);
  }

  /** Where decrypted bytes go, in order; nothing may be handed on before the whole file passed. */
  interface Sink {
    void write(byte[] b, int off, int len) throws IOException;
  }

  /** A bounded heap buffer. */
  static final class HeapSink implements Sink {
    final byte[] buf;
    int len;

    HeapSink(int capacity) {
      this.buf = new byte[capacity];
    }

    @Override
    public void write(byte[] b, int off, int n) throws IOException {
      if (n > buf.length - len) {
        throw new IOException("longer than its stored size");
      }
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }
  }

  /**
   * Decrypts and authenticates {@code ciphertext} to its end in one pass into {@code out}. The
   * stream is read exactly once, so a caller may hash the ciphertext while it is decrypted (see
   * {@code SecureSource}). Reads go in {@value #CHUNK}-byte steps: Tink's keyset decrypter buffers
   * everything read before its first successful read (to retry other keys), so one huge first read
   * would copy the whole file again. On failure, {@code out} holds unauthenticated bytes that the
   * caller must discard.
   *
   * @throws IntegrityException naming the model and file if it does not authenticate
   */
  void decryptTo(
      String model, Version version, String encryptedFileName, InputStream ciphertext, Sink out) {
    if (!encryptedFileName.endsWith(SUFFIX)) {
      throw new IntegrityException(
          model,
          version,
          "refused "
              + model
              + "@"
              + version
              + " file "
              + encryptedFileName
              + ": encrypted model files end in "
              + SUFFIX);
    }
    String plainName = encryptedFileName.substring(0, encryptedFileName.length() - SUFFIX.length());
    byte[] ad = associatedData(model, version, plainName);
    byte[] chunk = new byte[CHUNK];
    try (InputStream in = aead.get().newDecryptingStream(new NonClosing(ciphertext), ad)) {
      for (int r; (r = in.read(chunk, 0, CHUNK)) > 0; ) {
        out.write(chunk, 0, r);
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IntegrityException(
          model,
          version,
          "integrity check failed for "
              + model
              + "@"
              + version
              + " file "
              + encryptedFileName
              + ": it does not authenticate under any enabled key of the artifact keyset"
              + " (tampered, truncated, extended, moved from another model, version or file,"
              + " or encrypted under a key that was rotated away or disabled). Nothing was loaded.",
          e);
    } finally {
      Arrays.fill(chunk, (byte) 0);
    }
  }

  private static final int CHUNK = 1 << 16;

  /** Leaves the caller's stream open: the caller still drains and closes it. */
  private static final class NonClosing extends java.io.FilterInputStream {
    NonClosing(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }

  private void writeEncrypted(
      InputStream in, String model, Version v, String plainName, Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".maasdk-enc-", ".tmp");
    try {
      try (OutputStream os = Files.newOutputStream(tmp);
          OutputStream enc =
              aead.get().newEncryptingStream(os, associatedData(model, v, plainName))) {
        in.transferTo(enc);
      } catch (GeneralSecurityException e) {
        throw new IOException("encryption failed", e);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static List<Path> regularFiles(Path dir, boolean encrypted) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        String n = f.getFileName().toString();
        if (Files.isSymbolicLink(f)) {
          throw new IllegalArgumentException("refusing the symbolic link " + f);
        }
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
            && !n.startsWith(".")
            && !n.equals(ModelSigner.MANIFEST)
            && !n.equals(ModelSigner.SIGNATURE)
            && n.endsWith(SUFFIX) == encrypted) {
          files.add(f);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    files.sort(Objects.requireNonNull(java.util.Comparator.naturalOrder()));
    return files;
  }
}
