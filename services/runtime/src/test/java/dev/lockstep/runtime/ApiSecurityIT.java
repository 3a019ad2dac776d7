package dev.lockstep.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared HTTP rules: health and metrics are open, everything else needs a bearer token with the
 * right role, and every error, bad input included, is a 4xx with an errors body.
 */
class ApiSecurityIT {
  private static ApplicationContext context;
  private static EmbeddedServer server;
  private static TokenIssuer tokens;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    context = TestingServices.start("security-it", Map.of());
    server = context.getBean(EmbeddedServer.class).start();
    tokens = context.getBean(TokenIssuer.class);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
    if (context != null) {
      context.close();
    }
  }

  @Test
  void healthAndMetricsNeedNoToken() throws Exception {
    assertThat(get("/health", null).statusCode()).isEqualTo(200);
    assertThat(get("/health/liveness", null).statusCode()).isEqualTo(200);
    assertThat(get("/health/readiness", null).statusCode()).isEqualTo(200);
    HttpResponse<String> metrics = get("/prometheus", null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("jvm_memory_used_bytes");
  }

  @Test
  void anApiRouteWithoutATokenIsUnauthorized() throws Exception {
    HttpResponse<String> response = get("/api/v1/testing/status", null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(errors(response).get(0).get("code").asText()).isEqualTo("unauthorized");
  }

  @Test
  void aTokenWhoseClaimsWereChangedIsUnauthorized() throws Exception {
    String viewer = tokens.issue("mallory", List.of(Roles.VIEWER), Duration.ofMinutes(5));
    String[] parts = viewer.split("\\.");
    String claims =
        new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
            .replace("\"viewer\"", "\"submitter\"");
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(claims.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];

    assertThat(claims).contains("submitter");
    assertThat(
            post("/api/v1/testing/submissions", forged, "{\"platform\":\"p\",\"priority\":1}")
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void aTokenSignedWithAnotherSecretIsUnauthorized() throws Exception {
    try (ApplicationContext other =
        TestingServices.start(
            "other-issuer",
            Map.of("lockstep.security.jwt-secret", "another-secret-that-is-also-long-enough-x"))) {
      String foreign =
          other
              .getBean(TokenIssuer.class)
              .issue("eve", List.of(Roles.VIEWER), Duration.ofMinutes(5));

      assertThat(get("/api/v1/testing/status", foreign).statusCode()).isEqualTo(401);
    }
  }

  /**
   * The services' own verifier is the only one: a token signed with the right secret but of another
   * issuer (or, where one is configured, another audience) is refused, which no other validator
   * would check.
   */
  @Test
  void theOnlyTokenValidatorIsLocksteps() throws Exception {
    assertThat(context.getBeansOfType(io.micronaut.security.token.validator.TokenValidator.class))
        .singleElement()
        .isInstanceOf(dev.lockstep.runtime.security.TokenVerifier.class);
  }

  @Test
  void anExpiredTokenIsUnauthorized() throws Exception {
    String expired = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofSeconds(-60));

    assertThat(get("/api/v1/testing/status", expired).statusCode()).isEqualTo(401);
  }

  @Test
  void aTokenWithoutTheRoleIsForbidden() throws Exception {
    String viewer = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofMinutes(5));

    HttpResponse<String> response =
        post("/api/v1/testing/submissions", viewer, "{\"platform\":\"p\",\"priority\":1}");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(errors(response).get(0).get("code").asText()).isEqualTo("forbidden");
  }

  @Test
  void aTokenWithTheRoleIsServed() throws Exception {
    String viewer = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofMinutes(5));

    HttpResponse<String> response = get("/api/v1/testing/status", viewer);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Json.mapper().readTree(response.body()).get("user").asText()).isEqualTo("vera");
  }

  @Test
  void badInputIsA4xxWithAnErrorsBody() throws Exception {
    String submitter = tokens.issue("sam", List.of(Roles.SUBMITTER), Duration.ofMinutes(5));

    HttpResponse<String> notJson = post("/api/v1/testing/submissions", submitter, "{not json");
    HttpResponse<String> wrongType =
        post(
            "/api/v1/testing/submissions", submitter, "{\"platform\":\"p\",\"priority\":\"high\"}");
    HttpResponse<String> refused =
        post("/api/v1/testing/submissions", submitter, "{\"platform\":\"\",\"priority\":1}");

    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(errors(notJson).get(0).get("code").asText()).isEqualTo("invalid-request");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(errors(wrongType)).isNotEmpty();
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(errors(refused).get(0).get("path").asText()).isEqualTo("platform");
    assertThat(errors(refused).get(0).get("message").asText()).isEqualTo("platform is required");
  }

  @Test
  void anUnknownRouteIsNotFoundWithAnErrorsBody() throws Exception {
    String viewer = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofMinutes(5));

    HttpResponse<String> response = get("/api/v1/nothing-here", viewer);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(errors(response).get(0).get("code").asText()).isEqualTo("not-found");
    assertThat(errors(response).get(0).has("path"))
        .as("every error names its path, empty for the request as a whole")
        .isTrue();
  }

  @Test
  void aServerFailureTellsNothingOfItsCause() throws Exception {
    String viewer = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofMinutes(5));

    HttpResponse<String> response = get("/api/v1/testing/broken", viewer);

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).doesNotContain("postgres://").doesNotContain("Exception");
    assertThat(errors(response).get(0).get("code").asText()).isEqualTo("internal-error");
  }

  private static JsonNode errors(HttpResponse<String> response) throws IOException {
    JsonNode errors = Json.mapper().readTree(response.body()).get("errors");
    assertThat(errors).as("errors body of %s", response.body()).isNotNull();
    return errors;
  }

  private static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://localhost:" + server.getPort() + path);
  }
}
