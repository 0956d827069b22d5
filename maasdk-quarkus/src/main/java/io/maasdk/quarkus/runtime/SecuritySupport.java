package io.maasdk.quarkus.runtime;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.ModelSource;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.RequireSignatures;
import io.maasdk.security.SignaturePolicy;
import io.maasdk.security.VerifyingModelSource;
import io.maasdk.spi.CallInterceptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Signed models only, from {@code maasdk.security.trusted-keys}: every deploy must be verified
 * against those public keys, and configured model folders load through their signed manifest.
 * Loaded only when the property is set (maasdk-security is then required). Reads public keys only;
 * nothing secret is held or logged.
 */
final class SecuritySupport {
  private final KeysetHandle keys;
  private final SignaturePolicy policy;

  private SecuritySupport(KeysetHandle keys) {
    this.keys = keys;
    this.policy = SignaturePolicy.required(keys);
  }

  static SecuritySupport trusting(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(
          "maasdk.security.trusted-keys "
              + file
              + " cannot be read ("
              + e.getClass().getSimpleName()
              + "): it must name the trusted public keyset file",
          e);
    }
    try {
      return new SecuritySupport(KeysetLoader.publicKeys().parse(text, file.toString()));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "maasdk.security.trusted-keys " + file + " is not a public keyset: " + e.getMessage(), e);
    }
  }

  CallInterceptor requireSignatures() {
    return RequireSignatures.by(keys);
  }

  ModelSource open(Path folder) {
    return VerifyingModelSource.of(folder, policy);
  }
}
