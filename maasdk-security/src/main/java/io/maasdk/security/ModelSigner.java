package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import io.maasdk.Version;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.ModelFiles;
import io.maasdk.security.internal.TinkPrimitives;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a signed {@link Manifest} for a model folder: {@value #MANIFEST} lists every file (as
 * stored: sign after encrypting, so digests cover the ciphertext and are checked before decryption)
 * and {@value #SIGNATURE} holds its Ed25519 signature. Immutable and thread-safe.
 */
public final class ModelSigner {
  /** The manifest's file name inside a model folder. */
  public static final String MANIFEST = "manifest.json";

  /** The signature's file name inside a model folder. */
  public static final String SIGNATURE = "manifest.sig";

  static final byte[] DOMAIN = "maasdk/manifest-signature/v1\n".getBytes(StandardCharsets.UTF_8);

  private final PublicKeySign signer;

  private ModelSigner(PublicKeySign signer) {
    this.signer = signer;
  }

  /**
   * A signer over a private {@link KeyPurpose#SIGNING} keyset (its primary key signs).
   *
   * @param signingKeys the private signing keyset
   * @return the signer
   */
  public static ModelSigner of(KeysetHandle signingKeys) {
    return new ModelSigner(
        TinkPrimitives.primitive(
            signingKeys,
            PublicKeySign.class,
            "the signing keyset",
            "not a private signing keyset: use KeyPurpose.SIGNING.generate()"));
  }

  /**
   * The manifest of {@code dir} as it is now (every regular file, symlinks refused).
   *
   * @param dir the model version's folder
   * @param name the model's name
   * @param version the version
   * @return the manifest, unsigned
   */
  public static Manifest describe(Path dir, String name, String version) {
    Version v = Version.parse(version);
    ModelFiles.requireSafeName(name, v);
    List<Manifest.FileEntry> entries = new ArrayList<>();
    Path root = dir.toAbsolutePath().normalize();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
        String rel = root.relativize(p).toString().replace('\\', '/');
        if (p.equals(root)
            || rel.equals(MANIFEST)
            || rel.equals(SIGNATURE)
            || p.getFileName().toString().startsWith(".")) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          throw new IllegalArgumentException("refusing to sign the symbolic link " + p);
        }
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          entries.add(new Manifest.FileEntry(rel, Files.size(p), sha256(p)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
    return new Manifest(name, v, entries);
  }

  /**
   * Describes {@code dir} and writes {@value #MANIFEST} and {@value #SIGNATURE} into it, replacing
   * earlier ones.
   *
   * @param dir the model version's folder
   * @param name the model's name
   * @param version the version
   * @return the manifest written and signed
   */
  public Manifest sign(Path dir, String name, String version) {
    Manifest m = describe(dir, name, version);
    byte[] json = m.toJson();
    byte[] sig = TinkPrimitives.run("signing", () -> signer.sign(signedBytes(json)));
    try {
      write(dir.resolve(MANIFEST), json);
      write(dir.resolve(SIGNATURE), sig);
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the manifest into " + dir, e);
    }
  }

  static byte[] signedBytes(byte[] json) {
    byte[] out = new byte[DOMAIN.length + json.length];
    System.arraycopy(DOMAIN, 0, out, 0, DOMAIN.length);
    System.arraycopy(json, 0, out, DOMAIN.length, json.length);
    return out;
  }

  static String sha256(Path file) throws IOException {
    MessageDigest d = Hex.sha256();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      for (int r; (r = in.read(buf)) > 0; ) {
        d.update(buf, 0, r);
      }
    }
    return Hex.of(d.digest());
  }

  private static void write(Path target, byte[] bytes) throws IOException {
    Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".maasdk-", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
