package dev.lockstep.validator.http;

import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import dev.lockstep.validator.provider.Secrets;
import dev.lockstep.validator.provider.Urls;
import io.micronaut.core.util.SupplierUtil;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Measures {@code http} gates with the JDK's asynchronous HTTP client: the status must be the
 * expected one (200 when none is named) and the body, or the value at a JSONPath in it, must match
 * the regular expression. An unreachable server, a timeout or a body that is not JSON where a
 * JSONPath is asked for is an error; a wrong status or a mismatch is a failure.
 */
@Singleton
public class HttpGateProvider implements GateProvider {
  /** The per-request timeout when the gate names none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Secrets secrets;

  /** Made on the first http gate: a JDK client starts a thread and loads the TLS trust store. */
  private final Supplier<HttpClient> client =
      SupplierUtil.memoized(
          () ->
              HttpClient.newBuilder()
                  .connectTimeout(DEFAULT_TIMEOUT)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build());

  public HttpGateProvider(Secrets secrets) {
    this.secrets = secrets;
  }

  @Override
  public String kind() {
    return "http";
  }

  @Override
  public CompletableFuture<Outcome> measure(MeasureRequest request) {
    Gate.HttpCheck check = request.gate().http();
    HttpRequest httpRequest;
    Pattern expectBody;
    String target;
    try {
      URI uri = URI.create(check.url());
      target = Urls.redact(check.url());
      Duration timeout = GoDuration.parseOr(check.timeout(), DEFAULT_TIMEOUT);
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .method(
                  check.method() == null ? "GET" : check.method(),
                  HttpRequest.BodyPublishers.noBody());
      if (check.headers() != null) {
        for (Map.Entry<String, String> header : check.headers().entrySet()) {
          String value = header.getValue();
          if (Secrets.isReference(value)) {
            Optional<String> secret = secrets.resolve(value);
            if (secret.isEmpty()) {
              return CompletableFuture.completedFuture(
                  Outcome.error(
                      "the secret of header "
                          + header.getKey()
                          + " is not configured ("
                          + Secrets.key(value)
                          + ")"));
            }
            value = secret.get();
          }
          builder.header(header.getKey(), value);
        }
      }
      httpRequest = builder.build();
      expectBody = check.expectBody() == null ? null : Pattern.compile(check.expectBody());
    } catch (PatternSyntaxException e) {
      return CompletableFuture.completedFuture(
          Outcome.error("expectBody is not a regular expression: " + e.getDescription()));
    } catch (IllegalArgumentException e) {
      // The exception's message may quote the URL or a header value: say only what is wrong.
      return CompletableFuture.completedFuture(
          Outcome.error(
              "the request to "
                  + Urls.redact(String.valueOf(check.url()))
                  + " is invalid (its URL, method, timeout or a header)"));
    }
    int expectStatus = check.expectStatus() == null ? 200 : check.expectStatus();
    return client
        .get()
        .sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                Throwable cause = error.getCause() == null ? error : error.getCause();
                return Outcome.error(
                    httpRequest.method()
                        + " "
                        + target
                        + " failed: "
                        + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
              }
              return judge(check, expectStatus, expectBody, target, response);
            });
  }

  private static Outcome judge(
      Gate.HttpCheck check,
      int expectStatus,
      Pattern expectBody,
      String target,
      HttpResponse<String> response) {
    int status = response.statusCode();
    if (status != expectStatus) {
      return Outcome.failed(
          Integer.toString(status), target + " answered " + status + ", expected " + expectStatus);
    }
    String value = response.body();
    if (check.jsonPath() != null) {
      try {
        Object found = JsonPath.read(response.body(), check.jsonPath());
        value = String.valueOf(found);
      } catch (PathNotFoundException e) {
        return Outcome.failed(
            null, target + " answered " + status + " without " + check.jsonPath() + " in its body");
      } catch (RuntimeException e) {
        return Outcome.error(
            target
                + " answered a body that "
                + check.jsonPath()
                + " cannot read: "
                + e.getMessage());
      }
    }
    if (expectBody == null) {
      return Outcome.successful(Integer.toString(status), target + " answered " + status);
    }
    boolean matches = expectBody.matcher(value).find();
    String shown = value.length() > 200 ? value.substring(0, 200) + "..." : value;
    return Outcome.of(
        matches,
        shown,
        target
            + " answered "
            + status
            + (check.jsonPath() == null
                ? " with a body that "
                : " and " + check.jsonPath() + " = '" + shown + "' ")
            + (matches ? "matches " : "does not match ")
            + "/"
            + check.expectBody()
            + "/");
  }
}
