package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.context.ApplicationContext;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ways a token holder or a careless client could abuse {@code PUT /api/v1/subscriptions} and
 * the feeds, each refused with the project's error shape, and each leaving the subscriptions as
 * they were: stealing a service credential through an e-mail channel, sending to a host the
 * operator has not allowed, wrong-shaped bodies, a role that may not change subscriptions, a stale
 * {@code If-Match}, a NUL character, an unknown team's feed.
 */
class SubscriptionAttacksRefusedIT {
  private static final String PATH = "/api/v1/subscriptions";

  /** An SMTP server of the attacker's, which accepts the login it is given. */
  @RegisterExtension
  static GreenMailExtension attackerSmtp =
      new GreenMailExtension(new ServerSetup(3026, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
          .withConfiguration(GreenMailConfiguration.aConfig().withUser("thief", pathValue()))
          .withPerMethodLifecycle(false);

  private static final String PLATFORM = TestingNotifier.unique("attack");
  private static TestingReceiver control;
  private static ApplicationContext context;
  private static TestingApi api;

  @BeforeAll
  static void start() throws Exception {
    control = new TestingReceiver();
    // A mounted Kubernetes Secret: one file per key.
    Path secretFiles = Files.createTempDirectory("notifier-secrets");
    Files.writeString(secretFiles.resolve("FILE_HOOK_URL"), control.url() + "/from-file\n");
    String yaml =
        """
        channels:
          - { name: ops-hook, type: webhook, secretRefs: { url: CONTROL_URL } }
        subscriptions:
          - { team: operators, filter: { platforms: [%s] }, channels: [ops-hook] }
        """
            .formatted(PLATFORM);
    context =
        TestingNotifier.start(
            TestingNotifier.database("notifier_attacks"),
            TestingNotifier.unique("notifier-attacks"),
            TestingNotifier.subscriptions(yaml),
            Map.of(
                "lockstep.notifier.secret-files",
                secretFiles.toString(),
                "lockstep.notifier.secrets.CONTROL_URL",
                control.url() + "/control",
                "lockstep.notifier.secrets.METADATA_URL",
                "http://169.254.169.254/latest/meta-data",
                "lockstep.notifier.secrets.SMTP_PASSWORD",
                "smtp-password-value"));
    api = new TestingApi(context);
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    if (control != null) {
      control.close();
    }
  }

  @Test
  void aChannelCannotNameAnEnvironmentVariableAsItsSecret() throws Exception {
    HttpResponse<String> before = api.get(PATH, Roles.VIEWER);
    ObjectNode attack = document(before);
    int first = channels(attack).size();
    // The JWT signing key's variable, and one that every process has (so that a notifier that
    // looked secrets up in its environment would really log in with its value).
    channels(attack).add(emailChannel("steal-jwt", "127.0.0.1", "LOCKSTEP_SECURITY_JWT_SECRET"));
    channels(attack).add(emailChannel("steal-path", "127.0.0.1", "PATH"));
    subscriptionsOf(attack)
        .addObject()
        .put("team", "operators")
        .<ObjectNode>set(
            "filter", Json.mapper().createObjectNode().set("platforms", array(PLATFORM)))
        .set("channels", array("steal-jwt", "steal-path"));

    HttpResponse<String> refused = api.put(PATH, attack.toString(), Roles.ADMIN);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(errors(refused))
        .contains(
            "secret-not-declared channels[" + first + "].secretRefs.password",
            "secret-not-declared channels[" + (first + 1) + "].secretRefs.password");
    assertThat(refused.body()).doesNotContain(pathValue());
    assertUnchanged(before);

    // An upgrade of the platform is told on the channel in force, and no one logs in elsewhere.
    String upgrade = TestingNotifier.unique("u");
    TestingNotifier.publish(
        context,
        PLATFORM,
        upgrade,
        new UpgradeStarted(upgrade, PLATFORM, PlanMode.UPGRADE, null, 1, 1));
    control.await(r -> r.body().contains(upgrade), 1);
    assertThat(attackerSmtp.waitForIncomingEmail(2_000, 1)).isFalse();
    assertThat(attackerSmtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void aSecretFromTheMountedSecretFilesIsDeclared() throws Exception {
    ObjectNode document = document(api.get(PATH, Roles.VIEWER));
    ObjectNode hook = channels(document).addObject();
    hook.put("name", "file-hook").put("type", "webhook");
    hook.putObject("secretRefs").put("url", "FILE_HOOK_URL");

    HttpResponse<String> accepted = api.put(PATH, document.toString(), Roles.ADMIN);

    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("FILE_HOOK_URL").doesNotContain("/from-file");
  }

  @Test
  void aChannelCannotSendToAHostOutsideTheAllowList() throws Exception {
    HttpResponse<String> before = api.get(PATH, Roles.VIEWER);
    ObjectNode attack = document(before);
    int first = channels(attack).size();
    channels(attack).add(emailChannel("elsewhere", "smtp.attacker.example", "SMTP_PASSWORD"));
    ObjectNode metadata = channels(attack).addObject();
    metadata.put("name", "metadata").put("type", "webhook");
    metadata.putObject("secretRefs").put("url", "METADATA_URL");

    HttpResponse<String> refused = api.put(PATH, attack.toString(), Roles.ADMIN);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(errors(refused))
        .containsExactly(
            "host-not-allowed channels[" + first + "].settings.host",
            "host-not-allowed channels[" + (first + 1) + "].secretRefs.url");
    assertThat(refused.body()).doesNotContain("169.254.169.254");
    assertUnchanged(before);
  }

  @Test
  void wrongShapedBodiesAreRefusedAndEraseNothing() throws Exception {
    HttpResponse<String> before = api.get(PATH, Roles.VIEWER);

    HttpResponse<String> teams = api.put(PATH, "{\"teams\":\"x\"}", Roles.ADMIN);
    assertThat(teams.statusCode()).isEqualTo(400);
    assertThat(errors(teams))
        .containsExactlyInAnyOrder(
            "unknown-property teams",
            "missing-property channels",
            "missing-property subscriptions");

    for (String body : List.of("null", "\"x\"", "[]", "42", "", "{\"channels\":[]} {}", "{")) {
      HttpResponse<String> refused = api.put(PATH, body, Roles.ADMIN);
      assertThat(refused.statusCode()).as(body).isEqualTo(400);
      assertThat(Json.mapper().readTree(refused.body()).at("/errors/0/code").asText())
          .as(body)
          .isNotEmpty();
    }

    String nested =
        """
        {"channels":[{"name":"a","type":"webhook","colour":"red","secretRefs":{"url":7}}],
         "subscriptions":[{"filter":{"platforms":"dataos-*","minSeverity":"loud"},
                           "channels":["a"]}, null]}
        """;
    HttpResponse<String> every = api.put(PATH, nested, Roles.ADMIN);
    assertThat(every.statusCode()).isEqualTo(400);
    assertThat(errors(every))
        .containsExactlyInAnyOrder(
            "unknown-property channels[0].colour",
            "invalid-type channels[0].secretRefs.url",
            "missing-property subscriptions[0].team",
            "invalid-type subscriptions[0].filter.platforms",
            "invalid-value subscriptions[0].filter.minSeverity",
            "invalid-type subscriptions[1]");
    assertUnchanged(before);
  }

  @Test
  void stringsWithNulAreRefusedWithTheirPath() throws Exception {
    HttpResponse<String> before = api.get(PATH, Roles.VIEWER);
    ObjectNode document = document(before);
    int index = subscriptionsOf(document).size();
    subscriptionsOf(document).addObject().put("team", "audit").set("channels", array("a\u0000b"));

    HttpResponse<String> refused = api.put(PATH, document.toString(), Roles.ADMIN);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(errors(refused))
        .containsExactly("invalid-character subscriptions[" + index + "].channels[0]");
    assertUnchanged(before);
  }

  @Test
  void onlyAnAdminMayChangeSubscriptions() throws Exception {
    HttpResponse<String> before = api.get(PATH, Roles.VIEWER);
    ObjectNode document = document(before);
    subscriptionsOf(document).addObject().put("team", "auditors");

    for (String role : List.of(Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER)) {
      HttpResponse<String> forbidden = api.put(PATH, document.toString(), role);
      assertThat(forbidden.statusCode()).as(role).isEqualTo(403);
      assertThat(Json.mapper().readTree(forbidden.body()).at("/errors/0/code").asText())
          .isEqualTo("forbidden");
    }
    assertUnchanged(before);

    HttpResponse<String> allowed = api.put(PATH, document.toString(), Roles.ADMIN);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(api.get(PATH, Roles.VIEWER).body()).contains("\"auditors\"");
    assertThat(api.get(PATH, Roles.ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  void aStaleIfMatchIsRefusedAndTheNewerChangeStays() throws Exception {
    HttpResponse<String> read = api.get(PATH, Roles.VIEWER);
    String etag = read.headers().firstValue("ETag").orElseThrow();
    ObjectNode first = document(read);
    subscriptionsOf(first).addObject().put("team", "first-editor");
    ObjectNode second = document(read);
    subscriptionsOf(second).addObject().put("team", "second-editor");

    HttpResponse<String> won = api.put(PATH, first.toString(), Roles.ADMIN, etag);
    assertThat(won.statusCode()).isEqualTo(200);
    String newer = won.headers().firstValue("ETag").orElseThrow();
    assertThat(newer).isNotEqualTo(etag);

    HttpResponse<String> lost = api.put(PATH, second.toString(), Roles.ADMIN, etag);
    assertThat(lost.statusCode()).isEqualTo(412);
    assertThat(errors(lost)).containsExactly("precondition-failed If-Match");

    HttpResponse<String> after = api.get(PATH, Roles.VIEWER);
    assertThat(after.headers().firstValue("ETag")).contains(newer);
    assertThat(after.body()).contains("first-editor").doesNotContain("second-editor");
  }

  @Test
  void anUnknownTeamHasNoFeed() throws Exception {
    for (String path :
        List.of(
            "/api/v1/feeds/nobody",
            "/api/v1/feeds/nobody.atom",
            "/api/v1/feeds/nobody/stream",
            "/api/v1/feeds/NOT%20A%20TEAM")) {
      HttpResponse<String> missing = api.get(path, Roles.VIEWER);
      assertThat(missing.statusCode()).as(path).isEqualTo(404);
      assertThat(errors(missing)).as(path).containsExactly("not-found team");
    }
    HttpResponse<String> nul = api.get("/api/v1/feeds/ops%00x", Roles.VIEWER);
    assertThat(nul.statusCode()).isEqualTo(400);
    assertThat(errors(nul)).containsExactly("invalid-character team");
    // A subscribed team's feed exists before its first entry.
    assertThat(api.get("/api/v1/feeds/operators?limit=1", Roles.VIEWER).statusCode())
        .isEqualTo(200);
  }

  private static void assertUnchanged(HttpResponse<String> before) throws Exception {
    HttpResponse<String> now = api.get(PATH, Roles.VIEWER);
    assertThat(now.body()).isEqualTo(before.body());
    assertThat(now.headers().firstValue("ETag")).isEqualTo(before.headers().firstValue("ETag"));
  }

  /** "code path" of every error of an answer. */
  private static List<String> errors(HttpResponse<String> response) throws Exception {
    List<String> found = new ArrayList<>();
    for (JsonNode error : Json.mapper().readTree(response.body()).get("errors")) {
      found.add(error.get("code").asText() + " " + error.get("path").asText());
    }
    return found;
  }

  private static ObjectNode document(HttpResponse<String> response) throws Exception {
    return (ObjectNode) Json.mapper().readTree(response.body());
  }

  private static ArrayNode channels(ObjectNode document) {
    return (ArrayNode) document.get("channels");
  }

  private static ArrayNode subscriptionsOf(ObjectNode document) {
    return (ArrayNode) document.get("subscriptions");
  }

  private static ArrayNode array(String... values) {
    ArrayNode array = Json.mapper().createArrayNode();
    for (String value : values) {
      array.add(value);
    }
    return array;
  }

  private static ObjectNode emailChannel(String name, String host, String passwordRef) {
    ObjectNode channel = Json.mapper().createObjectNode();
    channel.put("name", name).put("type", "email");
    channel
        .putObject("settings")
        .put("host", host)
        .put("port", "3026")
        .put("username", "thief")
        .put("from", "lockstep@example.com")
        .put("to", "thief@attacker.example");
    channel.putObject("secretRefs").put("password", passwordRef);
    return channel;
  }

  private static String pathValue() {
    String path = System.getenv("PATH");
    return path == null || path.isBlank() ? "/usr/bin:/bin" : path;
  }
}
