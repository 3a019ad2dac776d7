package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.events.Json;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The security suite, against the five services as processes: every route of every service with no
 * token, an expired token, a token of another issuer, of another audience, signed with another
 * secret, without the role, and limited to another platform, each with the status it must get; and
 * thousands of malformed bodies over every route that takes one, none of which may get a 5xx or
 * change anything.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiSecuritySuiteIT {
  private static final Path CHECKOUT =
      Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final List<String> READ = List.of("viewer", "submitter", "approver");

  private static LocalMode local;
  private static String upgradeId;
  private static String admin;

  /** One route: who may call it, and whether it acts on one platform. */
  record Route(
      LockstepService service,
      String method,
      String path,
      String contentType,
      String body,
      List<String> roles,
      boolean platformBound) {
    @Override
    public String toString() {
      return method + " " + service.id() + " " + path;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    String platform = "dataos-sec-" + UUID.randomUUID().toString().substring(0, 8);
    local =
        LocalMode.start(
            new LocalMode.Options(
                CHECKOUT,
                CHECKOUT.resolve("cli/target/e2e").resolve(platform),
                "happy",
                platform,
                false,
                new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
                null),
            new PrintWriter(new StringWriter(), true));
    local.awaitInventory();
    upgradeId = local.submit();
    admin =
        local
            .services()
            .token("root", List.of("admin", "submitter", "viewer"), Duration.ofHours(1));
    awaitRecorded(upgradeId);
  }

  @AfterAll
  static void stop() {
    if (local != null) {
      local.close();
    }
  }

  private static List<Route> routes() {
    String p = local.platform();
    String u = upgradeId;
    String release = Json.mapper().createObjectNode().toString();
    List<Route> routes = new ArrayList<>();
    LockstepService planner = LockstepService.PLANNER;
    LockstepService recorder = LockstepService.RECORDER;
    LockstepService notifier = LockstepService.NOTIFIER;
    String json = "application/json";
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/upgrades",
            json,
            "{\"platform\":\"" + p + "\",\"release\":" + release + "}",
            List.of("submitter"),
            true));
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/upgrades?platform=" + p,
            "application/yaml",
            "kind: Release\n",
            List.of("submitter"),
            true));
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/plans/preview",
            json,
            "{\"platform\":\"" + p + "\",\"release\":" + release + "}",
            READ,
            true));
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/rollbacks",
            json,
            "{\"upgradeId\":\"" + u + "\"}",
            List.of("submitter"),
            true));
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/upgrades/" + u + "/cancel",
            json,
            "{}",
            List.of("submitter"),
            true));
    routes.add(
        new Route(
            planner,
            "POST",
            "/api/v1/upgrades/" + u + "/steps/s-9-9/approve",
            json,
            "{}",
            List.of("approver"),
            true));
    routes.add(new Route(planner, "GET", "/api/v1/platforms/" + p, null, null, READ, true));
    routes.add(
        new Route(
            planner,
            "GET",
            "/api/v1/platforms/" + p + "/available-upgrades",
            null,
            null,
            READ,
            true));
    routes.add(
        new Route(planner, "POST", "/api/v1/releases", json, "{}", List.of("submitter"), false));
    routes.add(new Route(planner, "GET", "/api/v1/releases", null, null, READ, false));
    routes.add(new Route(recorder, "GET", "/api/v1/upgrades", null, null, READ, false));
    for (String view : List.of("", "/events", "/timeline", "/postmortem", "/notes", "/replay")) {
      routes.add(
          new Route(recorder, "GET", "/api/v1/upgrades/" + u + view, null, null, READ, true));
    }
    routes.add(
        new Route(
            recorder,
            "POST",
            "/api/v1/upgrades/" + u + "/notes",
            json,
            "{\"text\":\"x\"}",
            List.of("submitter"),
            true));
    routes.add(
        new Route(
            recorder,
            "POST",
            "/api/v1/projections/rebuild",
            json,
            "{}",
            List.of("submitter"),
            false));
    routes.add(
        new Route(
            notifier,
            "GET",
            "/api/v1/subscriptions",
            null,
            null,
            List.of("viewer", "submitter", "approver", "admin"),
            false));
    routes.add(
        new Route(notifier, "PUT", "/api/v1/subscriptions", json, "{}", List.of("admin"), false));
    routes.add(new Route(notifier, "GET", "/api/v1/feeds/platform", null, null, READ, false));
    routes.add(new Route(notifier, "GET", "/api/v1/feeds/platform.atom", null, null, READ, false));
    return routes;
  }

  /** Second: a call with the right token may change things (a rollback it asks for, a note). */
  @Test
  @Order(2)
  void everyRouteRefusesEveryBadTokenWithTheRightStatus() throws Exception {
    LocalServices services = local.services();
    Map<String, Function<Route, String>> bad = new LinkedHashMap<>();
    bad.put("no token", r -> null);
    bad.put(
        "expired",
        r ->
            services.signed(
                LocalServices.claims("eve", r.roles(), Duration.ofMinutes(5))
                    .expirationTime(Date.from(Instant.now().minusSeconds(300)))));
    bad.put(
        "another issuer",
        r ->
            services.signed(
                LocalServices.claims("eve", r.roles(), Duration.ofMinutes(5))
                    .issuer("https://evil")));
    bad.put(
        "another audience",
        r ->
            services.signed(
                LocalServices.claims("eve", r.roles(), Duration.ofMinutes(5))
                    .audience("another-app")));
    bad.put("another secret", r -> forgedWithAnotherSecret(r.roles()));
    List<String> mismatches = new ArrayList<>();
    for (Route route : routes()) {
      for (Map.Entry<String, Function<Route, String>> token : bad.entrySet()) {
        expect(mismatches, route, token.getKey(), token.getValue().apply(route), 401);
      }
      List<String> others = new ArrayList<>(List.of("viewer", "submitter", "approver", "admin"));
      others.removeAll(route.roles());
      String wrongRole =
          services.token("walt", others.isEmpty() ? List.of() : others, Duration.ofMinutes(5));
      expect(mismatches, route, "without the role", wrongRole, 403);
      if (route.platformBound()) {
        String elsewhere =
            services.signed(
                LocalServices.claims("olga", route.roles(), Duration.ofMinutes(5))
                    .claim("platforms", List.of("billing-*")));
        expect(mismatches, route, "limited to another platform", elsewhere, 403);
      }
      String allowed = services.token("ada", route.roles(), Duration.ofMinutes(5));
      int status = send(route, allowed, route.contentType(), route.body()).statusCode();
      if (status == 401 || status == 403 || status >= 500) {
        mismatches.add(route + " with the role: " + status);
      }
    }
    assertThat(mismatches).isEmpty();

    Route feed =
        new Route(
            LockstepService.NOTIFIER, "GET", "/api/v1/feeds/platform", null, null, READ, false);
    JsonNode everything =
        Json.mapper()
            .readTree(
                send(feed, services.token("ada", READ, Duration.ofMinutes(5)), null, null).body());
    JsonNode elsewhere =
        Json.mapper()
            .readTree(
                send(
                        feed,
                        services.signed(
                            LocalServices.claims("olga", READ, Duration.ofMinutes(5))
                                .claim("platforms", List.of("billing-*"))),
                        null,
                        null)
                    .body());
    assertThat(everything.path("entries").toString()).contains(local.platform());
    assertThat(elsewhere.path("entries").toString())
        .as("a token limited to other platforms reads none of this platform's feed entries")
        .doesNotContain(local.platform());
  }

  @Test
  @Order(1)
  void malformedBodiesOverEveryRouteGetA4xxAndChangeNothing() throws Exception {
    Map<String, String> before = state();
    Random random = new Random(20261206L);
    List<String> failures = new ArrayList<>();
    int sent = 0;
    for (Route route : routes()) {
      if (route.body() == null) {
        continue;
      }
      String token =
          local
              .services()
              .token(
                  "fuzz",
                  List.of("admin", "submitter", "approver", "viewer"),
                  Duration.ofMinutes(30));
      for (int i = 0; i < 210; i++) {
        String body = BodyFuzzer.malformed(route.body(), random);
        HttpResponse<String> response = send(route, token, route.contentType(), body);
        sent++;
        int status = response.statusCode();
        if (status < 400 || status >= 500) {
          failures.add(route + " " + status + " for " + abbreviate(body));
        } else if (!response.body().contains("\"errors\"")) {
          failures.add(route + " " + status + " without an errors body for " + abbreviate(body));
        }
      }
    }
    assertThat(sent).isGreaterThanOrEqualTo(2000);
    assertThat(failures).isEmpty();
    assertThat(state()).as("nothing changed").isEqualTo(before);
  }

  private static String abbreviate(String body) {
    String one = body.replace('\n', ' ');
    return one.length() > 120 ? one.substring(0, 120) + "..." : one;
  }

  /** What a malformed request could change: the catalogue, subscriptions, notes, the upgrades. */
  private static Map<String, String> state() throws Exception {
    String token =
        local.services().token("auditor", List.of("viewer", "admin"), Duration.ofMinutes(5));
    Map<String, String> state = new LinkedHashMap<>();
    for (Route route :
        List.of(
            new Route(LockstepService.PLANNER, "GET", "/api/v1/releases", null, null, READ, false),
            new Route(
                LockstepService.NOTIFIER, "GET", "/api/v1/subscriptions", null, null, READ, false),
            new Route(
                LockstepService.RECORDER,
                "GET",
                "/api/v1/upgrades/" + upgradeId + "/notes",
                null,
                null,
                READ,
                false))) {
      HttpResponse<String> response = send(route, token, null, null);
      state.put(route.path(), response.statusCode() + " " + response.body());
    }
    JsonNode upgrades =
        Json.mapper()
            .readTree(
                send(
                        new Route(
                            LockstepService.RECORDER,
                            "GET",
                            "/api/v1/upgrades?platform=" + local.platform(),
                            null,
                            null,
                            READ,
                            false),
                        token,
                        null,
                        null)
                    .body());
    List<String> ids = new ArrayList<>();
    upgrades.forEach(u -> ids.add(u.path("upgradeId").asText()));
    state.put("upgrades", ids.toString());
    return state;
  }

  private static void expect(
      List<String> mismatches, Route route, String what, String token, int expected)
      throws Exception {
    HttpResponse<String> response = send(route, token, route.contentType(), route.body());
    if (response.statusCode() != expected) {
      mismatches.add(route + " " + what + ": " + response.statusCode() + " not " + expected);
    } else if (!response.body().contains("\"errors\"")) {
      mismatches.add(route + " " + what + ": no errors body");
    }
  }

  private static HttpResponse<String> send(
      Route route, String token, String contentType, String body) throws Exception {
    URI base = local.services().url(route.service());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(route.path())).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    request.method(
        route.method(),
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String forgedWithAnotherSecret(List<String> roles) {
    try {
      com.nimbusds.jwt.SignedJWT jwt =
          new com.nimbusds.jwt.SignedJWT(
              new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
              LocalServices.claims("mallory", roles, Duration.ofMinutes(5)).build());
      jwt.sign(new com.nimbusds.jose.crypto.MACSigner("another-secret-that-is-long-enough-0123"));
      return jwt.serialize();
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitRecorded(String id) throws Exception {
    String token = local.services().token("w", READ, Duration.ofMinutes(5));
    Route route =
        new Route(
            LockstepService.RECORDER, "GET", "/api/v1/upgrades/" + id, null, null, READ, true);
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (send(route, token, null, null).statusCode() == 200) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("upgrade " + id + " was never recorded");
  }
}
