package dev.lockstep.recorder.api;

import dev.lockstep.runtime.http.ErrorsBody;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a read while the database cannot be reached (stopped, restarting, unreachable) with
 * {@code 503 store-unavailable} and a {@code Retry-After}, instead of a 500: the store is away, the
 * request was fine, and asking again in a few seconds will do. Any other database failure stays a
 * 500 with its details in the log.
 */
@Singleton
public class StoreUnavailableHandler
    implements ExceptionHandler<R2dbcException, HttpResponse<ErrorsBody>> {
  private static final Logger LOG = LoggerFactory.getLogger(StoreUnavailableHandler.class);

  /** Seconds a client is told to wait before it asks again. */
  static final String RETRY_AFTER_SECONDS = "5";

  @Override
  public HttpResponse<ErrorsBody> handle(HttpRequest request, R2dbcException exception) {
    if (unreachable(exception)) {
      LOG.warn(
          "{} {}: the event store cannot be reached: {}",
          request.getMethod(),
          request.getPath(),
          exception.getMessage());
      return HttpResponse.<ErrorsBody>status(HttpStatus.SERVICE_UNAVAILABLE)
          .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
          .body(
              ErrorsBody.of(
                  "store-unavailable",
                  null,
                  "the event store cannot be reached just now; ask again in a few seconds"));
    }
    LOG.error("{} {} failed", request.getMethod(), request.getPath(), exception);
    return HttpResponse.<ErrorsBody>status(HttpStatus.INTERNAL_SERVER_ERROR)
        .body(ErrorsBody.of("internal-error", null, "the service failed; its log has the details"));
  }

  /** A connection that could not be made or was lost, or a pool that found none in time. */
  static boolean unreachable(R2dbcException exception) {
    String state = exception.getSqlState();
    return (state != null && state.startsWith("08"))
        || exception instanceof R2dbcNonTransientResourceException
        || exception instanceof R2dbcTransientResourceException
        || exception instanceof R2dbcTimeoutException;
  }
}
