package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The few HTTP calls the local mode makes to its own services, with its token. A service that does
 * not answer (its process died and the local mode starts it again, or it is too busy to answer in
 * time) raises {@link Unreachable}, which a caller that waits anyway takes as "not yet".
 */
final class LocalHttp {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String token;

  LocalHttp(String token) {
    this.token = token;
  }

  /** The JSON answer of a GET, or null for a 404. */
  JsonNode get(URI uri) {
    HttpResponse<String> response = send(request(uri).GET().build());
    if (response.statusCode() == 404) {
      return null;
    }
    return json(uri, response);
  }

  /** The text answer of a GET. */
  String getText(URI uri, String accept) {
    HttpResponse<String> response = send(request(uri).header("Accept", accept).GET().build());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return response.body();
  }

  /**
   * The JSON answer of a POST that creates what its body names (so that sending it twice creates it
   * once): sent again while the service cannot be reached, until the deadline; a 409 answer (an
   * earlier send was taken before the service could answer it) is the answer too.
   *
   * @param waiting told once, the first time the service cannot be reached
   */
  JsonNode postAgainUntil(
      URI uri, String contentType, String body, Instant deadline, Consumer<String> waiting) {
    AtomicBoolean told = new AtomicBoolean();
    return whenReachable(
        deadline,
        () -> {
          try {
            HttpResponse<String> response = sendPost(uri, contentType, body);
            if (response.statusCode() == 409) {
              return Json.mapper().createObjectNode().put("status", "known already");
            }
            return json(uri, response);
          } catch (Unreachable e) {
            if (!told.getAndSet(true)) {
              waiting.accept(e.getMessage());
            }
            throw e;
          }
        });
  }

  /**
   * The result of a call, made again while its service cannot be reached (the local mode starts a
   * service that died again), until the deadline.
   */
  static <T> T whenReachable(Instant deadline, Supplier<T> call) {
    while (true) {
      try {
        return call.get();
      } catch (Unreachable e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        LocalMode.sleep(Duration.ofMillis(500));
      }
    }
  }

  /** The JSON answer of a POST of a body of the given content type. */
  JsonNode post(URI uri, String contentType, String body) {
    return json(uri, sendPost(uri, contentType, body));
  }

  private HttpResponse<String> sendPost(URI uri, String contentType, String body) {
    return send(
        request(uri)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 503) {
        throw new Unreachable(
            request.uri() + " answered 503 (not ready): " + response.body(), null);
      }
      return response;
    } catch (IOException e) {
      throw new Unreachable(request.uri() + " cannot be reached: " + describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static JsonNode json(URI uri, HttpResponse<String> response) {
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          uri + " answered " + response.statusCode() + ": " + response.body());
    }
    try {
      return Json.mapper().readTree(response.body());
    } catch (IOException e) {
      throw new IllegalStateException(uri + " answered with what is not JSON: " + e.getMessage());
    }
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer in time";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** A service that did not answer: refused, reset or timed out, or not ready (503). */
  static final class Unreachable extends IllegalStateException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
