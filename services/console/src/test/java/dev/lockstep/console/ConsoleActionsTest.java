package dev.lockstep.console;

import static dev.lockstep.console.TestingConsole.field;
import static dev.lockstep.console.TestingConsole.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pause, resume, cancel and roll back from the upgrade page, over real HTTP against a real HTTP
 * server standing in for the planner and the recorder: the buttons follow the upgrade's status and
 * the token's role; each opens a confirmation page that says what will happen; the confirmed form
 * reaches the planner's route with the operator's token and the reason, and the page shows the
 * planner's answer or every error with its path; a form without the session's CSRF token or from a
 * token without the role never reaches the planner. The gate chart draws its success threshold.
 */
class ConsoleActionsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TestingServices services;
  private static TestingConsole console;

  @BeforeAll
  static void start() throws Exception {
    services = new TestingServices();
    upgrade("up-running", "upgrade", "running", "[]");
    upgrade("up-gate", "upgrade", "waiting-gate", "[]");
    upgrade("up-paused", "upgrade", "paused", "[]");
    upgrade("up-queued", "upgrade", "queued", "[]");
    upgrade("up-done", "upgrade", "completed", "[]");
    upgrade("up-undone", "upgrade", "completed", "[\"rb-1\"]");
    upgrade("up-failed", "upgrade", "failed", "[]");
    upgrade("rb-1", "rollback", "running", "[]");
    console =
        TestingConsole.start(
            services,
            Map.of(
                "lockstep.console.platforms",
                List.of("dataos-a"),
                "lockstep.console.poll-interval",
                "100ms"));
  }

  /** An upgrade as the recorder shows it, with a plan of one wave that has a Prometheus gate. */
  private static void upgrade(String id, String mode, String status, String rollbacks) {
    services.answer(
        "/api/v1/upgrades/" + id,
        "{\"upgradeId\":\""
            + id
            + "\",\"platform\":\"dataos-a\",\"mode\":\""
            + mode
            + "\",\"status\":\""
            + status
            + "\",\"eventCount\":4,\"rollbacks\":"
            + rollbacks
            + ",\"versions\":[],\"steps\":[],\"approvals\":[],\"gates\":[{\"upgradeId\":\""
            + id
            + "\",\"gateId\":\"g1\",\"name\":\"error-rate\",\"kind\":\"prometheus\",\"wave\":0,"
            + "\"purpose\":\"after\",\"state\":\"failed\",\"requestedAt\":\"2026-12-07T04:00:00Z\","
            + "\"measurements\":["
            + "{\"index\":0,\"phase\":\"successful\",\"value\":\"0.002\","
            + "\"measuredAt\":\"2026-12-07T04:00:10Z\"},"
            + "{\"index\":1,\"phase\":\"failed\",\"value\":\"0.03\","
            + "\"measuredAt\":\"2026-12-07T04:00:20Z\"}]},"
            + "{\"upgradeId\":\""
            + id
            + "\",\"gateId\":\"g2\",\"name\":\"ready\",\"kind\":\"kubernetes\",\"wave\":0,"
            + "\"purpose\":\"after\",\"state\":\"passed\",\"requestedAt\":\"2026-12-07T04:00:00Z\","
            + "\"measurements\":[{\"index\":0,\"phase\":\"successful\",\"value\":\"ready\","
            + "\"measuredAt\":\"2026-12-07T04:00:10Z\"}]}]}");
    services.answer(
        "/api/v1/upgrades/" + id + "/events",
        "[{\"type\":\"dev.lockstep.plan.created\",\"data\":{\"plan\":{\"upgradeId\":\""
            + id
            + "\",\"mode\":\""
            + mode
            + "\",\"fromRelease\":\"1.0.0\",\"toRelease\":\"2.0.0\",\"waves\":[{\"index\":0,"
            + "\"layer\":\"cloud-kernel\",\"steps\":[],\"gates\":["
            + "{\"name\":\"error-rate\",\"kind\":\"prometheus\",\"spec\":{\"prometheus\":"
            + "{\"query\":\"sum(rate(errors[1m]))\",\"successCondition\":\"result < 0.01\"},"
            + "\"count\":3}},"
            + "{\"name\":\"ready\",\"kind\":\"kubernetes\",\"spec\":{\"kubernetes\":"
            + "{\"check\":\"pods-ready\"}}}]}]}}}]");
  }

  @AfterAll
  static void stop() throws Exception {
    TestingConsole.closeAll(console, services);
  }

  @Test
  void theButtonsFollowTheStatusAndTheRole() throws Exception {
    String submitter = console.signIn(token("ops", List.of("viewer", "submitter")));
    Map<String, List<String>> expected = new LinkedHashMap<>();
    expected.put("up-running", List.of("pause", "cancel"));
    expected.put("up-gate", List.of("pause", "cancel"));
    expected.put("up-paused", List.of("resume", "cancel"));
    expected.put("up-queued", List.of("cancel"));
    expected.put("up-done", List.of("rollback"));
    // rolled back already; failed (rolled back automatically): nothing to do
    expected.put("up-undone", List.of());
    expected.put("up-failed", List.of());
    // a rollback can be held, not cancelled half way back
    expected.put("rb-1", List.of("pause"));
    for (Map.Entry<String, List<String>> e : expected.entrySet()) {
      String page = console.get("/upgrades/" + e.getKey(), submitter).body();
      for (String action : List.of("pause", "resume", "cancel", "rollback")) {
        String link = "href=\"/upgrades/" + e.getKey() + "/" + action + "\"";
        if (e.getValue().contains(action)) {
          assertThat(page).as(e.getKey() + " offers " + action).contains(link);
        } else {
          assertThat(page).as(e.getKey() + " does not offer " + action).doesNotContain(link);
        }
      }
    }
    assertThat(console.get("/upgrades/up-done", submitter).body()).contains(">Roll back…</a>");
    // the live stream re-renders them, so they follow the status without a reload
    assertThat(console.firstEvent("/upgrades/up-paused/stream", submitter).data())
        .contains("href=\"/upgrades/up-paused/resume\"")
        .doesNotContain("href=\"/upgrades/up-paused/pause\"");

    // a token without the role is told why, and offered nothing
    String viewer = console.signIn(token("watcher", List.of("viewer")));
    String page = console.get("/upgrades/up-running", viewer).body();
    assertThat(page)
        .contains("Your token has no submitter role, so it cannot pause or cancel this upgrade")
        .doesNotContain("href=\"/upgrades/up-running/pause\"")
        .doesNotContain("href=\"/upgrades/up-running/cancel\"");
  }

  @Test
  void eachActionConfirmsWhatWillHappenThenCallsThePlannerWithTheOperatorsToken() throws Exception {
    String token = token("ops", List.of("viewer", "submitter"));
    String cookie = console.signIn(token);
    services.answerPost(
        "/api/v1/upgrades/up-running/pause",
        202,
        "{\"upgradeId\":\"up-running\",\"status\":\"pause-requested\"}");
    services.answerPost(
        "/api/v1/upgrades/up-paused/resume",
        202,
        "{\"upgradeId\":\"up-paused\",\"status\":\"resume-requested\"}");
    services.answerPost(
        "/api/v1/upgrades/up-queued/cancel",
        202,
        "{\"upgradeId\":\"up-queued\",\"status\":\"cancel-requested\"}");
    services.answerPost(
        "/api/v1/rollbacks", 202, "{\"upgradeId\":\"up-done\",\"rollbackId\":\"rb-42\"}");

    record Case(String upgrade, String action, String says, String plannerPath, String answer) {}
    List<Case> cases =
        List.of(
            new Case(
                "up-running",
                "pause",
                "It stops before its next step",
                "/api/v1/upgrades/up-running/pause",
                "pause-requested"),
            new Case(
                "up-paused",
                "resume",
                "It carries on from where it stopped",
                "/api/v1/upgrades/up-paused/resume",
                "resume-requested"),
            new Case(
                "up-queued",
                "cancel",
                "what it changed is rolled back",
                "/api/v1/upgrades/up-queued/cancel",
                "cancel-requested"),
            new Case(
                "up-done",
                "rollback",
                "to the versions recorded before this upgrade",
                "/api/v1/rollbacks",
                "rb-42"));
    for (Case c : cases) {
      String path = "/upgrades/" + c.upgrade() + "/" + c.action();
      HttpResponse<String> confirm = console.get(path, cookie);
      assertThat(confirm.statusCode()).as(path).isEqualTo(200);
      assertThat(confirm.body())
          .as(path)
          .contains(c.says())
          .contains("action=\"" + path + "\"")
          .contains("name=\"reason\"")
          .contains("id=\"confirm\"")
          .contains("No, go back");
      // nothing happens before the confirmation
      assertThat(postsTo(c.plannerPath())).as(path).isEmpty();

      String reason = "because " + c.action();
      HttpResponse<String> done =
          console.post(
              path, cookie, Map.of("csrf", field(confirm.body(), "csrf"), "reason", reason));
      assertThat(done.statusCode()).as(path).isEqualTo(200);
      assertThat(done.body())
          .as(path)
          .contains("The planner accepted it (HTTP 202)")
          .contains(c.answer())
          .doesNotContain(token);
      List<TestingServices.Seen> calls = postsTo(c.plannerPath());
      assertThat(calls).as(path).hasSize(1);
      assertThat(calls.get(0).authorization()).isEqualTo("Bearer " + token);
      JsonNode body = JSON.readTree(calls.get(0).body());
      assertThat(body.path("reason").asText()).isEqualTo(reason);
      if (c.action().equals("rollback")) {
        assertThat(body.path("upgradeId").asText()).isEqualTo("up-done");
        assertThat(done.body()).contains("<a id=\"rollback\" href=\"/upgrades/rb-42\">rb-42</a>");
      } else {
        assertThat(body.has("upgradeId")).isFalse();
      }
    }
  }

  @Test
  void thePlannersRefusalIsShownWithEveryErrorAndItsPath() throws Exception {
    String cookie = console.signIn(token("ops", List.of("viewer", "submitter")));
    services.answerPost(
        "/api/v1/upgrades/up-gate/pause",
        409,
        "{\"errors\":[{\"code\":\"conflict\",\"path\":\"id\",\"message\":\"upgrade up-gate is"
            + " completed: only a running upgrade can be paused, and only a paused one resumed\"},"
            + "{\"code\":\"invalid-request\",\"path\":\"reason\",\"message\":\"<i>too long</i>\"}]}");
    String path = "/upgrades/up-gate/pause";
    String csrf = field(console.get(path, cookie).body(), "csrf");
    HttpResponse<String> refused = console.post(path, cookie, Map.of("csrf", csrf, "reason", ""));
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body())
        .contains("Not paused")
        .contains("The planner refused (HTTP 409)")
        .contains("<strong>conflict</strong> at <code class=\"path\">id</code>: upgrade up-gate is")
        .contains("<strong>invalid-request</strong> at <code class=\"path\">reason</code>")
        .contains("&lt;i&gt;too long&lt;/i&gt;")
        .doesNotContain("<i>too long</i>")
        .contains("href=\"/upgrades/up-gate\"");
    // a blank reason is no reason
    assertThat(JSON.readTree(postsTo("/api/v1/upgrades/up-gate/pause").get(0).body()).size())
        .isZero();
  }

  @Test
  void anApprovalThePlannerRefusesShowsItsErrorsWithItsStatus() throws Exception {
    String cookie = console.signIn(token("ann", List.of("viewer", "approver")));
    services.answerPost(
        "/api/v1/upgrades/up-gate/steps/w0-approval/approve",
        409,
        "{\"errors\":[{\"code\":\"conflict\",\"path\":\"stepId\",\"message\":\"step"
            + " w0-approval is approved already\"}]}");
    String path = "/upgrades/up-gate/approve/w0-approval";
    String csrf = field(console.get(path, cookie).body(), "csrf");
    HttpResponse<String> refused = console.post(path, cookie, Map.of("csrf", csrf));
    assertThat(refused.statusCode()).as("the planner's own status, not a 502").isEqualTo(409);
    assertThat(refused.body())
        .contains("Not approved")
        .contains("conflict at stepId: step w0-approval is approved already");
  }

  @Test
  void aFormWithoutTheSessionsCsrfTokenNeverReachesThePlanner() throws Exception {
    String cookie = console.signIn(token("ops", List.of("viewer", "submitter")));
    for (Map<String, String> form :
        List.of(Map.of("reason", "forged"), Map.of("csrf", "guessed", "reason", "forged"))) {
      HttpResponse<String> forged = console.post("/upgrades/up-running/cancel", cookie, form);
      assertThat(forged.statusCode()).isEqualTo(403);
      assertThat(forged.body()).contains("Not cancelled").contains("the planner was not asked");
    }
    assertThat(postsTo("/api/v1/upgrades/up-running/cancel")).isEmpty();
  }

  @Test
  void aTokenWithoutTheRoleGetsA403AndThePlannerIsNotAsked() throws Exception {
    String cookie = console.signIn(token("approver-only", List.of("viewer", "approver")));
    HttpResponse<String> confirm = console.get("/upgrades/up-failed/rollback", cookie);
    assertThat(confirm.statusCode()).isEqualTo(403);
    assertThat(confirm.body())
        .contains("Your token has no submitter role")
        .doesNotContain("id=\"confirm\"");
    // the session's own CSRF token (the sign-out form carries it) does not make up for the role
    String csrf = field(confirm.body(), "csrf");
    HttpResponse<String> posted =
        console.post("/upgrades/up-failed/rollback", cookie, Map.of("csrf", csrf, "reason", "x"));
    assertThat(posted.statusCode()).isEqualTo(403);
    assertThat(posted.body()).contains("Not rolled back").contains("no submitter role");
    assertThat(services.seen())
        .noneSatisfy(
            s -> {
              assertThat(s.method()).isEqualTo("POST");
              assertThat(s.body()).contains("up-failed");
            });
  }

  @Test
  void aWordThatIsNoActionIsNoPageAndAsksNothing() throws Exception {
    String cookie = console.signIn(token("ops", List.of("viewer", "submitter")));
    String csrf = field(console.get("/upgrades/up-running/pause", cookie).body(), "csrf");
    for (String word : List.of("explode", "pauses", "Pause")) {
      String path = "/upgrades/up-running/" + word;
      assertThat(console.get(path, cookie).statusCode()).as(path).isEqualTo(404);
      HttpResponse<String> posted = console.post(path, cookie, Map.of("csrf", csrf));
      assertThat(posted.statusCode()).as(path).isEqualTo(404);
    }
    assertThat(services.seen())
        .noneSatisfy(s -> assertThat(s.uri()).containsAnyOf("explode", "pauses", "Pause"));
  }

  @Test
  void aGateChartDrawsItsSuccessThresholdWithALabel() throws Exception {
    String cookie = console.signIn(token("watcher", List.of("viewer")));
    String page = console.get("/upgrades/up-running", cookie).body();
    String prometheus = gate(page, "error-rate");
    // values 0.002 and 0.03 against 0.01: the bars scale to 0.03 (44 px high at most, from
    // y=48), so the line is at 48 - 44 * 0.01 / 0.03
    assertThat(prometheus)
        .contains("succeeds when successCondition result &lt; 0.01")
        .contains("<line class=\"threshold\"")
        .contains("y1=\"33.3\" y2=\"33.3\"")
        .contains(">pass if &lt; 0.01</text>")
        .contains("2 measurements, pass if &lt; 0.01</title>");
    // a check without a numeric condition has bars only
    assertThat(gate(page, "ready")).contains("<svg class=\"chart\"").doesNotContain("threshold");
  }

  private static String gate(String page, String name) {
    int at = page.indexOf("data-gate=\"" + name + "\"");
    assertThat(at).as("gate " + name).isNotNegative();
    return page.substring(at, page.indexOf("</div>", at));
  }

  private static List<TestingServices.Seen> postsTo(String path) {
    return services.seen().stream()
        .filter(s -> s.method().equals("POST") && s.uri().equals(path))
        .toList();
  }
}
