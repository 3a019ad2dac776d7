package dev.lockstep.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.runtime.LockstepApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The console's doors, over real HTTP: without a session every page sends the browser to the
 * sign-in page; a wrong token is refused with the reason; a good one opens a session in an
 * HttpOnly, SameSite=Strict cookie; a one-time code signs in once; a form without the session's
 * CSRF token changes nothing; the token reaches the services (a real HTTP server standing in for
 * the planner and the recorder) but never a page, a URL or a log line.
 */
class ConsoleSignInTest {
  private static final String SECRET = "a-local-secret-of-at-least-32-bytes-long";

  @TempDir static Path dir;

  private static TestingServices services;
  private static ApplicationContext console;
  private static URI base;
  private static Path codes;
  private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() throws Exception {
    LOGS.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
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
        LockstepApplication.builder(
                "console",
                Map.of(
                    "micronaut.server.port",
                    -1,
                    "lockstep.security.jwt-secret",
                    SECRET,
                    "lockstep.console.planner-url",
                    services.url().toString(),
                    "lockstep.console.recorder-url",
                    services.url().toString(),
                    "lockstep.console.platforms",
                    List.of("dataos-a", "dataos-b"),
                    "lockstep.console.signin-codes-file",
                    codes.toString(),
                    "lockstep.console.poll-interval",
                    "100ms"))
            .start();
    EmbeddedServer server = console.getBean(EmbeddedServer.class);
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getPort());
  }

  @AfterAll
  static void stop() {
    if (console != null) {
      console.close();
    }
    if (services != null) {
      services.close();
    }
  }

  @Test
  void withoutASessionEveryPageSendsToSignIn() throws Exception {
    for (String page : List.of("/", "/platforms", "/upgrades/up-1", "/upgrades/up-1/postmortem")) {
      HttpResponse<String> response = get(page, null);
      assertThat(response.statusCode()).as(page).isEqualTo(303);
      assertThat(response.headers().firstValue("Location")).as(page).hasValue("/signin");
    }
    HttpResponse<String> signIn = get("/signin", null);
    assertThat(signIn.statusCode()).isEqualTo(200);
    assertThat(signIn.body()).contains("<h1>Sign in</h1>").contains("name=\"token\"");
    // a forged cookie is no session
    assertThat(get("/platforms", "made-up").statusCode()).isEqualTo(303);
    // health and the static assets are open
    assertThat(get("/health/readiness", null).statusCode()).isEqualTo(200);
    HttpResponse<String> script = get("/static/vendor/htmx.min.js", null);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("htmx");
  }

  @Test
  void aWrongTokenShowsTheSignInPageWithTheReason() throws Exception {
    String foreign =
        token("ops", List.of("viewer"), null, "another-secret-that-is-32-bytes-long!!");
    for (String wrong : List.of("not-a-token", foreign)) {
      HttpResponse<String> response = post("/signin", null, Map.of("token", wrong));
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body()).contains("That token was not accepted");
      assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
    }
  }

  @Test
  void aGoodTokenOpensASessionThatShowsThePlatformsWithTheTokenKeptServerSide() throws Exception {
    String token = token("ops", List.of("viewer", "approver"), null, SECRET);
    String cookie = signIn(token);

    HttpResponse<String> page = get("/platforms", cookie);
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
    String cookie = signIn(token("team-a", List.of("viewer"), List.of("dataos-a"), SECRET));
    String body = get("/platforms", cookie).body();
    assertThat(body).contains("id=\"platform-dataos-a\"").doesNotContain("dataos-b");
  }

  @Test
  void aSignInCodeWorksOnceAndNeverCarriesTheToken() throws Exception {
    String token = token("local-operator", List.of("viewer"), null, SECRET);
    String code = "c0de-" + "x".repeat(40);
    String expired = "old-" + "y".repeat(40);
    long later = Instant.now().plusSeconds(600).getEpochSecond();
    long before = Instant.now().minusSeconds(1).getEpochSecond();
    Files.writeString(
        codes,
        code + " " + later + " " + token + "\n" + expired + " " + before + " " + token + "\n");

    HttpResponse<String> first = get("/signin/" + code, null);
    assertThat(first.statusCode()).isEqualTo(303);
    assertThat(first.headers().firstValue("Location")).hasValue("/platforms");
    String cookie = cookieOf(first);
    assertThat(get("/platforms", cookie).body()).contains("signed in as local-operator");

    HttpResponse<String> again = get("/signin/" + code, null);
    assertThat(again.statusCode()).isEqualTo(401);
    assertThat(again.body()).contains("used already or has expired").contains("name=\"token\"");
    assertThat(again.headers().allValues("Set-Cookie")).isEmpty();

    assertThat(get("/signin/" + expired, null).statusCode()).isEqualTo(401);
    assertThat(get("/signin/" + "z".repeat(40), null).statusCode()).isEqualTo(401);
    assertThat(Files.readString(codes)).doesNotContain(code).doesNotContain(expired);
    assertThat(logLines()).noneSatisfy(line -> assertThat(line).contains(token));
  }

  @Test
  void aFormWithoutTheSessionsCsrfTokenChangesNothing() throws Exception {
    String cookie = signIn(token("approver-1", List.of("viewer", "approver"), null, SECRET));
    String path = "/upgrades/up-1/approve/s2";

    HttpResponse<String> forged = post(path, cookie, Map.of("csrf", "guessed"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("Not approved");
    assertThat(services.seen()).noneSatisfy(s -> assertThat(s.method()).isEqualTo("POST"));

    // the confirm step carries the token; with it the planner is asked and its answer shown
    HttpResponse<String> confirm = get(path, cookie);
    assertThat(confirm.statusCode()).isEqualTo(200);
    String csrf = field(confirm.body(), "csrf");
    HttpResponse<String> approved = post(path, cookie, Map.of("csrf", csrf));
    assertThat(approved.statusCode()).isEqualTo(200);
    assertThat(approved.body()).contains("The planner accepted the approval (HTTP 202)");
    assertThat(services.seen())
        .anySatisfy(
            s -> {
              assertThat(s.method()).isEqualTo("POST");
              assertThat(s.uri()).isEqualTo("/api/v1/upgrades/up-1/steps/s2/approve");
            });

    // signing out without the token leaves the session; with it, ends it
    post("/signout", cookie, Map.of());
    assertThat(get("/platforms", cookie).statusCode()).isEqualTo(200);
    HttpResponse<String> out = post("/signout", cookie, Map.of("csrf", csrf));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get("/platforms", cookie).statusCode()).isEqualTo(303);
  }

  @Test
  void theUpgradePageStreamsItsStateAndEscapesWhatTheServicesSay() throws Exception {
    String cookie = signIn(token("viewer-1", List.of("viewer"), null, SECRET));
    HttpResponse<String> page = get("/upgrades/up-1", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("sse-connect=\"/upgrades/up-1/stream\"")
        .contains("Wave 0")
        .contains("&lt;b&gt;ok?&lt;/b&gt;")
        .doesNotContain("<b>ok?</b>")
        .contains("Your token has no approver role");

    // an upgrade the recorder has not seen (yet): 404, and a page that waits for it
    HttpResponse<String> early = get("/upgrades/up-2", cookie);
    assertThat(early.statusCode()).isEqualTo(404);
    assertThat(early.body())
        .contains("Not recorded yet")
        .contains("sse-connect=\"/upgrades/up-2/stream\"");

    HttpResponse<InputStream> stream =
        HTTP.send(
            HttpRequest.newBuilder(base.resolve("/upgrades/up-1/stream"))
                .header("Cookie", "lockstep_console=" + cookie)
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null && !(line.isEmpty() && lines.size() > 1)) {
        lines.add(line);
      }
    }
    assertThat(lines).contains("event: state", "id: 3");
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("data:").contains("postgres"));
  }

  @Test
  void aSignInOfAnotherContentTypeIsRefusedWithEveryErrorsPath() throws Exception {
    HttpRequest.Builder json =
        HttpRequest.newBuilder(base.resolve("/signin"))
            .header("Content-Type", "application/json")
            .header("Origin", base.toString())
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

  private static String signIn(String token) throws Exception {
    HttpResponse<String> response = post("/signin", null, Map.of("token", token));
    assertThat(response.statusCode()).isEqualTo(303);
    String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
    return cookieOf(response);
  }

  private static String cookieOf(HttpResponse<?> response) {
    String setCookie = response.headers().firstValue("Set-Cookie").orElseThrow();
    Matcher m = Pattern.compile("lockstep_console=([^;]+)").matcher(setCookie);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static String field(String html, String name) {
    Matcher m = Pattern.compile("name=\"" + name + "\" value=\"([^\"]+)\"").matcher(html);
    assertThat(m.find()).as("a field " + name).isTrue();
    return m.group(1);
  }

  private static HttpResponse<String> get(String path, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
    if (cookie != null) {
      request.header("Cookie", "lockstep_console=" + cookie);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String cookie, Map<String, String> form)
      throws Exception {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            // as a browser sends it with a form
            .header("Origin", base.toString())
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (cookie != null) {
      request.header("Cookie", "lockstep_console=" + cookie);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String token(
      String subject, List<String> roles, List<String> platforms, String secret) throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer("lockstep")
            .claim("roles", roles)
            .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
    if (platforms != null) {
      claims.claim("platforms", platforms);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static List<String> logLines() {
    return LOGS.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }
}
