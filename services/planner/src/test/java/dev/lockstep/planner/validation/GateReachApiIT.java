package dev.lockstep.planner.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import dev.lockstep.events.Topics;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The planner learns what gates may reach from {@code lockstep.platforms.<id>.gates} and refuses,
 * at submission, a release whose gates aim at the cloud metadata address or write, listing each
 * violation with its path and publishing nothing; the same release with allowed gates is planned.
 */
class GateReachApiIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PLATFORM = TestingPlanner.unique("reach");
  private static ApplicationContext context;
  private static EmbeddedServer server;
  private static String submitter;

  @BeforeAll
  static void start() {
    String gates = "lockstep.platforms." + PLATFORM + ".gates.";
    context =
        TestingPlanner.start(
            TestingPlanner.unique("planner-reach"),
            Map.of(PLATFORM, List.of("core")),
            Map.of(
                gates + "http-hosts", List.of("metis.core:8080"),
                gates + "prometheus-servers", List.of("main")));
    server = context.getBean(EmbeddedServer.class).start();
    TestingPlanner.observeNothingRunning(context, PLATFORM);
    submitter =
        context
            .getBean(TokenIssuer.class)
            .issue("sam", List.of(Roles.SUBMITTER), Duration.ofMinutes(10));
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

  private static String release(String gates) {
    return """
        {"platform":"%s","release":
         {"apiVersion":"lockstep.dev/v1","kind":"Release","metadata":{"name":"dataos","version":"2.4.0"},
          "spec":{"layers":["core-kernel"],
           "components":[
            {"name":"metis","layer":"core-kernel","version":"2.4.0",
             "workload":{"kind":"Deployment","namespace":"core","name":"metis"},
             "image":"registry.example.com/metis:2.4.0"}],
           "gates":%s}}}
        """
        .formatted(PLATFORM, gates);
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + submitter)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aReleaseWhoseGatesReachTooFarIsRefusedWithEveryViolationAndNothingIsPublished()
      throws Exception {
    String gates =
        """
        [{"name":"steal","http":{"url":"http://169.254.169.254/latest/meta-data/iam/"}},
         {"name":"reset","http":{"url":"http://metis.core:8080/reset","method":"POST"}},
         {"name":"rate","prometheus":{"address":"http://prometheus.attacker.example:9090","query":"up","successCondition":"result > 0"}}]
        """;

    HttpResponse<String> response = post("/api/v1/upgrades", release(gates));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    List<String> found = new ArrayList<>();
    for (JsonNode error : Json.mapper().readTree(response.body()).get("errors")) {
      assertThat(error.get("code").asText()).isEqualTo("gate-not-allowed");
      found.add(error.get("path").asText());
    }
    assertThat(found)
        .containsExactlyInAnyOrder(
            "release.spec.gates[0].http.url",
            "release.spec.gates[1].http.method",
            "release.spec.gates[2].prometheus.address");
    assertThat(
            TestingPlanner.records(Topics.REQUESTS, PLATFORM, rs -> false, Duration.ofSeconds(2)))
        .isEmpty();
  }

  @Test
  void gatesWithinTheAllowListArePlanned() throws Exception {
    String gates =
        """
        [{"name":"health","http":{"url":"http://metis.core:8080/health","method":"HEAD"}},
         {"name":"rate","prometheus":{"address":"main","query":"up","successCondition":"result > 0"}}]
        """;

    HttpResponse<String> response = post("/api/v1/plans/preview", release(gates));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}
