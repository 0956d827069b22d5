package io.maasdk.security;

import com.google.crypto.tink.KeysetHandle;
import io.maasdk.IntegrityException;
import io.maasdk.ModelSource;
import io.maasdk.spi.CallContext;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.ManagementRequest;
import java.util.Objects;

/**
 * A runtime-wide signature policy: every deploy must load through an {@link EncryptedModelSource}
 * or {@link VerifyingModelSource} whose {@link SignaturePolicy} is {@link SignaturePolicy#required
 * required} with exactly these trusted keys. Anything else (a plain folder, a {@code
 * ModelRepository}, a source that only checks signatures {@link SignaturePolicy#ifPresent if
 * present}, or trusts other keys) is refused with an {@link IntegrityException} before anything is
 * loaded. The source itself then checks the signature, the sizes and the digests on every load.
 *
 * <pre>{@code
 * ModelRuntime runtime = ModelRuntime.builder()
 *     .interceptor(RequireSignatures.by(trustedPublicKeys))
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class RequireSignatures implements CallInterceptor {
  private final KeysetHandle trusted;

  private RequireSignatures(KeysetHandle trusted) {
    this.trusted = trusted;
  }

  /**
   * Requires every deployed model to be signed by one of {@code trustedPublicKeys}.
   *
   * @param trustedPublicKeys the public verification keys
   * @return the interceptor
   */
  public static RequireSignatures by(KeysetHandle trustedPublicKeys) {
    Objects.requireNonNull(trustedPublicKeys, "trustedPublicKeys");
    SignaturePolicy.required(trustedPublicKeys); // the same checks: public verification keys only
    return new RequireSignatures(trustedPublicKeys);
  }

  /** Calls are not concerned: what is deployed was checked when it was deployed. */
  @Override
  public void beforeCall(CallContext call) {}

  @Override
  public void beforeManagement(ManagementRequest request) {
    if (request.action() != ManagementRequest.Action.DEPLOY) {
      return;
    }
    ModelSource source = request.source();
    if (source instanceof SecureSource s && s.signatures().requiresSignatureBy(trusted)) {
      return;
    }
    String subject = request.modelName() + "@" + request.version();
    throw new IntegrityException(
        request.modelName(),
        request.version(),
        "refused to deploy "
            + subject
            + ": this runtime requires models signed by its trusted keys, and "
            + (source == null
                ? "no source was given"
                : "the source " + source.describe() + " does not require such a signature")
            + ". Load it with EncryptedModelSource.builder(dir, keys).signatures("
            + "SignaturePolicy.required(trustedPublicKeys)) or VerifyingModelSource.of(dir, "
            + "SignaturePolicy.required(trustedPublicKeys)), and sign it with `maasdk model sign`.");
  }
}
