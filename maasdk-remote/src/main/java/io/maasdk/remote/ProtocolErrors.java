package io.maasdk.remote;

import io.grpc.Status;
import io.maasdk.AccessDeniedException;
import io.maasdk.DeadlineExceededException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelNotFoundException;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.QuotaExceededException;

/**
 * The one mapping from maasdk's exceptions to the protocol's error statuses, shared by the REST
 * endpoint ({@link OipServer}, HTTP statuses) and the gRPC endpoint ({@link GrpcServer}, gRPC
 * codes), so that both transports answer the same failure the same way:
 *
 * <table>
 *   <caption>maasdk exception → HTTP status / gRPC code</caption>
 *   <tr><td>{@link InvalidInputException}</td><td>400</td><td>INVALID_ARGUMENT</td></tr>
 *   <tr><td>{@link ModelNotFoundException}</td><td>404</td><td>NOT_FOUND</td></tr>
 *   <tr><td>{@link AccessDeniedException}, no credentials</td><td>401</td>
 *       <td>UNAUTHENTICATED</td></tr>
 *   <tr><td>{@link AccessDeniedException}, with credentials</td><td>403</td>
 *       <td>PERMISSION_DENIED</td></tr>
 *   <tr><td>{@link OverloadedException}, {@link QuotaExceededException}</td><td>429 +
 *       Retry-After</td><td>RESOURCE_EXHAUSTED</td></tr>
 *   <tr><td>{@link ModelUnavailableException}</td><td>503 + Retry-After</td>
 *       <td>UNAVAILABLE</td></tr>
 *   <tr><td>{@link DeadlineExceededException}</td><td>504</td><td>DEADLINE_EXCEEDED</td></tr>
 *   <tr><td>anything else</td><td>500</td><td>INTERNAL</td></tr>
 * </table>
 *
 * <p>Stateless and thread-safe.
 */
final class ProtocolErrors {

  /** One protocol error kind: its HTTP status, its gRPC code, whether a retry hint goes along. */
  enum Kind {
    INVALID_INPUT(400, Status.Code.INVALID_ARGUMENT, false),
    NOT_FOUND(404, Status.Code.NOT_FOUND, false),
    UNAUTHENTICATED(401, Status.Code.UNAUTHENTICATED, false),
    PERMISSION_DENIED(403, Status.Code.PERMISSION_DENIED, false),
    EXHAUSTED(429, Status.Code.RESOURCE_EXHAUSTED, true),
    UNAVAILABLE(503, Status.Code.UNAVAILABLE, true),
    DEADLINE(504, Status.Code.DEADLINE_EXCEEDED, false),
    INTERNAL(500, Status.Code.INTERNAL, false);

    final int http;
    final Status.Code grpc;
    final boolean retryAfter;

    Kind(int http, Status.Code grpc, boolean retryAfter) {
      this.http = http;
      this.grpc = grpc;
      this.retryAfter = retryAfter;
    }
  }

  private ProtocolErrors() {}

  /** The protocol's error kind for {@code e}; {@code hadCredentials} tells 401 from 403. */
  static Kind of(MaasdkException e, boolean hadCredentials) {
    if (e instanceof InvalidInputException) {
      return Kind.INVALID_INPUT;
    } else if (e instanceof ModelNotFoundException) {
      return Kind.NOT_FOUND;
    } else if (e instanceof AccessDeniedException) {
      return hadCredentials ? Kind.PERMISSION_DENIED : Kind.UNAUTHENTICATED;
    } else if (e instanceof OverloadedException || e instanceof QuotaExceededException) {
      return Kind.EXHAUSTED;
    } else if (e instanceof ModelUnavailableException) {
      return Kind.UNAVAILABLE;
    } else if (e instanceof DeadlineExceededException) {
      return Kind.DEADLINE;
    }
    return Kind.INTERNAL;
  }
}
