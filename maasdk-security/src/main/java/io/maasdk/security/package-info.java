/**
 * maasdk-security's API, on Google Tink: encrypted model artifacts ({@link
 * io.maasdk.security.EncryptedModelSource}, {@link io.maasdk.security.ArtifactCipher}), signed
 * manifests ({@link io.maasdk.security.ModelSigner}, {@link io.maasdk.security.SignaturePolicy}),
 * keys ({@link io.maasdk.security.KeysetLoader}, {@link io.maasdk.security.MasterKey}, {@link
 * io.maasdk.security.Keysets}), access control that binds each call to its principal's tenant
 * ({@link io.maasdk.security.AccessControl}, {@link io.maasdk.security.AccessPolicy}, {@link
 * io.maasdk.security.SwappablePolicy} for revocation at run time), payload protection ({@link
 * io.maasdk.security.PayloadProtector}, {@link io.maasdk.security.KeyedFingerprinter}), a format
 * allow-list ({@link io.maasdk.security.FormatPolicy}) and a tamper-evident audit log ({@link
 * io.maasdk.security.AuditLog}).
 *
 * <p>Signed is not the same as safe: a signature proves who published a model, not that the
 * engine's native code paths are harmless when it loads it.
 */
@NullMarked
package io.maasdk.security;

import org.jspecify.annotations.NullMarked;
