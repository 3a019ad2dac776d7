package dev.lockstep.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HTTP server standing in for the planner and the recorder: it answers set paths with set
 * JSON and records every request it got (method, path with query, Authorization header), so that a
 * test sees what the console asked for and with which token.
 */
final class TestingServices implements AutoCloseable {
  /** One request as the server got it. */
  record Seen(String method, String uri, String authorization, String body) {}

  private final HttpServer server;
  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final Map<String, Answer> posts = new ConcurrentHashMap<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  TestingServices() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers GETs of that path (with query) with 200 and the body. */
  void answer(String path, String json) {
    answers.put(path, json);
  }

  /** Answers POSTs of that path with that status and body (else 202 and {@code {}}). */
  void answerPost(String path, int status, String json) {
    posts.put(path, new Answer(status, json));
  }

  private record Answer(int status, String json) {}

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String uri = exchange.getRequestURI().toString();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    seen.add(
        new Seen(
            exchange.getRequestMethod(),
            uri,
            exchange.getRequestHeaders().getFirst("Authorization"),
            body));
    boolean post = exchange.getRequestMethod().equals("POST");
    Answer posted = post ? posts.getOrDefault(uri, new Answer(202, "{}")) : null;
    String answer = post ? posted.json() : answers.get(uri);
    int status = post ? posted.status() : answer == null ? 404 : 200;
    byte[] bytes =
        (answer == null
                ? "{\"errors\":[{\"code\":\"not-found\",\"path\":\"\",\"message\":\"no such thing\"}]}"
                : answer)
            .getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
