package dev.lockstep.console;

import static dev.lockstep.console.TestingConsole.HTTP;
import static dev.lockstep.console.TestingConsole.SECRET;
import static dev.lockstep.console.TestingConsole.field;
import static dev.lockstep.console.TestingConsole.session;
import static dev.lockstep.console.TestingConsole.token;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's doors, over real HTTP: without a session every page sends the browser to the
 * sign-in page; a wrong token is refused with the reason; a good one opens a session in an
 * HttpOnly, SameSite=Strict cookie; a one-time code signs in once; a form without the session's
 * CSRF token changes nothing; the token reaches the services (a real HTTP server standing in for
 * the planner and the recorder) but never a page, a URL or a log line.
 */
class ConsoleSignInTest {
  @TempDir static Path dir;

  private static TestingServices services;
  private static TestingConsole console;
  private static Path codes;
  private static TestingConsole.Logs logs;

  @BeforeAll
  static void start() throws Exception {
    logs = new TestingConsole.Logs();
    services = new TestingServices();
    services.answer(
        "/api/v1/platforms/dataos-a",
        "{\"platform\":\"dataos-a\",\"release\":\"1.0.0\",\"inventory\":["
            + "{\"name\":\"postgres\",\"layer\":\"cloud-kernel\",\"version\":\"15.3.0\"},"
            + "{\"name\":\"workbench\",\"layer\":\"user-space\",\"version\":\"1.4.0\"}],"
            + "\"active\":{\"upgradeId\":\"up-1\",\"platform\":\"dataos-a\",\"status\":\"running\","
            + "\"mode\":\"upgrade\",\"toRelease\":\"2.0.0\",\"requestedBy\":\"ops\"},\"queue\":[]}");
    services.answer(
        "/api/v1/platforms/dataos-a/available-upgrades",
        "{\"platform\":\"dataos-a\",\"releases\":[{\"product\":\"dataos\",\"version\":\"2.0.0\","
            + "\"components\":8}]}");
    services.answer(
        "/api/v1/platforms/dataos-b",
        "{\"platform\":\"dataos-b\",\"release\":\"1.1.0\",\"inventory\":[],\"queue\":[]}");
    services.answer(
        "/api/v1/platforms/dataos-b/available-upgrades",
        "{\"platform\":\"dataos-b\",\"releases\":[]}");
    services.answer(
        "/api/v1/upgrades/up-1",
        "{\"upgradeId\":\"up-1\",\"platform\":\"dataos-a\",\"mode\":\"upgrade\","
            + "\"status\":\"running\",\"eventCount\":3,\"rollbacks\":[],\"versions\":[],"
            + "\"steps\":[{\"upgradeId\":\"up-1\",\"stepId\":\"s1\",\"wave\":0,"
            + "\"component\":\"postgres\",\"action\":\"set-image\",\"state\":\"running\"}],"
            + "\"gates\":[],\"approvals\":[{\"upgradeId\":\"up-1\",\"stepId\":\"s2\","
            + "\"component\":\"metis\",\"message\":\"<b>ok?</b>\","
            + "\"requestedAt\":\"2026-12-07T04:00:00Z\"}]}");
    services.answer(
        "/api/v1/upgrades/up-1/events",
        "[{\"type\":\"dev.lockstep.plan.created\",\"data\":{\"plan\":{\"upgradeId\":\"up-1\","
            + "\"mode\":\"upgrade\",\"fromRelease\":\"1.0.0\",\"toRelease\":\"2.0.0\","
            + "\"waves\":[{\"index\":0,\"layer\":\"cloud-kernel\",\"steps\":[{\"id\":\"s1\","
            + "\"component\":\"postgres\",\"action\":\"set-image\",\"from\":\"15.3.0\","
            + "\"to\":\"15.4.0\"}],\"gates\":[]}]}}}]");
    codes = dir.resolve("console-signin");
    console =
        TestingConsole.start(
            services,
            Map.of(
                "lockstep.console.platforms",
                List.of("dataos-a", "dataos-b"),
                "lockstep.console.signin-codes-file",
                codes.toString(),
                "lockstep.console.poll-interval",
                "100ms"));
  }

  @AfterAll
  static void stop() throws Exception {
    TestingConsole.closeAll(console, services);
  }

  @Test
  void withoutASessionEveryPageSendsToSignIn() throws Exception {
    for (String page : List.of("/", "/platforms", "/upgrades/up-1", "/upgrades/up-1/postmortem")) {
      HttpResponse<String> response = console.get(page, null);
      assertThat(response.statusCode()).as(page).isEqualTo(303);
      assertThat(response.headers().firstValue("Location")).as(page).hasValue("/signin");
    }
    HttpResponse<String> signIn = console.get("/signin", null);
    assertThat(signIn.statusCode()).isEqualTo(200);
    assertThat(signIn.body()).contains("<h1>Sign in</h1>").contains("name=\"token\"");
    // a forged cookie is no session
    assertThat(console.get("/platforms", "made-up").statusCode()).isEqualTo(303);
    // health and the static assets are open
    assertThat(console.get("/health/readiness", null).statusCode()).isEqualTo(200);
    HttpResponse<String> script = console.get("/static/vendor/htmx.min.js", null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("htmx");
  }

  @Test
  void aWrongTokenShowsTheSignInPageWithTheReason() throws Exception {
    String foreign =
        token("ops", List.of("viewer"), null, "another-secret-that-is-32-bytes-long!!");
    for (String wrong : List.of("not-a-token", foreign)) {
      HttpResponse<String> response = console.post("/signin", null, Map.of("token", wrong));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body()).contains("That token was not accepted");
      assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
    }
  }

  @Test
  void aGoodTokenOpensASessionThatShowsThePlatformsWithTheTokenKeptServerSide() throws Exception {
    String token = token("ops", List.of("viewer", "approver"));
    String cookie = console.signIn(token);

    HttpResponse<String> page = console.get("/platforms", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("signed in as ops")
        .contains("dataos-a")
        .contains("1.0.0")
        .contains("cloud-kernel")
        .contains("postgres")
        .contains("15.3.0")
        .contains("href=\"/upgrades/up-1\"")
        .contains("2.0.0")
        .contains("dataos-b")
        .doesNotContain(token);
    // the console called the planner with the operator's token, and put it in no URL
    assertThat(services.seen())
        .anySatisfy(
            s -> {
              assertThat(s.uri()).isEqualTo("/api/v1/platforms/dataos-a");
              assertThat(s.authorization()).isEqualTo("Bearer " + token);
            });
    assertThat(services.seen()).noneSatisfy(s -> assertThat(s.uri()).contains(token));
    assertThat(logLines()).noneSatisfy(line -> assertThat(line).contains(token));
  }

  @Test
  void aTokenLimitedToPlatformsSeesOnlyThose() throws Exception {
    String cookie = console.signIn(token("team-a", List.of("viewer"), List.of("dataos-a"), SECRET));
    String body = console.get("/platforms", cookie).body();
    assertThat(body).contains("id=\"platform-dataos-a\"").doesNotContain("dataos-b");
  }

  @Test
  void aSignInCodeWorksOnceAndNeverCarriesTheToken() throws Exception {
    String token = token("local-operator", List.of("viewer"));
    String code = "c0de-" + "x".repeat(40);
    String expired = "old-" + "y".repeat(40);
    long later = Instant.now().plusSeconds(600).getEpochSecond();
    long before = Instant.now().minusSeconds(1).getEpochSecond();
    Files.writeString(
        codes,
        code + " " + later + " " + token + "\n" + expired + " " + before + " " + token + "\n");

    HttpResponse<String> first = console.get("/signin/" + code, null);
    assertThat(first.statusCode()).isEqualTo(303);
    assertThat(first.headers().firstValue("Location")).hasValue("/platforms");
    String cookie = session(first);
    assertThat(console.get("/platforms", cookie).body()).contains("signed in as local-operator");

    HttpResponse<String> again = console.get("/signin/" + code, null);
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(again.body()).contains("used already or has expired").contains("name=\"token\"");
    assertThat(again.headers().allValues("Set-Cookie")).isEmpty();

    assertThat(console.get("/signin/" + expired, null).statusCode()).isEqualTo(401);
    assertThat(console.get("/signin/" + "z".repeat(40), null).statusCode()).isEqualTo(401);
    assertThat(Files.readString(codes)).doesNotContain(code).doesNotContain(expired);
    assertThat(logLines()).noneSatisfy(line -> assertThat(line).contains(token));
  }

  @Test
  void aFormWithoutTheSessionsCsrfTokenChangesNothing() throws Exception {
    String cookie = console.signIn(token("approver-1", List.of("viewer", "approver")));
    String path = "/upgrades/up-1/approve/s2";

    HttpResponse<String> forged = console.post(path, cookie, Map.of("csrf", "guessed"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("Not approved");
    assertThat(services.seen()).noneSatisfy(s -> assertThat(s.method()).isEqualTo("POST"));

    // the confirm step carries the token; with it the planner is asked and its answer shown
    HttpResponse<String> confirm = console.get(path, cookie);
    assertThat(confirm.statusCode()).isEqualTo(200);
    String csrf = field(confirm.body(), "csrf");
    HttpResponse<String> approved = console.post(path, cookie, Map.of("csrf", csrf));
    assertThat(approved.statusCode()).isEqualTo(200);
    assertThat(approved.body()).contains("The planner accepted the approval (HTTP 202)");
    assertThat(services.seen())
        .anySatisfy(
            s -> {
              assertThat(s.method()).isEqualTo("POST");
              assertThat(s.uri()).isEqualTo("/api/v1/upgrades/up-1/steps/s2/approve");
            });

    // signing out without the token leaves the session; with it, ends it
    console.post("/signout", cookie, Map.of());
    assertThat(console.get("/platforms", cookie).statusCode()).isEqualTo(200);
    HttpResponse<String> out = console.post("/signout", cookie, Map.of("csrf", csrf));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(console.get("/platforms", cookie).statusCode()).isEqualTo(303);
  }

  @Test
  void theUpgradePageStreamsItsStateAndEscapesWhatTheServicesSay() throws Exception {
    String cookie = console.signIn(token("viewer-1", List.of("viewer")));
    HttpResponse<String> page = console.get("/upgrades/up-1", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("sse-connect=\"/upgrades/up-1/stream\"")
        .contains("Wave 0")
        .contains("&lt;b&gt;ok?&lt;/b&gt;")
        .doesNotContain("<b>ok?</b>")
        .contains("Your token has no approver role");

    // an upgrade the recorder has not seen (yet): 404, and a page that waits for it
    HttpResponse<String> early = console.get("/upgrades/up-2", cookie);
    assertThat(early.statusCode()).isEqualTo(404);
    assertThat(early.body())
        .contains("Not recorded yet")
        .contains("sse-connect=\"/upgrades/up-2/stream\"");

    TestingConsole.Sse first = console.firstEvent("/upgrades/up-1/stream", cookie);
    assertThat(first.name()).isEqualTo("state");
    assertThat(first.id()).isEqualTo("3");
    assertThat(first.data()).contains("postgres");
  }

  @Test
  void aSignInOfAnotherContentTypeIsRefusedWithEveryErrorsPath() throws Exception {
    HttpRequest.Builder json =
        HttpRequest.newBuilder(console.base().resolve("/signin"))
            .header("Content-Type", "application/json")
            .header("Origin", console.base().toString())
            .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"x\"}"));
    HttpResponse<String> api = HTTP.send(json.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).isEqualTo(415);
    assertThat(api.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(api.body())
        .startsWith("{\"errors\":[{")
        .contains("\"code\":\"unsupported-media-type\"")
        .contains("\"path\":\"\"")
        .contains("application/x-www-form-urlencoded");
    assertThat(api.headers().allValues("Set-Cookie")).isEmpty();

    // a browser is shown a page with each error and its path
    HttpResponse<String> page =
        HTTP.send(
            json.header("Accept", "text/html,application/xhtml+xml").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(415);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body())
        .contains("415 Unsupported Media Type")
        .contains("<code>(the request)</code>")
        .contains("application/x-www-form-urlencoded");
  }

  private static List<String> logLines() {
    return logs.lines();
  }
}
