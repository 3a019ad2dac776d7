package dev.lockstep.notifier.channel;

import io.micronaut.core.util.SupplierUtil;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Posts JSON with the JDK client and turns every failure into a {@link DeliveryException}. */
final class HttpSend {
  private final Duration timeout;

  /** Made on the first send: a JDK client starts a thread and loads the TLS trust store. */
  private final Supplier<HttpClient> client;

  HttpSend(Duration timeout) {
    this.timeout = timeout;
    this.client =
        SupplierUtil.memoized(() -> HttpClient.newBuilder().connectTimeout(timeout).build());
  }

  /** Sends; returns the response body of a 2xx answer. */
  String send(
      String method,
      String url,
      String body,
      Map<String, String> headers,
      String what,
      List<String> secretValues)
      throws DeliveryException {
    HttpResponse<String> response;
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .method(method, HttpRequest.BodyPublishers.ofString(body));
      headers.forEach(request::header);
      response = client.get().send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | IllegalArgumentException e) {
      throw new DeliveryException(
          what
              + " unreachable: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + Secrets.redact(e.getMessage(), secretValues)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryException(what + ": interrupted");
    }
    if (response.statusCode() / 100 != 2) {
      throw new DeliveryException(what + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }
}
