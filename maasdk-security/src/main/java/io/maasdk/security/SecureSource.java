package io.maasdk.security;

import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import io.maasdk.security.internal.DecryptWarmUp;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.MemoryFiles;
import io.maasdk.security.internal.ModelFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The shared reader behind {@link EncryptedModelSource} and {@link VerifyingModelSource}: verify
 * the manifest, read the model file once (hashing while decrypting), check its size, digest, AEAD
 * and format, and only then hand it to the engine: ONNX as a file in RAM-backed tmpfs, anything
 * else (or ONNX without tmpfs) as an in-memory stream.
 */
final class SecureSource implements ModelSource {
  private final Path dir;
  private final @Nullable ArtifactCipher cipher;
  private final SignaturePolicy signatures;
  private final FormatPolicy formats;
  private final long maxFileBytes;
  private final @Nullable AuditLog audit;
  private final boolean memoryFiles;

  SecureSource(
      Path dir,
      @Nullable ArtifactCipher cipher,
      SignaturePolicy signatures,
      FormatPolicy formats,
      long maxFileBytes,
      @Nullable AuditLog audit,
      boolean memoryFiles) {
    this.audit = audit;
    this.memoryFiles = memoryFiles;
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("not a directory: " + dir);
    }
    this.dir = dir.toAbsolutePath().normalize();
    this.cipher = cipher;
    this.signatures = signatures;
    this.formats = formats;
    this.maxFileBytes = maxFileBytes;
  }

  @Override
  public ModelArtifact open(String model, Version version) throws IOException {
    ModelFiles.requireSafeName(model, version);
    Path real = dir.toRealPath();
    Optional<Manifest> manifest = signatures.verifyManifest(real, model, version);
    String suffix = cipher != null ? ArtifactCipher.SUFFIX : "";
    List<String> candidates = new ArrayList<>();
    if (manifest.isPresent()) {
      for (Manifest.FileEntry f : manifest.get().files()) {
        candidates.add(f.path());
      }
    } else {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(real)) {
        for (Path p : ds) {
          String n = p.getFileName().toString();
          if (!n.startsWith(".")
              && !n.equals(ModelSigner.MANIFEST)
              && !n.equals(ModelSigner.SIGNATURE)) {
            candidates.add(n);
          }
        }
      }
    }
    String main = mainFile(model, version, candidates, suffix);
    if (manifest.isPresent()) {
      for (Manifest.FileEntry f : manifest.get().files()) {
        if (!f.path().equals(main)) {
          SignaturePolicy.checkFile(model, version, real, f);
        }
      }
    }
    String[] problem = new String[1];
    Path file = ModelFiles.resolveInside(real, main, problem);
    if (file == null) {
      throw SignaturePolicy.fail(model, version, main, "the file " + problem[0]);
    }
    String storedName = main.substring(main.lastIndexOf('/') + 1);
    String plainName = storedName;
    if (cipher != null) {
      plainName = plainName.substring(0, plainName.length() - suffix.length());
    } else if (plainName.endsWith(ArtifactCipher.SUFFIX)) {
      throw SignaturePolicy.fail(
          model,
          version,
          main,
          "the file is encrypted; load it with EncryptedModelSource and the artifact keyset");
    }
    Manifest.FileEntry entry = manifest.map(m -> m.file(main)).orElse(null);
    if (manifest.isPresent() && entry == null) {
      throw SignaturePolicy.fail(model, version, main, "the signed manifest does not list it");
    }
    byte[] plain;
    int len;
    MemoryFiles.Writer tmpfs =
        memoryFiles && plainName.toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")
            ? MemoryFiles.create(plainName)
            : null;
    if (tmpfs != null) {
      // ONNX Runtime loads from a path ~4x faster than from bytes (DJL copies a stream through a
      // growing buffer): decrypt straight into an owner-only file in RAM-backed tmpfs, which the
      // engine gets only once everything checked out and which is deleted once it has loaded.
      Path done;
      try {
        read(model, version, main, storedName, file, entry, tmpfs::write);
        done = tmpfs.finish();
      } catch (IOException | RuntimeException e) {
        tmpfs.abort();
        throw e instanceof IntegrityException ie
            ? ie
            : SignaturePolicy.fail(model, version, main, "cannot stage it in tmpfs: " + e);
      }
      if (ModelFormat.detect(plainName, tmpfs.header(), tmpfs.headerLength()) == ModelFormat.ONNX) {
        try {
          formats.check(model, version, plainName, tmpfs.header(), tmpfs.headerLength());
        } catch (IntegrityException e) {
          MemoryFiles.delete(done);
          throw e;
        }
        return new MemoryFileArtifact(done);
      }
      // Named .onnx but not ONNX: check the whole file the usual way, from the heap.
      try {
        plain = Files.readAllBytes(done);
      } catch (IOException e) {
        throw SignaturePolicy.fail(model, version, main, "cannot read it back from tmpfs: " + e);
      } finally {
        MemoryFiles.delete(done);
      }
      len = plain.length;
    } else {
      ArtifactCipher.HeapSink heap;
      try {
        heap = new ArtifactCipher.HeapSink((int) Files.size(file));
      } catch (IOException e) {
        throw SignaturePolicy.fail(model, version, main, "cannot read it: " + e.getMessage());
      }
      try {
        read(model, version, main, storedName, file, entry, heap);
      } catch (RuntimeException e) {
        Arrays.fill(heap.buf, (byte) 0);
        throw e;
      }
      plain = heap.buf;
      len = heap.len;
    }
    try {
      formats.check(model, version, plainName, plain, len);
    } catch (IntegrityException e) {
      Arrays.fill(plain, (byte) 0);
      throw e;
    }
    return new InMemoryArtifact(plainName, plain, len);
  }

  /**
   * Reads the stored file once into {@code out}: the SHA-256 of what is read is computed while it
   * is decrypted, so the bytes that are hashed are exactly the bytes that are decrypted. The size
   * is checked against the manifest before reading and the digest after; this returns only if both
   * (and, when encrypted, the AEAD over the whole file) check out. On failure {@code out} holds
   * bytes that must be discarded.
   */
  private void read(
      String model,
      Version version,
      String main,
      String storedName,
      Path file,
      Manifest.@Nullable FileEntry entry,
      ArtifactCipher.Sink out) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw SignaturePolicy.fail(model, version, main, "cannot read it: " + e.getMessage());
    }
    if (size > maxFileBytes) {
      throw SignaturePolicy.fail(
          model, version, main, "it is " + size + " bytes, more than the limit of " + maxFileBytes);
    }
    if (entry != null && entry.size() != size) {
      throw SignaturePolicy.fail(
          model, version, main, "its size or SHA-256 does not match the signed manifest");
    }
    if (cipher != null) {
      DecryptWarmUp.beforeDecrypting(size); // the JDK's GCM intrinsics, for a fraction of the CPU
    }
    MessageDigest sha = entry != null ? Hex.sha256() : null;
    IntegrityException decryptFailure = null;
    long extra;
    try (InputStream raw = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      InputStream in = sha != null ? new DigestInputStream(raw, sha) : raw;
      if (cipher != null) {
        try {
          cipher.decryptTo(model, version, storedName, in, out);
        } catch (IntegrityException e) {
          decryptFailure = e;
        }
        extra = in.transferTo(OutputStream.nullOutputStream()); // the rest goes through the digest
      } else {
        byte[] chunk = new byte[1 << 16];
        long copied = 0;
        for (int r;
            copied < size
                && (r = in.read(chunk, 0, (int) Math.min(chunk.length, size - copied))) > 0;
            copied += r) {
          out.write(chunk, 0, r);
        }
        if (copied != size) {
          throw new IOException("it shrank while it was read");
        }
        extra = in.transferTo(OutputStream.nullOutputStream());
      }
    } catch (IOException e) {
      throw SignaturePolicy.fail(model, version, main, "cannot read it: " + e.getMessage());
    }
    if (entry != null
        && sha != null
        && (extra != 0 || !entry.sha256().equals(Hex.of(sha.digest())))) {
      throw SignaturePolicy.fail(
          model, version, main, "its size or SHA-256 does not match the signed manifest");
    }
    if (decryptFailure != null) {
      audit(model, version, "artifact refused: integrity check failed");
      throw decryptFailure;
    }
    if (extra != 0) {
      throw SignaturePolicy.fail(model, version, main, "it grew while it was read");
    }
    if (cipher != null) {
      audit(model, version, "artifact decrypted");
    }
  }

  private void audit(String model, Version version, String detail) {
    if (audit != null) {
      audit.append(
          new AuditLog.Entry("key-use", model, version.toString(), "artifact-keyset", detail));
    }
  }

  private static String mainFile(String model, Version v, List<String> names, String suffix) {
    for (String n : ModelFiles.MODEL_FILES) {
      if (names.contains(n + suffix)) {
        return n + suffix;
      }
    }
    for (String ext : List.of(".pt", ".onnx")) {
      if (names.contains(model + ext + suffix)) {
        return model + ext + suffix;
      }
    }
    List<String> withSuffix = new ArrayList<>();
    for (String n : names) {
      if (n.endsWith(suffix) && !n.contains("/")) {
        withSuffix.add(n);
      }
    }
    if (withSuffix.size() == 1) {
      return withSuffix.get(0);
    }
    throw new IntegrityException(
        model,
        v,
        "cannot tell which file of "
            + model
            + "@"
            + v
            + " is the model: expected model.pt"
            + suffix
            + " or model.onnx"
            + suffix
            + ", found "
            + withSuffix.size()
            + " candidate files");
  }

  /** The signature policy every open applies. */
  SignaturePolicy signatures() {
    return signatures;
  }

  @Override
  public String describe() {
    return (cipher != null ? "encrypted:" : "verified:") + dir;
  }

  /** Plaintext in an owner-only file in RAM-backed tmpfs; deleted when the runtime closes it. */
  private static final class MemoryFileArtifact implements ModelArtifact {
    private final Path file;

    MemoryFileArtifact(Path file) {
      this.file = file;
    }

    @Override
    public String fileName() {
      return file.getFileName().toString();
    }

    @Override
    public Optional<Path> path() {
      return Optional.of(file);
    }

    @Override
    public InputStream openStream() throws IOException {
      return Files.newInputStream(file);
    }

    @Override
    public void close() {
      MemoryFiles.delete(file);
    }
  }

  /** Plaintext held in memory only; zeroed when the runtime closes the artifact. */
  private static final class InMemoryArtifact implements ModelArtifact {
    private final String fileName;
    private final byte[] bytes;
    private final int length;

    InMemoryArtifact(String fileName, byte[] bytes, int length) {
      this.fileName = fileName;
      this.bytes = bytes;
      this.length = length;
    }

    @Override
    public String fileName() {
      return fileName;
    }

    @Override
    public Optional<Path> path() {
      return Optional.empty();
    }

    @Override
    public InputStream openStream() {
      return new ByteArrayInputStream(bytes, 0, length);
    }

    @Override
    public void close() {
      Arrays.fill(bytes, (byte) 0);
    }
  }
}
