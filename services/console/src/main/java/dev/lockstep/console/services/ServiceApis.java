package dev.lockstep.console.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The services' HTTP APIs as the console calls them: server-side, with the signed-in operator's
 * bearer token, as the CLI does. The console reaches nothing else: no Kafka, no database.
 */
@Singleton
public class ServiceApis {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final ObjectMapper mapper = new ObjectMapper();
  private final URI planner;
  private final URI recorder;
  private final List<String> platforms;

  public ServiceApis(
      @Value("${lockstep.console.planner-url}") String planner,
      @Value("${lockstep.console.recorder-url}") String recorder,
      @Value("${lockstep.console.platforms:}") List<String> platforms) {
    this.planner = URI.create(planner.replaceAll("/+$", ""));
    this.recorder = URI.create(recorder.replaceAll("/+$", ""));
    this.platforms = platforms == null ? List.of() : List.copyOf(platforms);
  }

  /** The platforms the console lists. */
  public List<String> platforms() {
    return platforms;
  }

  /** A GET to the planner. */
  public Answer planner(String token, String path) {
    return join(send(token, planner, "GET", path, null, null));
  }

  /** A POST to the planner. */
  public Answer plannerPost(String token, String path, String contentType, String body) {
    return join(send(token, planner, "POST", path, contentType, body));
  }

  /** A GET to the recorder. */
  public Answer recorder(String token, String path) {
    return join(send(token, recorder, "GET", path, null, null));
  }

  /** A GET to the recorder for HTML (its post-mortem). */
  public Answer recorderHtml(String token, String path) {
    return join(send(token, recorder, "GET", path, null, null, "text/html"));
  }

  /** A GET to the recorder that does not block: for the live pages. */
  public CompletableFuture<Answer> recorderAsync(String token, String path) {
    return send(token, recorder, "GET", path, null, null);
  }

  /** A path segment, encoded. */
  public static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private CompletableFuture<Answer> send(
      String token, URI base, String method, String path, String contentType, String body) {
    return send(token, base, method, path, contentType, body, "application/json");
  }

  private CompletableFuture<Answer> send(
      String token,
      URI base,
      String method,
      String path,
      String contentType,
      String body,
      String accept) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("Accept", accept);
    if (body != null) {
      request.header("Content-Type", contentType);
      request.method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> new Answer(response.statusCode(), response.body(), parse(response.body())))
        .exceptionally(
            e ->
                new Answer(
                    0,
                    base.getHost() + ":" + base.getPort() + " did not answer",
                    MissingNode.getInstance()));
  }

  private JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? MissingNode.getInstance() : mapper.readTree(body);
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }

  private static Answer join(CompletableFuture<Answer> answer) {
    return answer.join();
  }

  /**
   * A service's answer.
   *
   * @param status the HTTP status, 0 when the service did not answer
   * @param text the body as text
   * @param json the body as JSON, missing when it is not JSON
   */
  public record Answer(int status, String text, JsonNode json) {
    /** Whether it is a 2xx. */
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /** The {@code errors} of an error body as lines, or the status when there are none. */
    public List<String> errors() {
      JsonNode errors = json.path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        List<String> lines = new java.util.ArrayList<>();
        for (JsonNode e : errors) {
          String path = e.path("path").asText("");
          lines.add(
              e.path("code").asText("")
                  + (path.isEmpty() ? "" : " at " + path)
                  + ": "
                  + e.path("message").asText(""));
        }
        return lines;
      }
      return List.of(status == 0 ? text : "HTTP " + status);
    }
  }
}
