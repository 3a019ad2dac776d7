package dev.lockstep.notifier.store;

import dev.lockstep.runtime.http.ErrorsBody;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request while the notifier's database cannot be reached (stopped, restarting,
 * unreachable) with {@code 503 store-unavailable} and a {@code Retry-After}, instead of a 500; any
 * other database failure stays a 500 with its details in the log.
 */
@Singleton
public class StoreUnavailableHandler
    implements ExceptionHandler<Database.StoreException, HttpResponse<ErrorsBody>> {
  private static final Logger LOG = LoggerFactory.getLogger(StoreUnavailableHandler.class);

  @Override
  public HttpResponse<ErrorsBody> handle(HttpRequest request, Database.StoreException exception) {
    if (unreachable(exception.getCause())) {
      LOG.warn(
          "{} {}: the notifier's database cannot be reached: {}",
          request.getMethod(),
          request.getPath(),
          exception.getMessage());
      return HttpResponse.<ErrorsBody>status(HttpStatus.SERVICE_UNAVAILABLE)
          .header(HttpHeaders.RETRY_AFTER, "5")
          .body(
              ErrorsBody.of(
                  "store-unavailable",
                  null,
                  "the notifier's database cannot be reached just now; ask again in a few seconds"));
    }
    LOG.error("{} {} failed", request.getMethod(), request.getPath(), exception);
    return HttpResponse.<ErrorsBody>status(HttpStatus.INTERNAL_SERVER_ERROR)
        .body(ErrorsBody.of("internal-error", null, "the service failed; its log has the details"));
  }

  /** A connection that could not be made, was lost, or that the pool could not give in time. */
  static boolean unreachable(Throwable cause) {
    return cause instanceof SQLTransientConnectionException
        || (cause instanceof SQLException sql
            && sql.getSQLState() != null
            && sql.getSQLState().startsWith("08"));
  }
}
