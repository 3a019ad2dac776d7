package dev.lockstep.runtime.http;

import dev.lockstep.events.ErrorDetail;
import io.micronaut.http.HttpStatus;
import java.util.List;

/** A request the API refuses, with a 4xx status and every problem found. */
public class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final List<ErrorDetail> errors;

  public ApiException(HttpStatus status, List<ErrorDetail> errors) {
    super(errors.isEmpty() ? status.getReason() : errors.get(0).message());
    this.status = status;
    this.errors = List.copyOf(errors);
  }

  /** A refusal with one problem. */
  public static ApiException of(HttpStatus status, String code, String path, String message) {
    return new ApiException(status, List.of(new ErrorDetail(code, path, message)));
  }

  /** The status to answer with. */
  public HttpStatus status() {
    return status;
  }

  /** Every problem. */
  public List<ErrorDetail> errors() {
    return errors;
  }
}
