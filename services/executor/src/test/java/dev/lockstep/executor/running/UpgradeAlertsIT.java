package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.executor.TestingExecutorFixture;
import dev.lockstep.executor.TestingPlans;
import dev.lockstep.executor.TestingWorkloads;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.prometheus.PrometheusProcess;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor's metrics scraped by a real Prometheus that evaluates the chart's alert rules
 * ({@code deploy/helm/lockstep/files/alerts.yml}; in the test's copy every {@code for:} is 0s, so
 * that nothing waits minutes): an upgrade held by an approval beyond its plan's expected duration
 * fires LockstepUpgradeStuck, and a record on the plans topic that is no event fires
 * LockstepDeadLetters. Once approved, the upgrade completes, is counted, and the stuck alert ends.
 */
class UpgradeAlertsIT {
  private static final Duration ALERT_WITHIN = Duration.ofSeconds(60);

  private final String platform = "alerts-" + UUID.randomUUID();
  private TestingExecutorFixture fixture;
  private PrometheusProcess prometheus;

  @AfterEach
  void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aStuckUpgradeAndADeadLetterFireTheirAlertsInARealPrometheus() throws Exception {
    fixture =
        TestingExecutorFixture.forPlatform(platform).verdictDelay(Duration.ofMillis(20)).start();
    ApplicationContext executor = fixture.startExecutor();
    EmbeddedServer server = executor.getBean(EmbeddedServer.class).start();
    WorkloadRef ui = new WorkloadRef("Deployment", "core", "ui", null);
    TestingWorkloads.deployment(fixture.setup(), "core", "ui", "registry.example.com/ui:1.0.0", 1);
    prometheus =
        PrometheusProcess.start(
            List.of(
                new PrometheusProcess.Scrape(
                    "lockstep-executor", "/prometheus", List.of("127.0.0.1:" + server.getPort()))),
            List.of(rulesWithoutFor()));

    String upgradeId = "up-" + UUID.randomUUID();
    fixture.publishPlan(
        TestingPlans.plan(
                upgradeId,
                platform,
                PlanMode.UPGRADE,
                null,
                List.of(
                    new Wave(0, "core", List.of(TestingPlans.approve("s-0-1", "ui")), List.of()),
                    new Wave(
                        1,
                        "user-space",
                        List.of(
                            TestingPlans.setImage(
                                "s-1-1",
                                "ui",
                                ui,
                                "registry.example.com/ui:2.0.0",
                                "1.0.0",
                                "2.0.0")),
                        List.of())))
            .withExpectedDuration(Duration.ofSeconds(1)),
        "alice",
        null);
    fixture.lockstep().await(upgradeId, ApprovalRequested.class);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of("bootstrap.servers", KafkaBroker.shared().bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.PLANS, platform, "not a CloudEvent".getBytes(StandardCharsets.UTF_8)))
          .get();
    }

    List<JsonNode> firing =
        Eventually.value(
            prometheus::firingAlerts,
            alerts ->
                alerts.stream().anyMatch(a -> isStuck(a, upgradeId))
                    && alerts.stream().anyMatch(UpgradeAlertsIT::isDeadLetter),
            ALERT_WITHIN);
    JsonNode stuck = firing.stream().filter(a -> isStuck(a, upgradeId)).findFirst().orElseThrow();
    assertThat(stuck.at("/labels/platform").asText()).isEqualTo(platform);
    assertThat(stuck.at("/annotations/summary").asText()).contains(upgradeId);
    JsonNode deadLetter =
        firing.stream().filter(UpgradeAlertsIT::isDeadLetter).findFirst().orElseThrow();
    assertThat(deadLetter.at("/labels/topic").asText()).isEqualTo(Topics.PLANS);
    assertThat(deadLetter.at("/labels/reason").asText()).isNotBlank();
    assertThat(firing)
        .as("the executor is scraped and its consumers are ready")
        .noneMatch(a -> a.at("/labels/alertname").asText().equals("LockstepServiceNotReady"));
    assertThat(prometheus.query("lockstep_consumer_lag_records{topic=\"" + Topics.GATES + "\"}"))
        .as("the consumer's lag per topic")
        .isNotEmpty();

    fixture
        .lockstep()
        .publish(upgradeId, new StepApproved(upgradeId, platform, "s-0-1", "bob", "go"));
    fixture.lockstep().await(upgradeId, UpgradeCompleted.class);

    Eventually.until(
        "the completed upgrade is counted and no longer stuck",
        ALERT_WITHIN,
        () ->
            prometheus.value(
                        "sum(lockstep_upgrades_total{platform=\""
                            + platform
                            + "\",outcome=\"completed\"})")
                    == 1
                && prometheus.firingAlerts().stream().noneMatch(a -> isStuck(a, upgradeId)));
    assertThat(
            prometheus.value(
                "sum(lockstep_step_duration_seconds_count{action=\"set-image\",outcome=\"succeeded\"})"))
        .isEqualTo(1);
  }

  private static boolean isStuck(JsonNode alert, String upgradeId) {
    return alert.at("/labels/alertname").asText().equals("LockstepUpgradeStuck")
        && alert.at("/labels/upgrade_id").asText().equals(upgradeId);
  }

  private static boolean isDeadLetter(JsonNode alert) {
    return alert.at("/labels/alertname").asText().equals("LockstepDeadLetters")
        && alert.at("/labels/topic").asText().equals(Topics.PLANS);
  }

  /** The chart's rule file with every {@code for:} at 0s, in a temporary file. */
  private static Path rulesWithoutFor() throws Exception {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("deploy/helm/lockstep/files/alerts.yml"))) {
      dir = dir.getParent();
    }
    assertThat(dir).as("the checkout with deploy/helm/lockstep/files/alerts.yml").isNotNull();
    String rules = Files.readString(dir.resolve("deploy/helm/lockstep/files/alerts.yml"));
    assertThat(rules)
        .contains("alert: LockstepUpgradeStuck")
        .contains("alert: LockstepDeadLetters");
    Path copy = Files.createTempFile("lockstep-alerts", ".yml");
    copy.toFile().deleteOnExit();
    Files.writeString(copy, rules.replaceAll("(?m)^(\\s+)for: \\S+$", "$1for: 0s"));
    return copy;
  }
}
