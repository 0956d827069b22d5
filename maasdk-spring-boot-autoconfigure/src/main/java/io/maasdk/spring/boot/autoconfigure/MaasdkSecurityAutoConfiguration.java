package io.maasdk.spring.boot.autoconfigure;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.security.KeysetLoader;
import io.maasdk.security.RequireSignatures;
import io.maasdk.security.SignaturePolicy;
import io.maasdk.security.VerifyingModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Signed models only, from one property, when maasdk-security is on the classpath: {@code
 * maasdk.security.trusted-keys} names the trusted public keyset (a Spring resource: {@code
 * classpath:}, {@code file:}), as {@code maasdk keys create --public-out} writes it. Then every
 * deploy must load through a source that requires a signature by those keys ({@link
 * RequireSignatures}), and models declared under {@code maasdk.models} load from signed folders
 * ({@link VerifyingModelSource}); anything unsigned or signed by another key fails the startup.
 *
 * <p>Only public keys are read here: nothing secret is held in a property or logged.
 */
@AutoConfiguration(before = MaasdkAutoConfiguration.class)
@ConditionalOnClass(name = "io.maasdk.security.RequireSignatures")
@ConditionalOnProperty(prefix = "maasdk.security", name = "trusted-keys")
public class MaasdkSecurityAutoConfiguration {

  /**
   * The trusted public keys, read once.
   *
   * @throws IllegalStateException if the resource is missing or not a public keyset
   */
  @Bean
  @ConditionalOnMissingBean(name = "maasdkTrustedKeys")
  KeysetHandle maasdkTrustedKeys(MaasdkProperties properties, ResourceLoader resources) {
    String location = properties.getSecurity().getTrustedKeys();
    Resource r = resources.getResource(location);
    try (InputStream in = r.getInputStream()) {
      return KeysetLoader.publicKeys()
          .parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), location);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "maasdk.security.trusted-keys " + location + " cannot be read", e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "maasdk.security.trusted-keys " + location + " is not a public keyset: " + e.getMessage(),
          e);
    }
  }

  /**
   * Refuses every deploy not verified against the trusted keys (a CallInterceptor bean); off with
   * {@code maasdk.security.require-signatures=false}, which leaves only the property-declared
   * folders verified.
   *
   * @param maasdkTrustedKeys the public keys deploys must be signed by
   * @return the deploy check refusing unsigned or wrongly signed models
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(
      prefix = "maasdk.security",
      name = "require-signatures",
      matchIfMissing = true)
  public RequireSignatures maasdkRequireSignatures(KeysetHandle maasdkTrustedKeys) {
    return RequireSignatures.by(maasdkTrustedKeys);
  }

  /** Property-declared model folders are opened verifying their signed manifest. */
  @Bean
  FolderSources maasdkSignedFolders(KeysetHandle maasdkTrustedKeys) {
    SignaturePolicy policy = SignaturePolicy.required(maasdkTrustedKeys);
    return new FolderSources() {
      @Override
      public io.maasdk.ModelSource open(java.nio.file.Path folder) {
        return VerifyingModelSource.of(folder, policy);
      }

      @Override
      public boolean allowsUnsignedLocations() {
        return false;
      }
    };
  }
}
