package dev.lockstep.runtime.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Answers an {@link ApiException} with its status and an errors body. */
@Singleton
public class ApiExceptionHandler
    implements ExceptionHandler<ApiException, HttpResponse<ErrorsBody>> {
  @Override
  public HttpResponse<ErrorsBody> handle(HttpRequest request, ApiException exception) {
    return HttpResponse.<ErrorsBody>status(exception.status())
        .body(new ErrorsBody(exception.errors()));
  }
}
