package dev.lockstep.cli.soak;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The soak's HTTP calls to the services, spread over the instances of a service in turn. Every
 * answer of 500 or more is kept (the invariant "no 5xx"); a call that gets no answer (connection
 * refused or reset while an instance is killed or restarting, a time-out while one is frozen) is
 * not an answer: it is tried again on the next instance, for up to {@link #PATIENCE}.
 */
final class SoakHttp {
  /** How long a call keeps trying while no instance answers. */
  static final Duration PATIENCE = Duration.ofMinutes(3);

  /** A 5xx answer. */
  record ServerError(
      Instant time, String method, URI uri, int status, String body, String retryAfter) {}

  /** An answer: status and body. */
  record Answer(int status, String body) {
    /** The body as JSON, or a missing node when it is not JSON. */
    JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      }
    }

    boolean ok() {
      return status / 100 == 2;
    }
  }

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String token;
  private final List<ServerError> serverErrors = new CopyOnWriteArrayList<>();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong turn = new AtomicLong();

  SoakHttp(String token) {
    this.token = token;
  }

  /** GET a path on one of the instances. */
  Answer get(Supplier<List<URI>> instances, String path) {
    return send(instances, path, "GET", null, null);
  }

  /** POST a body of a content type to a path on one of the instances. */
  Answer post(Supplier<List<URI>> instances, String path, String contentType, String body) {
    return send(instances, path, "POST", contentType, body);
  }

  private Answer send(
      Supplier<List<URI>> instances, String path, String method, String contentType, String body) {
    Instant deadline = Instant.now().plus(PATIENCE);
    IOException last = null;
    while (Instant.now().isBefore(deadline)) {
      List<URI> bases = instances.get();
      if (!bases.isEmpty()) {
        URI uri = bases.get((int) (turn.getAndIncrement() % bases.size())).resolve(path);
        HttpRequest.Builder request =
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (body == null) {
          request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
          request
              .header("Content-Type", contentType)
              .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
          calls.incrementAndGet();
          HttpResponse<String> response =
              CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() >= 500) {
            serverErrors.add(
                new ServerError(
                    Instant.now(),
                    method,
                    uri,
                    response.statusCode(),
                    abbreviate(response.body()),
                    response.headers().firstValue("Retry-After").orElse(null)));
            // a 5xx is counted, and the call is tried again like one that got no answer
            sleep(500);
            continue;
          }
          return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      sleep(500);
    }
    throw new IllegalStateException(
        method
            + " "
            + path
            + ": no instance answered for "
            + PATIENCE
            + (last == null ? "" : " (" + last + ")"));
  }

  /** The 5xx answers so far. */
  List<ServerError> serverErrors() {
    return List.copyOf(serverErrors);
  }

  /** How many requests were sent. */
  long calls() {
    return calls.get();
  }

  private static String abbreviate(String body) {
    return body == null ? "" : body.length() > 500 ? body.substring(0, 500) + "..." : body;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
