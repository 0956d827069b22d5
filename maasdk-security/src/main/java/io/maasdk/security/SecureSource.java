package io.maasdk.security;

import io.maasdk.IntegrityException;
import io.maasdk.ModelArtifact;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import io.maasdk.security.internal.Hex;
import io.maasdk.security.internal.ModelFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The shared reader behind {@link EncryptedModelSource} and {@link VerifyingModelSource}: verify
 * manifest, read the model file into memory, check its size and digest, decrypt and authenticate
 * it whole, check its format, and only then hand it to the engine as an in-memory stream.
 */
final class SecureSource implements ModelSource {
  private final Path dir;
  private final @Nullable ArtifactCipher cipher;
  private final SignaturePolicy signatures;
  private final FormatPolicy formats;
  private final long maxFileBytes;
  private final @Nullable AuditLog audit;

  SecureSource(Path dir, @Nullable ArtifactCipher cipher, SignaturePolicy signatures,
      FormatPolicy formats, long maxFileBytes, @Nullable AuditLog audit) {
    this.audit = audit;
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
          if (!n.startsWith(".") && !n.equals(ModelSigner.MANIFEST)
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
    byte[] stored;
    try {
      stored = ModelFiles.readBounded(file, maxFileBytes);
    } catch (IOException e) {
      throw SignaturePolicy.fail(model, version, main, "cannot read it: " + e.getMessage());
    }
    if (manifest.isPresent()) {
      Manifest.FileEntry e = manifest.get().file(main);
      if (e == null || e.size() != stored.length
          || !e.sha256().equals(Hex.sha256(stored, 0, stored.length))) {
        throw SignaturePolicy.fail(model, version, main,
            "its size or SHA-256 does not match the signed manifest");
      }
    }
    String plainName = main.substring(main.lastIndexOf('/') + 1);
    byte[] plain = stored;
    int len = stored.length;
    if (cipher != null) {
      plainName = plainName.substring(0, plainName.length() - suffix.length());
      ArtifactCipher.Plaintext p;
      try {
        p = cipher.decryptInPlace(model, version, main.substring(main.lastIndexOf('/') + 1), stored);
      } catch (IntegrityException e) {
        audit(model, version, "artifact refused: integrity check failed");
        throw e;
      } finally {
        Arrays.fill(stored, (byte) 0);
      }
      plain = p.bytes();
      len = p.length();
      audit(model, version, "artifact decrypted");
    } else if (plainName.endsWith(ArtifactCipher.SUFFIX)) {
      throw SignaturePolicy.fail(model, version, main,
          "the file is encrypted; load it with EncryptedModelSource and the artifact keyset");
    }
    try {
      formats.check(model, version, plainName, plain, len);
    } catch (IntegrityException e) {
      Arrays.fill(plain, (byte) 0);
      throw e;
    }
    return new InMemoryArtifact(plainName, plain, len);
  }

  private void audit(String model, Version version, String detail) {
    if (audit != null) {
      audit.append("key-use", model, version.toString(), "artifact-keyset", detail);
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
    throw new IntegrityException(model, v, "cannot tell which file of " + model + "@" + v
        + " is the model: expected model.pt" + suffix + " or model.onnx" + suffix + ", found "
        + withSuffix.size() + " candidate files");
  }

  @Override
  public String describe() {
    return (cipher != null ? "encrypted:" : "verified:") + dir;
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
