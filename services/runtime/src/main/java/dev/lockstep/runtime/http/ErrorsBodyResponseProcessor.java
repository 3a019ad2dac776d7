package dev.lockstep.runtime.http;

import dev.lockstep.events.ErrorDetail;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every error Micronaut answers itself (bad JSON, a missing parameter, an unknown route, a
 * refused token, an unexpected failure) the body {@code {"errors":[{code,path,message}]}}. A server
 * error says only that it happened: its details go to the log, never to the client.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
public class ErrorsBodyResponseProcessor implements ErrorResponseProcessor<ErrorsBody> {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorsBodyResponseProcessor.class);

  @Override
  public MutableHttpResponse<ErrorsBody> processResponse(
      ErrorContext context, MutableHttpResponse<?> response) {
    HttpStatus status = response.getStatus();
    String code = code(status);
    List<ErrorDetail> errors = new ArrayList<>();
    if (status.getCode() >= 500) {
      context
          .getRootCause()
          .ifPresent(
              cause ->
                  LOG.error(
                      "{} {} failed",
                      context.getRequest().getMethod(),
                      context.getRequest().getPath(),
                      cause));
      errors.add(new ErrorDetail(code, "", "the service failed; its log has the details"));
    } else if (context.hasErrors()) {
      for (Error error : context.getErrors()) {
        errors.add(new ErrorDetail(code, error.getPath().orElse(""), error.getMessage()));
      }
    } else {
      errors.add(new ErrorDetail(code, "", status.getReason()));
    }
    return response.contentType(MediaType.APPLICATION_JSON_TYPE).body(new ErrorsBody(errors));
  }

  /** The error code of a status. */
  static String code(HttpStatus status) {
    return switch (status) {
      case UNAUTHORIZED -> "unauthorized";
      case FORBIDDEN -> "forbidden";
      case NOT_FOUND -> "not-found";
      case METHOD_NOT_ALLOWED -> "method-not-allowed";
      case UNSUPPORTED_MEDIA_TYPE -> "unsupported-media-type";
      case REQUEST_ENTITY_TOO_LARGE -> "too-large";
      case NOT_ACCEPTABLE -> "not-acceptable";
      case CONFLICT -> "conflict";
      default -> status.getCode() >= 500 ? "internal-error" : "invalid-request";
    };
  }
}
