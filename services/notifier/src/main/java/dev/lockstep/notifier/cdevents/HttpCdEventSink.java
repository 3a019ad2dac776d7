package dev.lockstep.notifier.cdevents;

import dev.lockstep.runtime.security.DeclaredSecrets;
import io.micronaut.core.annotation.Nullable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * POSTs CDEvents to an HTTP endpoint (the CloudEvents HTTP binding, binary or structured), with
 * {@code Authorization: Bearer <token>} when a token secret is configured: the secret is read at
 * each send, so a rotated file takes effect without a restart, and its value never appears in a
 * message. 2xx is delivered; 408, 425, 429 and 5xx are retried, as an unreachable endpoint is; any
 * other answer means the endpoint refuses this event, which is not sent again.
 */
final class HttpCdEventSink implements CdEventSink {
  private final URI url;
  private final CloudEventsBinding.Mode mode;
  private final DeclaredSecrets secrets;
  private final @Nullable String tokenSecret;
  private final Duration timeout;
  private final HttpClient client;

  HttpCdEventSink(
      URI url,
      CloudEventsBinding.Mode mode,
      DeclaredSecrets secrets,
      @Nullable String tokenSecret,
      Duration timeout) {
    this.url = url;
    this.mode = mode;
    this.secrets = secrets;
    this.tokenSecret = tokenSecret;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String name() {
    return "http";
  }

  @Override
  public void send(CdEvent event) throws SinkFailure {
    HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout);
    if (mode == CloudEventsBinding.Mode.BINARY) {
      CloudEventsBinding.attributes(event)
          .forEach((name, value) -> request.header("ce-" + name, value));
      request.header("Content-Type", CloudEventsBinding.JSON);
      request.POST(HttpRequest.BodyPublishers.ofString(event.json()));
    } else {
      request.header("Content-Type", CloudEventsBinding.STRUCTURED_JSON);
      request.POST(HttpRequest.BodyPublishers.ofString(CloudEventsBinding.structured(event)));
    }
    String token = null;
    if (tokenSecret != null) {
      token =
          secrets
              .find(tokenSecret)
              .orElseThrow(
                  () ->
                      new SinkFailure("the token secret '" + tokenSecret + "' has no value", true));
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<Void> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      String detail = e.getMessage() == null ? "" : ": " + e.getMessage();
      throw new SinkFailure(
          "unreachable ("
              + e.getClass().getSimpleName()
              + DeclaredSecrets.redact(detail, token == null ? List.of() : List.of(token))
              + ")",
          true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SinkFailure("interrupted", true);
    }
    int status = response.statusCode();
    if (status / 100 != 2) {
      boolean retryable = status >= 500 || status == 408 || status == 425 || status == 429;
      throw new SinkFailure("answered HTTP " + status, retryable);
    }
  }
}
