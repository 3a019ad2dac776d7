package dev.lockstep.notifier;

import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** Calls a notifier's HTTP API as a client would, with a token of the given role. */
public final class TestingApi {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final String base;
  private final TokenIssuer tokens;

  public TestingApi(ApplicationContext context) {
    EmbeddedServer server = context.getBean(EmbeddedServer.class);
    if (!server.isRunning()) {
      server.start();
    }
    this.base = "http://127.0.0.1:" + server.getPort();
    this.tokens = context.getBean(TokenIssuer.class);
  }

  /** A bearer token with one role. */
  public String token(String role) {
    return tokens.issue("tester", List.of(role), Duration.ofHours(1));
  }

  /** The base URL. */
  public String base() {
    return base;
  }

  /** A GET with a role's token (none when role is null). */
  public HttpResponse<String> get(String path, String role)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (role != null) {
      request.header("Authorization", "Bearer " + token(role));
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A PUT of JSON with a role's token. */
  public HttpResponse<String> put(String path, String json, String role)
      throws IOException, InterruptedException {
    return put(path, json, role, null);
  }

  /** A PUT of JSON with a role's token and an {@code If-Match} header (none when null). */
  public HttpResponse<String> put(String path, String json, String role, String ifMatch)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token(role))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json));
    if (ifMatch != null) {
      request.header("If-Match", ifMatch);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
