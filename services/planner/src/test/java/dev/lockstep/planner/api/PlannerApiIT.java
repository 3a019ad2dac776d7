package dev.lockstep.planner.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlannerQueries;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.runtime.security.Roles;
import dev.lockstep.runtime.security.TokenIssuer;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The planner's HTTP API on a real server: tokens and roles, every malformed body answered with a
 * 4xx and an error list, a preview that writes nothing, and an upgrade accepted over HTTP that the
 * Kafka path plans.
 */
class PlannerApiIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String PLATFORM = TestingPlanner.unique("api-it");
  private static ApplicationContext context;
  private static EmbeddedServer server;
  private static String submitter;
  private static String viewer;
  private static String approver;

  private static final String RELEASE_JSON =
      """
      {"apiVersion":"lockstep.dev/v1","kind":"Release","metadata":{"name":"dataos","version":"2.4.0"},
       "spec":{"layers":["cloud-kernel","core-kernel"],
        "components":[
         {"name":"postgres","layer":"cloud-kernel","version":"15.4.0",
          "workload":{"kind":"StatefulSet","namespace":"data","name":"postgres","container":"postgres"},
          "image":"registry.example.com/postgres:15.4.0","backup":{"volumeSnapshotClass":"csi"}},
         {"name":"metis","layer":"core-kernel","version":"2.4.0","requires":{"postgres":"^15.0.0"},
          "workload":{"kind":"Deployment","namespace":"core","name":"metis"},
          "image":"registry.example.com/metis:2.4.0"}]}}
      """;

  @BeforeAll
  static void start() {
    context =
        TestingPlanner.start(
            TestingPlanner.unique("planner-api"),
            Map.of(
                PLATFORM,
                List.of("core", "data"),
                "narrow-" + PLATFORM,
                List.of("core"),
                "preview-" + PLATFORM,
                List.of("core", "data"),
                "retry-" + PLATFORM,
                List.of("core", "data"),
                "unseen-" + PLATFORM,
                List.of("core", "data")));
    server = context.getBean(EmbeddedServer.class).start();
    TestingPlanner.observeNothingRunning(
        context, PLATFORM, "narrow-" + PLATFORM, "preview-" + PLATFORM, "retry-" + PLATFORM);
    TokenIssuer tokens = context.getBean(TokenIssuer.class);
    submitter = tokens.issue("sam", List.of(Roles.SUBMITTER), Duration.ofMinutes(10));
    viewer = tokens.issue("vera", List.of(Roles.VIEWER), Duration.ofMinutes(10));
    approver = tokens.issue("april", List.of(Roles.APPROVER), Duration.ofMinutes(10));
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

  private static HttpResponse<String> call(
      String method, String path, String token, String contentType, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + path))
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode errors(HttpResponse<String> response) throws Exception {
    JsonNode errors = Json.mapper().readTree(response.body()).get("errors");
    assertThat(errors).as(response.body()).isNotNull();
    assertThat(errors.isArray() && errors.size() > 0).as(response.body()).isTrue();
    return errors;
  }

  @Test
  void routesNeedATokenAndTheRightRole() throws Exception {
    HttpResponse<String> anonymous = call("GET", "/api/v1/platforms/" + PLATFORM, null, null, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(errors(anonymous).get(0).get("code").asText()).isEqualTo("unauthorized");

    HttpResponse<String> viewerSubmits =
        call(
            "POST",
            "/api/v1/upgrades",
            viewer,
            "application/json",
            "{\"platform\":\"" + PLATFORM + "\",\"release\":" + RELEASE_JSON + "}");
    assertThat(viewerSubmits.statusCode()).isEqualTo(403);
    assertThat(errors(viewerSubmits).get(0).get("code").asText()).isEqualTo("forbidden");

    assertThat(
            call("POST", "/api/v1/upgrades/u-x/steps/s-0-1/approve", submitter, null, null)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            call("POST", "/api/v1/upgrades/u-x/steps/s-0-1/approve", approver, null, null)
                .statusCode())
        .isEqualTo(404);
    assertThat(call("GET", "/api/v1/platforms/" + PLATFORM, viewer, null, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aTokenLimitedToOtherPlatformsIsForbiddenTheirRoutesAndChangesNothing() throws Exception {
    TokenIssuer tokens = context.getBean(TokenIssuer.class);
    String elsewhere =
        tokens.issue(
            "olga",
            List.of(Roles.SUBMITTER, Roles.VIEWER),
            List.of("billing-*"),
            Duration.ofMinutes(5));
    String here =
        tokens.issue(
            "hana", List.of(Roles.VIEWER), List.of("narrow-*", PLATFORM), Duration.ofMinutes(5));

    HttpResponse<String> submitted =
        call(
            "POST",
            "/api/v1/upgrades",
            elsewhere,
            "application/json",
            "{\"platform\":\"" + PLATFORM + "\",\"release\":" + RELEASE_JSON + "}");
    assertThat(submitted.statusCode()).isEqualTo(403);
    assertThat(errors(submitted).get(0).get("code").asText()).isEqualTo("forbidden");
    assertThat(call("GET", "/api/v1/platforms/" + PLATFORM, elsewhere, null, null).statusCode())
        .isEqualTo(403);
    assertThat(
            call(
                    "GET",
                    "/api/v1/platforms/" + PLATFORM + "/available-upgrades",
                    elsewhere,
                    null,
                    null)
                .statusCode())
        .isEqualTo(403);
    assertThat(call("GET", "/api/v1/platforms/" + PLATFORM, here, null, null).statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/api/v1/platforms/narrow-" + PLATFORM, here, null, null).statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/api/v1/platforms/preview-" + PLATFORM, here, null, null).statusCode())
        .isEqualTo(403);
    assertThat(
            Json.mapper()
                .readTree(call("GET", "/api/v1/platforms/" + PLATFORM, viewer, null, null).body())
                .toString())
        .as("the refused request queued nothing")
        .doesNotContain("olga");
  }

  @Test
  void everyMalformedBodyIsA4xxWithAnErrorList() throws Exception {
    String huge =
        "{\"platform\":\"" + PLATFORM + "\",\"reason\":\"" + "x".repeat(6 * 1024 * 1024) + "\"}";
    List<String[]> cases =
        List.of(
            new String[] {"/api/v1/upgrades", "application/json", "{not json"},
            new String[] {"/api/v1/upgrades", "application/json", "[1,2,3]"},
            new String[] {"/api/v1/upgrades", "application/json", ""},
            new String[] {
              "/api/v1/upgrades", "application/json", "{\"platform\": 5, \"release\": \"x\"}"
            },
            new String[] {
              "/api/v1/upgrades",
              "application/json",
              "{\"platform\":\""
                  + PLATFORM
                  + "\",\"release\":{\"kind\":7},\"window\":{\"notAfter\":\"soon\"}}"
            },
            new String[] {
              "/api/v1/upgrades?platform=" + PLATFORM, "application/yaml", "spec: [unclosed"
            },
            new String[] {
              "/api/v1/upgrades?platform=" + PLATFORM, "application/yaml", "just a string"
            },
            new String[] {"/api/v1/upgrades", "application/json", huge},
            new String[] {
              "/api/v1/plans/preview",
              "application/json",
              "{\"platform\":\""
                  + PLATFORM
                  + "\",\"release\":"
                  + RELEASE_JSON
                  + ",\"current\":[{\"name\":\"metis\",\"version\":\"two\"}]}"
            },
            new String[] {
              "/api/v1/plans/preview",
              "application/json",
              "{\"platform\":\""
                  + PLATFORM
                  + "\",\"release\":"
                  + RELEASE_JSON
                  + ",\"current\":\"none\"}"
            },
            new String[] {"/api/v1/rollbacks", "application/json", "{\"upgradeId\": []}"},
            new String[] {
              "/api/v1/releases",
              "application/yaml",
              "apiVersion: lockstep.dev/v1\nkind: Release\nmetadata: {name: x, version: 1}\nspec: {}"
            },
            new String[] {"/api/v1/upgrades", "text/plain", "hello"});
    for (String[] c : cases) {
      HttpResponse<String> response = call("POST", c[0], submitter, c[1], c[2]);
      assertThat(response.statusCode())
          .as(c[0] + " " + c[2].substring(0, Math.min(80, c[2].length())))
          .isBetween(400, 499);
      errors(response);
    }
  }

  /** A producer fixes a request once: its problems come in one answer, not one per attempt. */
  @Test
  void aRequestWithSeveralProblemsHasThemAllInOneAnswer() throws Exception {
    String body =
        "{\"platform\": 5, \"release\": {\"kind\": 7}, \"window\": {\"notAfter\": \"soon\"},"
            + " \"priority\": \"high\"}";
    for (String route : List.of("/api/v1/upgrades", "/api/v1/plans/preview")) {
      HttpResponse<String> response = call("POST", route, submitter, "application/json", body);
      assertThat(response.statusCode()).as(route + ": an unknown field").isEqualTo(400);
      List<String> paths = new ArrayList<>();
      errors(response).forEach(e -> paths.add(e.get("path").asText()));
      assertThat(paths)
          .as(route + ": " + response.body())
          .contains("priority", "platform")
          .anyMatch(p -> p.startsWith("window"))
          .anyMatch(p -> p.startsWith("release."));
    }
    HttpResponse<String> values =
        call(
            "POST",
            "/api/v1/upgrades",
            submitter,
            "application/json",
            "{\"platform\": 5, \"release\": {\"kind\": 7}}");
    assertThat(values.statusCode()).as("invalid values only").isEqualTo(422);
    assertThat(errors(values).size()).as(values.body()).isGreaterThan(1);
  }

  @Test
  void aPreviewPlansAgainstTheGivenCurrentAndWritesNothing() throws Exception {
    String platform = "preview-" + PLATFORM;
    String body =
        "{\"platform\":\""
            + platform
            + "\",\"release\":"
            + RELEASE_JSON
            + ",\"current\":[{\"name\":\"postgres\",\"version\":\"15.3.0\",\"layer\":\"cloud-kernel\"},{\"name\":\"metis\",\"version\":\"2.3.1\",\"layer\":\"core-kernel\",\"requires\":{\"postgres\":\"^15.0.0\"}}]}";

    HttpResponse<String> response =
        call("POST", "/api/v1/plans/preview", viewer, "application/json", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode plan = Json.mapper().readTree(response.body());
    assertThat(plan.get("waves").get(0).get("steps").get(0).get("action").asText())
        .isEqualTo("backup");
    assertThat(plan.get("versions").get(1).get("from").asText()).isEqualTo("2.3.1");
    assertThat(plan.get("risk").get("score").asInt()).isPositive();
    assertThat(TestingPlanner.records(Topics.PLANS, platform, rs -> false, Duration.ofSeconds(2)))
        .isEmpty();

    HttpResponse<String> narrow =
        call(
            "POST",
            "/api/v1/plans/preview",
            viewer,
            "application/json",
            body.replace("\"platform\":\"" + platform, "\"platform\":\"narrow-" + PLATFORM));
    assertThat(narrow.statusCode()).isEqualTo(422);
    assertThat(errors(narrow).get(0).get("code").asText()).isEqualTo("namespace-not-allowed");

    HttpResponse<String> unknown =
        call("GET", "/api/v1/platforms/nowhere-at-all", viewer, null, null);
    assertThat(unknown.statusCode()).isEqualTo(404);

    // a platform no executor has observed yet: no plan from an inventory nobody has seen
    String unseen = body.replace("\"platform\":\"" + platform, "\"platform\":\"unseen-" + PLATFORM);
    HttpResponse<String> blind =
        call(
            "POST",
            "/api/v1/plans/preview",
            viewer,
            "application/json",
            unseen.substring(0, unseen.indexOf(",\"current\"")) + "}");
    assertThat(blind.statusCode()).as(blind.body()).isEqualTo(409);
    assertThat(errors(blind).get(0).get("path").asText()).isEqualTo("platform");
    assertThat(errors(blind).get(0).get("message").asText()).contains("not observed");
    assertThat(
            call("POST", "/api/v1/plans/preview", viewer, "application/json", unseen).statusCode())
        .as("with the running components given, the preview needs no observation")
        .isEqualTo(200);
    assertThat(
            call(
                    "GET",
                    "/api/v1/platforms/unseen-" + PLATFORM + "/available-upgrades",
                    viewer,
                    null,
                    null)
                .statusCode())
        .isEqualTo(409);
  }

  @Test
  void anUpgradeAcceptedOverHttpIsPlannedAndShownOnThePlatform() throws Exception {
    HttpResponse<String> accepted =
        call(
            "POST",
            "/api/v1/upgrades",
            submitter,
            "application/json",
            "{\"platform\":\""
                + PLATFORM
                + "\",\"reason\":\"monthly\",\"release\":"
                + RELEASE_JSON
                + "}");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String upgradeId = Json.mapper().readTree(accepted.body()).get("upgradeId").asText();

    List<EventEnvelope> plans =
        TestingPlanner.plans(
            PLATFORM,
            es -> TestingPlanner.find(es, "dev.lockstep.plan.created", upgradeId).isPresent(),
            Duration.ofSeconds(60));
    assertThat(TestingPlanner.find(plans, "dev.lockstep.plan.created", upgradeId)).isPresent();
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)
        && context.getBean(PlannerCore.class).platform(PLATFORM).active() == null) {
      TestingPlanner.pause();
    }
    HttpResponse<String> view = call("GET", "/api/v1/platforms/" + PLATFORM, viewer, null, null);
    assertThat(Json.mapper().readTree(view.body()).get("active").get("upgradeId").asText())
        .isEqualTo(upgradeId);

    HttpResponse<String> cancel =
        call(
            "POST",
            "/api/v1/upgrades/" + upgradeId + "/cancel",
            submitter,
            "application/json",
            "{\"reason\":\"changed my mind\"}");
    assertThat(cancel.statusCode()).isEqualTo(202);
    List<EventEnvelope> after =
        TestingPlanner.plans(
            PLATFORM,
            es -> TestingPlanner.find(es, "dev.lockstep.upgrade.cancelled", upgradeId).isPresent(),
            Duration.ofSeconds(60));
    assertThat(TestingPlanner.find(after, "dev.lockstep.upgrade.cancelled", upgradeId)).isPresent();
  }

  @Test
  void anUpgradeThatFailedIsRetriedAsANewUpgradeOfTheSameRelease() throws Exception {
    String platform = "retry-" + PLATFORM;
    HttpResponse<String> accepted =
        call(
            "POST",
            "/api/v1/upgrades",
            submitter,
            "application/json",
            "{\"platform\":\"" + platform + "\",\"release\":" + RELEASE_JSON + "}");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String upgradeId = Json.mapper().readTree(accepted.body()).get("upgradeId").asText();
    TestingPlanner.plans(
        platform,
        es -> TestingPlanner.find(es, "dev.lockstep.plan.created", upgradeId).isPresent(),
        Duration.ofSeconds(60));
    String retry = "/api/v1/upgrades/" + upgradeId + "/retry";

    HttpResponse<String> running = call("POST", retry, submitter, null, null);
    assertThat(running.statusCode()).as(running.body()).isEqualTo(409);
    assertThat(errors(running).get(0).get("message").asText()).contains("scheduled");
    assertThat(
            call("POST", "/api/v1/upgrades/up-unknown/retry", submitter, null, null).statusCode())
        .isEqualTo(404);
    assertThat(call("POST", retry, null, null, null).statusCode()).isEqualTo(401);
    assertThat(call("POST", retry, viewer, null, null).statusCode()).isEqualTo(403);

    context
        .getBean(EventPublisher.class)
        .publishAndWait(
            EventEnvelope.create(
                EventCatalog.standard(),
                "executor",
                platform,
                upgradeId,
                new UpgradeFailed(
                    upgradeId, platform, "step s-1-1 failed", "s-1-1", null, false, List.of()),
                null,
                Clock.systemUTC()));
    HttpResponse<String> retried = running;
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline) && retried.statusCode() == 409) {
      TestingPlanner.pause();
      retried =
          call("POST", retry, submitter, "application/json", "{\"reason\":\"flaky registry\"}");
    }
    assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
    JsonNode answer = Json.mapper().readTree(retried.body());
    String retryId = answer.get("upgradeId").asText();
    assertThat(retryId).isNotEqualTo(upgradeId);
    assertThat(answer.get("retryOf").asText()).isEqualTo(upgradeId);

    PlannerQueries queries = context.getBean(PlannerQueries.class);
    deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline) && queries.request(retryId).isEmpty()) {
      TestingPlanner.pause();
    }
    UpgradeRequested again = queries.request(retryId).orElseThrow();
    assertThat(again.platform()).isEqualTo(platform);
    assertThat(again.release().metadata().version()).isEqualTo("2.4.0");
    assertThat(again.requestedBy()).isEqualTo("sam");
    assertThat(again.reason()).isEqualTo("retry of " + upgradeId + ": flaky registry");
  }

  @Test
  void aPublishedReleaseEntersTheCatalogue() throws Exception {
    String yaml =
        "apiVersion: lockstep.dev/v1\nkind: Release\nmetadata: {name: catalogued, version: 9.0.0}\nspec:\n  layers: [core-kernel]\n  components:\n    - {name: solo, layer: core-kernel, version: 9.0.0, workload: {kind: Deployment, namespace: core, name: solo}, image: 'r/solo:9.0.0'}\n";
    HttpResponse<String> accepted =
        call("POST", "/api/v1/releases", submitter, "application/yaml", yaml);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

    Instant deadline = Instant.now().plusSeconds(60);
    String body = "";
    while (Instant.now().isBefore(deadline) && !body.contains("catalogued")) {
      body = call("GET", "/api/v1/releases", viewer, null, null).body();
      TestingPlanner.pause();
    }
    assertThat(body).contains("\"product\":\"catalogued\"").contains("\"version\":\"9.0.0\"");
    HttpResponse<String> available =
        call("GET", "/api/v1/platforms/" + PLATFORM + "/available-upgrades", viewer, null, null);
    assertThat(available.body()).contains("catalogued");
    assertThat(EventCodec.standard()).isNotNull();
  }
}
