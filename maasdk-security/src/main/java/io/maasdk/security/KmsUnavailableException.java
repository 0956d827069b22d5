package io.maasdk.security;

import io.maasdk.ModelUnavailableException;

/**
 * The master key's KMS did not answer (timed out, could not be reached): a keyset encrypted under
 * it could not be read right now. Nothing is known to be wrong with the keyset; retrying later can
 * help. A KMS that answers and refuses the ciphertext is an {@link io.maasdk.IntegrityException}
 * instead.
 */
public class KmsUnavailableException extends ModelUnavailableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what could not be read, and from which KMS
   * @param cause the KMS client's failure
   */
  public KmsUnavailableException(String message, Throwable cause) {
    super(null, null, message, cause);
  }
}
