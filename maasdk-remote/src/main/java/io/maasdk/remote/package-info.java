/**
 * Remote versions and a maasdk endpoint over the Open Inference Protocol (KServe v2, also spoken by
 * Triton, MLServer and DJL Serving), over REST/JSON and gRPC.
 *
 * <ul>
 *   <li>{@link io.maasdk.remote.RemoteBackend}: a {@link io.maasdk.spi.Backend} that computes a
 *       deployed version on a server elsewhere; the version is then routed, aliased, cached,
 *       metered and circuit-broken like a local one.
 *   <li>{@link io.maasdk.remote.OipServer}: serves a {@link io.maasdk.ModelRuntime}'s models over
 *       the same protocol on the JDK {@code HttpServer}.
 *   <li>{@link io.maasdk.remote.GrpcBackend} and {@link io.maasdk.remote.GrpcServer}: the same over
 *       the protocol's gRPC API ({@code inference.GRPCInferenceService}) on grpc-java with the
 *       shaded Netty transport; errors map as {@code ProtocolErrors} says for both transports.
 *   <li>{@link io.maasdk.remote.Tensor} and {@link io.maasdk.remote.TensorCodec}: typed values to
 *       and from the protocol's named tensors, batched along the first dimension.
 *   <li>{@link io.maasdk.remote.OpenAiEndpoint}: the OpenAI-compatible embeddings API ({@code
 *       /v1/embeddings}, {@code /v1/models}) for hosted {@code String -> float[]} models, mounted
 *       on an {@code OipServer}; {@link io.maasdk.remote.OpenAiEmbeddingBackend}: the same API as a
 *       remote backend, whose servers' token counts reach metering.
 *   <li>{@link io.maasdk.remote.OipVersions}: protocol versions ({@code 1}) to maasdk versions
 *       ({@code 1.0.0}) and back.
 * </ul>
 */
@NullMarked
package io.maasdk.remote;

import org.jspecify.annotations.NullMarked;
