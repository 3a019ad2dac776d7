package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.notifier.channel.WebhookSender;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.context.ApplicationContext;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upgrade told on every channel by real receivers: a webhook that checks the HMAC signature, a
 * Slack endpoint that reads Block Kit, GreenMail over SMTP with authentication, a Grafana
 * annotation API; and the secrets never leave the notifier.
 */
class ChannelDeliveryIT {
  private static final String HMAC = "hmac-secret-value-42";
  private static final String GRAFANA_TOKEN = "glsa_grafana_token_value";
  private static final String SMTP_PASSWORD = "smtp-password-value";

  @RegisterExtension
  static GreenMailExtension mail =
      new GreenMailExtension(ServerSetupTest.SMTP)
          .withConfiguration(
              GreenMailConfiguration.aConfig()
                  .withUser("ops@example.com", "lockstep", SMTP_PASSWORD))
          .withPerMethodLifecycle(false);

  private static final String PLATFORM = TestingNotifier.unique("chan");
  private static TestingReceiver webhook;
  private static TestingReceiver slack;
  private static TestingReceiver grafana;
  private static ApplicationContext context;
  private static TestingApi api;
  private static String hookUrl;
  private static String slackUrl;

  @BeforeAll
  static void start() throws Exception {
    webhook = new TestingReceiver();
    slack = new TestingReceiver();
    grafana = new TestingReceiver();
    hookUrl = webhook.url() + "/hooks/secret-path-abc123";
    slackUrl = slack.url() + "/services/T000/B000/slacksecret";
    String yaml =
        """
        channels:
          - { name: ops-hook, type: webhook, secretRefs: { url: HOOK_URL, hmacSecret: HOOK_HMAC } }
          - { name: ops-slack, type: slack, secretRefs: { url: SLACK_URL } }
          - name: ops-grafana
            type: grafana
            settings: { dashboardUid: dash-1 }
            secretRefs: { url: GRAFANA_URL, token: GRAFANA_TOKEN }
          - name: consumers-mail
            type: email
            settings: { host: 127.0.0.1, port: "%d", starttls: "false", username: lockstep,
                        from: lockstep@example.com, to: consumers@example.com }
            secretRefs: { password: SMTP_PASSWORD }
        subscriptions:
          - { team: operators, filter: { platforms: [%s] }, channels: [ops-hook, ops-slack] }
          - team: operators
            filter: { platforms: [%s], eventTypes: [upgrade.started, upgrade.completed] }
            channels: [ops-grafana]
          - team: consumers
            filter: { platforms: [%s], eventTypes: [plan.created, upgrade.completed] }
            channels: [consumers-mail]
        """
            .formatted(ServerSetupTest.SMTP.getPort(), PLATFORM, PLATFORM, PLATFORM);
    context =
        TestingNotifier.start(
            TestingNotifier.database("notifier_channels"),
            TestingNotifier.unique("notifier-channels"),
            TestingNotifier.subscriptions(yaml),
            Map.of(
                "lockstep.notifier.secrets.HOOK_URL", hookUrl,
                "lockstep.notifier.secrets.HOOK_HMAC", HMAC,
                "lockstep.notifier.secrets.SLACK_URL", slackUrl,
                "lockstep.notifier.secrets.GRAFANA_URL", grafana.url(),
                "lockstep.notifier.secrets.GRAFANA_TOKEN", GRAFANA_TOKEN,
                "lockstep.notifier.secrets.SMTP_PASSWORD", SMTP_PASSWORD));
    api = new TestingApi(context);
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
    List.of(webhook, slack, grafana).forEach(TestingReceiver::close);
  }

  @Test
  void anUpgradeReachesEveryChannelInItsOwnFormat() throws Exception {
    String upgrade = TestingNotifier.unique("u");
    TestingNotifier.publish(
        context,
        PLATFORM,
        upgrade,
        new PlanCreated(TestingNotifier.plan(PLATFORM, upgrade, null), "alice", null));
    // The plan travels on another topic than the execution events: let it arrive first, as it
    // does in life, so that later notices show its version table.
    webhook.await(r -> "plan.created".equals(r.headers().get("x-lockstep-event")), 1);
    EventEnvelope started =
        TestingNotifier.publish(
            context,
            PLATFORM,
            upgrade,
            new UpgradeStarted(upgrade, PLATFORM, PlanMode.UPGRADE, null, 2, 4));
    EventEnvelope completed =
        TestingNotifier.publish(
            context, PLATFORM, upgrade, new UpgradeCompleted(upgrade, PLATFORM, List.of()));

    // Webhook: three notices, each signed over its exact body and carrying its delivery id.
    List<TestingReceiver.Request> hooks = webhook.await(r -> r.status() == 200, 3);
    for (TestingReceiver.Request hook : hooks) {
      assertThat(hook.path()).isEqualTo("/hooks/secret-path-abc123");
      assertThat(hook.headers().get("x-lockstep-signature-256"))
          .isEqualTo("sha256=" + WebhookSender.sign(HMAC, hook.body()));
      JsonNode body = Json.mapper().readTree(hook.body());
      assertThat(hook.headers().get("idempotency-key")).isEqualTo(body.get("deliveryId").asText());
    }
    JsonNode done = Json.mapper().readTree(lastOfType(hooks, "upgrade.completed").body());
    assertThat(done.at("/notice/id").asText()).isEqualTo(completed.id());
    assertThat(done.at("/notice/versions/1/component").asText()).isEqualTo("metis");
    assertThat(done.at("/subject").asText())
        .isEqualTo("[" + PLATFORM + "] Upgrade completed: 2.4.0");

    // Slack: Block Kit with a header, the body and the version table.
    List<TestingReceiver.Request> slacks = slack.await(r -> r.status() == 200, 3);
    JsonNode payload = Json.mapper().readTree(slacks.get(slacks.size() - 1).body());
    assertThat(payload.at("/blocks/0/type").asText()).isEqualTo("header");
    assertThat(payload.at("/blocks/0/text/text").asText()).isEqualTo(payload.get("text").asText());
    assertThat(payload.at("/blocks/1/text/type").asText()).isEqualTo("mrkdwn");
    assertThat(slacks.stream().map(TestingReceiver.Request::body))
        .anySatisfy(b -> assertThat(b).contains("Upgrade completed"));

    // Grafana: a point at the start, a region from the start to the end.
    List<TestingReceiver.Request> annotations = grafana.await(r -> r.status() == 200, 2);
    assertThat(annotations)
        .allSatisfy(
            a -> {
              assertThat(a.path()).isEqualTo("/api/annotations");
              assertThat(a.headers().get("authorization")).isEqualTo("Bearer " + GRAFANA_TOKEN);
            });
    JsonNode region =
        annotations.stream()
            .map(a -> readTree(a.body()))
            .filter(a -> a.has("timeEnd"))
            .findFirst()
            .orElseThrow();
    assertThat(region.get("time").asLong()).isEqualTo(started.time().toEpochMilli());
    assertThat(region.get("timeEnd").asLong()).isEqualTo(completed.time().toEpochMilli());
    assertThat(region.get("dashboardUID").asText()).isEqualTo("dash-1");

    // E-mail: the plan and the completion reach the consumers, with the release notes.
    assertThat(mail.waitForIncomingEmail(30_000, 2)).isTrue();
    MimeMessage[] messages = mail.getReceivedMessages();
    assertThat(messages)
        .extracting(MimeMessage::getSubject)
        .contains(
            "[" + PLATFORM + "] upgrade planned to 2.4.0",
            "[" + PLATFORM + "] Upgrade completed: 2.4.0");
    for (MimeMessage message : messages) {
      assertThat(GreenMailUtil.getBody(message)).contains("Faster metadata sync", "metis");
      assertThat(message.getAllRecipients()[0].toString()).isEqualTo("consumers@example.com");
    }

    // Outcomes: one notification.delivered per (notice, team, channel), naming no secret.
    List<TestingNotifier.Outcome> outcomes = TestingNotifier.outcomes(PLATFORM, 10);
    assertThat(outcomes).hasSize(10);
    assertThat(outcomes)
        .allSatisfy(
            o -> {
              assertThat(o.event().data()).isInstanceOf(NotificationDelivered.class);
              assertThat(o.raw())
                  .doesNotContain(
                      hookUrl, slackUrl, HMAC, GRAFANA_TOKEN, SMTP_PASSWORD, "secret-path");
            });
    assertThat(outcomes)
        .extracting(o -> ((NotificationDelivered) o.event().data()).channel().type())
        .containsOnly("webhook", "slack", "grafana", "email");
  }

  @Test
  void subscriptionsShowSecretReferencesNeverTheirValues() throws Exception {
    HttpResponse<String> current = api.get("/api/v1/subscriptions", Roles.VIEWER);

    assertThat(current.statusCode()).isEqualTo(200);
    assertThat(current.body()).contains("HOOK_URL", "GRAFANA_TOKEN");
    assertThat(current.body()).doesNotContain(hookUrl, HMAC, GRAFANA_TOKEN + "\"", SMTP_PASSWORD);
    assertThat(api.get("/api/v1/subscriptions", null).statusCode()).isEqualTo(401);
  }

  @Test
  void aSubscriptionDocumentWithASecretValueIsRefused() throws Exception {
    String bad =
        """
        {"channels":[{"name":"x","type":"webhook","settings":{"url":"https://hooks.example.com/t"},
                      "secretRefs":{"url":"X"}}],
         "subscriptions":[{"team":"ops","channels":["x"]}]}
        """;

    HttpResponse<String> refused = api.put("/api/v1/subscriptions", bad, Roles.ADMIN);

    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode error = Json.mapper().readTree(refused.body()).at("/errors/0");
    assertThat(error.get("code").asText()).isEqualTo("secret-not-allowed");
    assertThat(error.get("path").asText()).isEqualTo("channels[0].settings.url");
    assertThat(api.put("/api/v1/subscriptions", bad, Roles.VIEWER).statusCode()).isEqualTo(403);
    assertThat(api.get("/api/v1/subscriptions", Roles.VIEWER).body())
        .doesNotContain("hooks.example.com");
  }

  @Test
  void aValidDocumentReplacesTheSubscriptions() throws Exception {
    JsonNode document =
        Json.mapper().readTree(api.get("/api/v1/subscriptions", Roles.VIEWER).body());
    ((com.fasterxml.jackson.databind.node.ArrayNode) document.get("subscriptions"))
        .addObject()
        .put("team", "auditors")
        .putObject("filter")
        .putArray("platforms")
        .add("nowhere");

    HttpResponse<String> replaced =
        api.put("/api/v1/subscriptions", Json.mapper().writeValueAsString(document), Roles.ADMIN);

    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/subscriptions", Roles.VIEWER).body()).contains("\"auditors\"");
  }

  private static TestingReceiver.Request lastOfType(
      List<TestingReceiver.Request> requests, String type) {
    return requests.stream()
        .filter(r -> type.equals(r.headers().get("x-lockstep-event")))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  private static JsonNode readTree(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
