/**
 * The Open Inference Protocol's gRPC service ({@code inference.GRPCInferenceService}): the method
 * descriptors ({@link io.maasdk.remote.grpc.InferenceService}), written by hand, for the messages
 * that {@code protoc} generates into {@code io.maasdk.remote.grpc.proto}. Used by {@link
 * io.maasdk.remote.GrpcServer} and {@link io.maasdk.remote.GrpcBackend}; also usable to call a
 * KServe v2 gRPC server directly.
 */
@NullMarked
package io.maasdk.remote.grpc;

import org.jspecify.annotations.NullMarked;
