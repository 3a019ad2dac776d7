package dev.lockstep.console.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

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
  private final URI notifier;
  private final List<String> platforms;

  public ServiceApis(
      @Value("${lockstep.console.planner-url}") String planner,
      @Value("${lockstep.console.recorder-url}") String recorder,
      @Value("${lockstep.console.notifier-url}") String notifier,
      @Value("${lockstep.console.platforms:}") List<String> platforms) {
    this.planner = URI.create(planner.replaceAll("/+$", ""));
    this.recorder = URI.create(recorder.replaceAll("/+$", ""));
    this.notifier = URI.create(notifier.replaceAll("/+$", ""));
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

  /** A POST to the recorder (a note). */
  public Answer recorderPost(String token, String path, String contentType, String body) {
    return join(send(token, recorder, "POST", path, contentType, body));
  }

  /** A GET to the recorder for newline-delimited JSON (its replay) that does not block. */
  public CompletableFuture<Answer> recorderLinesAsync(String token, String path) {
    return send(token, recorder, "GET", path, null, null, "application/x-ndjson");
  }

  /** A GET to the notifier. */
  public Answer notifier(String token, String path) {
    return join(send(token, notifier, "GET", path, null, null));
  }

  /**
   * A server-sent event stream of the notifier, as it comes: each event as its fields ({@code id},
   * {@code event}, {@code data}). Nothing waits on a thread: the client's lines arrive as the
   * notifier writes them, and cancelling the flux closes the connection. A refusal (not 200) ends
   * the flux with {@link Refused}, which holds the answer.
   */
  public Flux<Map<String, String>> notifierEvents(String token, String path, String lastEventId) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(notifier + path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return Flux.create(
        sink -> {
          ServerSentEvents events = new ServerSentEvents(sink);
          HttpResponse.BodyHandler<Void> handler =
              info -> {
                if (info.statusCode() == 200) {
                  return HttpResponse.BodySubscribers.fromLineSubscriber(events);
                }
                return HttpResponse.BodySubscribers.<String, Void>mapping(
                    HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                    text -> {
                      sink.error(new Refused(new Answer(info.statusCode(), text, parse(text))));
                      return null;
                    });
              };
          CompletableFuture<HttpResponse<Void>> call = http.sendAsync(request.build(), handler);
          call.whenComplete(
              (response, e) -> {
                if (e != null && !sink.isCancelled()) {
                  sink.error(
                      new Refused(
                          new Answer(
                              0,
                              notifier.getHost() + ":" + notifier.getPort() + " did not answer",
                              MissingNode.getInstance())));
                }
              });
          sink.onDispose(
              () -> {
                events.cancel();
                call.cancel(true);
              });
        });
  }

  /** A stream the service refused, or that it never opened. */
  public static final class Refused extends RuntimeException {
    private final transient Answer answer;

    Refused(Answer answer) {
      super("HTTP " + answer.status(), null, false, false);
      this.answer = answer;
    }

    /** The service's answer. */
    public Answer answer() {
      return answer;
    }
  }

  /** Lines of {@code text/event-stream} into events of their fields, pushed into a sink. */
  private static final class ServerSentEvents implements Flow.Subscriber<String> {
    private final FluxSink<Map<String, String>> sink;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private volatile Flow.Subscription subscription;

    ServerSentEvents(FluxSink<Map<String, String>> sink) {
      this.sink = sink;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        if (fields.containsKey("data")) {
          sink.next(Map.copyOf(fields));
        }
        fields.clear();
        return;
      }
      if (line.startsWith(":")) {
        return;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      value = value.startsWith(" ") ? value.substring(1) : value;
      fields.merge(name, value, (a, b) -> name.equals("data") ? a + "\n" + b : b);
    }

    @Override
    public void onError(Throwable e) {
      if (sink.isCancelled()) {
        return;
      }
      sink.error(
          new Refused(new Answer(0, "the notifier's stream broke off", MissingNode.getInstance())));
    }

    @Override
    public void onComplete() {
      sink.complete();
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
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

    /**
     * The status of the console's page that shows this answer: 200 for a 2xx, the service's own 4xx
     * (what was wrong with the request), 502 when it failed or did not answer.
     */
    public HttpStatus pageStatus() {
      if (ok()) {
        return HttpStatus.OK;
      }
      if (status >= 400 && status < 500) {
        try {
          return HttpStatus.valueOf(status);
        } catch (IllegalArgumentException unnamed) {
          return HttpStatus.BAD_REQUEST;
        }
      }
      return HttpStatus.BAD_GATEWAY;
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
