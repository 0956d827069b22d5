package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.AccessDeniedException;
import io.maasdk.DeadlineExceededException;
import io.maasdk.IntegrityException;
import io.maasdk.InvalidInputException;
import io.maasdk.MaasdkException;
import io.maasdk.ModelNotFoundException;
import io.maasdk.ModelUnavailableException;
import io.maasdk.OverloadedException;
import io.maasdk.QuotaExceededException;
import java.net.URI;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a {@link MaasdkException} thrown by a Spring MVC or WebFlux controller with an RFC 9457
 * problem detail: {@code InvalidInputException} 400, {@code AccessDeniedException} 403, {@code
 * ModelNotFoundException} 404, {@code QuotaExceededException} 429, {@code OverloadedException} and
 * {@code ModelUnavailableException} 503, {@code DeadlineExceededException} 504, anything else 500.
 * The detail is maasdk's message (it names the model, the version and what was expected; never a
 * credential); {@code model} and {@code version} are extra properties. Off by default: {@code
 * maasdk.web.problem-details.enabled=true}. A handler in the controller itself still wins.
 * Stateless and thread-safe.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE - 100)
public class MaasdkProblemDetails {

  /**
   * The problem for {@code e}.
   *
   * @param e the exception a call raised
   * @return the problem, with the status maasdk maps it to
   */
  @ExceptionHandler(MaasdkException.class)
  public ResponseEntity<ProblemDetail> handle(MaasdkException e) {
    HttpStatus status = status(e);
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, e.getMessage());
    p.setTitle(e.getClass().getSimpleName());
    p.setType(URI.create("urn:maasdk:" + e.getClass().getSimpleName()));
    if (e.modelName() != null) {
      p.setProperty("model", e.modelName());
    }
    if (e.version() != null) {
      p.setProperty("version", e.version().toString());
    }
    return ResponseEntity.status(status).body(p);
  }

  static HttpStatus status(MaasdkException e) {
    if (e instanceof InvalidInputException) {
      return HttpStatus.BAD_REQUEST;
    } else if (e instanceof AccessDeniedException) {
      return HttpStatus.FORBIDDEN;
    } else if (e instanceof ModelNotFoundException) {
      return HttpStatus.NOT_FOUND;
    } else if (e instanceof QuotaExceededException) {
      return HttpStatus.TOO_MANY_REQUESTS;
    } else if (e instanceof OverloadedException || e instanceof ModelUnavailableException) {
      return HttpStatus.SERVICE_UNAVAILABLE;
    } else if (e instanceof DeadlineExceededException) {
      return HttpStatus.GATEWAY_TIMEOUT;
    } else if (e instanceof IntegrityException) {
      return HttpStatus.INTERNAL_SERVER_ERROR;
    }
    return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}
