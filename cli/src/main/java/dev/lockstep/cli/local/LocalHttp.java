package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few HTTP calls the local mode makes to its own services, with its token. */
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

  /** The JSON answer of a POST of a body of the given content type. */
  JsonNode post(URI uri, String contentType, String body) {
    HttpResponse<String> response =
        send(
            request(uri)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    return json(uri, response);
  }

  private HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/json");
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(request.uri() + " cannot be reached: " + e.getMessage(), e);
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
}
