package dev.lockstep.validator.http;

import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.validator.provider.Excerpts;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import dev.lockstep.validator.provider.Secrets;
import dev.lockstep.validator.provider.Urls;
import dev.lockstep.validator.reach.GateReach;
import io.micronaut.core.util.SupplierUtil;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Measures {@code http} gates with the JDK's asynchronous HTTP client: the status must be the
 * expected one (200 when none is named) and the body, or the value at a JSONPath in it, must match
 * the regular expression. An unreachable server, a timeout or a body that is not JSON where a
 * JSONPath is asked for is an error; a wrong status or a mismatch is a failure.
 *
 * <p>A gate only reads what the operator lets it reach ({@link GateReach}): GET or HEAD, a host on
 * the platform's allow-list, no loopback, link-local or metadata address (checked on the addresses
 * the name resolves to, just before the request, whose connection the JVM's address cache then
 * serves), and {@code secret:} headers only to the hosts they are bound to. What an answer puts in
 * an event is a short excerpt with secrets and tokens masked ({@link Excerpts}).
 */
@Singleton
public class HttpGateProvider implements GateProvider {
  /** The per-request timeout when the gate names none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final Secrets secrets;
  private final GateReach reach;

  /** Resolves gate hosts off the scheduler's threads: a lookup may take seconds. */
  private final ExecutorService resolver =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "validator-http-resolve");
            thread.setDaemon(true);
            return thread;
          });

  /** Made on the first http gate: a JDK client starts a thread and loads the TLS trust store. */
  private final Supplier<HttpClient> client =
      SupplierUtil.memoized(
          () ->
              HttpClient.newBuilder()
                  .connectTimeout(DEFAULT_TIMEOUT)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .proxy(HttpClient.Builder.NO_PROXY)
                  .build());

  public HttpGateProvider(Secrets secrets, GateReach reach) {
    this.secrets = secrets;
    this.reach = reach;
  }

  @Override
  public String kind() {
    return "http";
  }

  @Override
  public CompletableFuture<Outcome> measure(MeasureRequest request) {
    Gate.HttpCheck check = request.gate().http();
    String platform = request.platform();
    HttpRequest httpRequest;
    Pattern expectBody;
    String target = Urls.redact(String.valueOf(check.url()));
    URI uri;
    List<String> sentSecrets = new ArrayList<>();
    try {
      String method =
          check.method() == null ? "GET" : check.method().trim().toUpperCase(Locale.ROOT);
      if (!method.equals("GET") && !method.equals("HEAD")) {
        return refused(
            target, "method " + method + " is not allowed: a gate only reads (GET or HEAD)");
      }
      uri = URI.create(check.url());
      Optional<String> refusal = reach.refuseUrl(platform, uri);
      if (refusal.isPresent()) {
        return refused(target, refusal.get());
      }
      Duration timeout = GoDuration.parseOr(check.timeout(), DEFAULT_TIMEOUT);
      HttpRequest.Builder builder =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .method(method, HttpRequest.BodyPublishers.noBody());
      if (check.headers() != null) {
        for (Map.Entry<String, String> header : check.headers().entrySet()) {
          String value = header.getValue();
          if (Secrets.isReference(value)) {
            Optional<String> unbound = reach.refuseSecret(platform, Secrets.name(value), uri);
            if (unbound.isPresent()) {
              return refused(target, "header " + header.getKey() + ": " + unbound.get());
            }
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
            sentSecrets.add(value);
          }
          builder.header(header.getKey(), value);
        }
      }
      httpRequest = builder.build();
      expectBody = check.expectBody() == null ? null : Pattern.compile(check.expectBody());
    } catch (PatternSyntaxException e) {
      return CompletableFuture.completedFuture(
          Outcome.error("expectBody is not a regular expression: " + e.getDescription()));
    } catch (IllegalArgumentException | NullPointerException e) {
      // The exception's message may quote the URL or a header value: say only what is wrong.
      return CompletableFuture.completedFuture(
          Outcome.error(
              "the request to " + target + " is invalid (its URL, method, timeout or a header)"));
    }
    int expectStatus = check.expectStatus() == null ? 200 : check.expectStatus();
    URI asked = uri;
    return CompletableFuture.supplyAsync(() -> refuseAddresses(platform, asked), resolver)
        .thenCompose(
            refusal -> {
              if (refusal.isPresent()) {
                return refused(target, refusal.get());
              }
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
                                  + (cause.getMessage() == null
                                      ? ""
                                      : " " + Excerpts.of(cause.getMessage(), sentSecrets)));
                        }
                        return judge(
                            check, expectStatus, expectBody, target, response, sentSecrets);
                      });
            });
  }

  /** Why one of the addresses the URL's host resolves to may not be asked; empty when none. */
  private Optional<String> refuseAddresses(String platform, URI uri) {
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.empty(); // the request fails with its own error
    }
    for (InetAddress address : addresses) {
      Optional<String> refusal = reach.refuseAddress(platform, uri, address);
      if (refusal.isPresent()) {
        return refusal;
      }
    }
    return Optional.empty();
  }

  @PreDestroy
  void close() {
    resolver.shutdownNow();
  }

  private static CompletableFuture<Outcome> refused(String target, String why) {
    return CompletableFuture.completedFuture(Outcome.error("refused " + target + ": " + why));
  }

  private static Outcome judge(
      Gate.HttpCheck check,
      int expectStatus,
      Pattern expectBody,
      String target,
      HttpResponse<String> response,
      List<String> sentSecrets) {
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
                + Excerpts.of(e.getMessage(), sentSecrets));
      }
    }
    if (expectBody == null) {
      return Outcome.successful(Integer.toString(status), target + " answered " + status);
    }
    boolean matches = expectBody.matcher(value).find();
    String shown = Excerpts.of(value, sentSecrets);
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
