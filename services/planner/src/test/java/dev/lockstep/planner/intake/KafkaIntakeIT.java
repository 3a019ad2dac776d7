package dev.lockstep.planner.intake;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Topics;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingPlanner;
import dev.lockstep.planner.model.Codes;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlatformView;
import dev.lockstep.runtime.kafka.EventPublisher;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Through the real broker: {@code upgrade.requested} in, {@code plan.created} out; a bad release
 * ends as {@code plan.rejected} and unreadable bytes on the dead-letter topic, and the requests
 * after them are still planned; a queued request survives a restart of the planner.
 */
class KafkaIntakeIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static Release metis(String version) {
    return release(version, List.of(), image("metis", "core-kernel", version, Map.of()));
  }

  private static void send(ApplicationContext context, String platform, EventPayload payload) {
    context
        .getBean(EventPublisher.class)
        .publishAndWait(
            EventEnvelope.create(
                EventCatalog.standard(), "test", platform, null, payload, null, Clock.systemUTC()));
  }

  private static void awaitConsuming(ApplicationContext context) {
    Instant deadline = Instant.now().plus(WAIT);
    PlannerIntake intake = context.getBean(PlannerIntake.class);
    while (Instant.now().isBefore(deadline)
        && (intake.consumer() == null || !intake.consumer().assigned())) {
      TestingPlanner.pause();
    }
  }

  @Test
  void anUpgradeRequestBecomesAPlanAndBadInputIsRejectedOrDeadLetteredWithoutLoss()
      throws Exception {
    String platform = TestingPlanner.unique("kafka-it");
    try (ApplicationContext context =
        TestingPlanner.start(
            TestingPlanner.unique("planner-it"), Map.of(platform, List.of("core")))) {
      awaitConsuming(context);
      TestingPlanner.observeNothingRunning(context, platform);
      send(
          context,
          platform,
          new UpgradeRequested(
              "u-bad",
              platform,
              release(
                  "1.0.0",
                  List.of(),
                  image("metis", "core-kernel", "1.0.0", Map.of()),
                  image("metis", "core-kernel", "1.0.1", Map.of())),
              null,
              "alice",
              null,
              null));

      Map<String, Object> config = new HashMap<>();
      config.put("bootstrap.servers", KafkaBroker.shared().bootstrapServers());
      config.put("key.serializer", StringSerializer.class.getName());
      config.put("value.serializer", ByteArraySerializer.class.getName());
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
        ProducerRecord<String, byte[]> garbage =
            new ProducerRecord<>(
                Topics.REQUESTS, platform, "{not json".getBytes(StandardCharsets.UTF_8));
        garbage
            .headers()
            .add("ce_type", "dev.lockstep.upgrade.requested".getBytes(StandardCharsets.UTF_8));
        producer.send(garbage).get();
      }
      send(
          context,
          platform,
          new UpgradeRequested("u-good", platform, metis("1.1.0"), null, "alice", "monthly", null));

      List<EventEnvelope> plans =
          TestingPlanner.plans(
              platform,
              es ->
                  TestingPlanner.find(es, "dev.lockstep.plan.created", "u-good").isPresent()
                      && TestingPlanner.find(es, "dev.lockstep.plan.rejected", "u-bad").isPresent(),
              WAIT);

      PlanRejected rejected =
          TestingPlanner.find(plans, "dev.lockstep.plan.rejected", "u-bad")
              .orElseThrow()
              .dataAs(PlanRejected.class);
      assertThat(rejected.errors()).extracting(e -> e.code()).contains(Codes.DUPLICATE_COMPONENT);
      PlanCreated created =
          TestingPlanner.find(plans, "dev.lockstep.plan.created", "u-good")
              .orElseThrow()
              .dataAs(PlanCreated.class);
      assertThat(created.plan().toRelease()).isEqualTo("1.1.0");
      assertThat(created.requestedBy()).isEqualTo("alice");
      assertThat(TestingPlanner.records(Topics.DEADLETTER, platform, rs -> !rs.isEmpty(), WAIT))
          .isNotEmpty();
    }
  }

  @Test
  void aQueuedRequestSurvivesARestartAndIsPlannedWhenTheActiveUpgradeEnds() {
    String platform = TestingPlanner.unique("restart-it");
    String group = TestingPlanner.unique("planner-restart");
    try (ApplicationContext first =
        TestingPlanner.start(group, Map.of(platform, List.of("core")))) {
      awaitConsuming(first);
      TestingPlanner.observeNothingRunning(first, platform);
      send(
          first,
          platform,
          new UpgradeRequested("u-1", platform, metis("1.1.0"), null, "alice", null, null));
      send(
          first,
          platform,
          new UpgradeRequested("u-2", platform, metis("1.2.0"), null, "alice", null, null));
      Instant deadline = Instant.now().plus(WAIT);
      while (Instant.now().isBefore(deadline)
          && first.getBean(PlannerCore.class).platform(platform).queue().isEmpty()) {
        TestingPlanner.pause();
      }
      assertThat(first.getBean(PlannerCore.class).platform(platform).queue())
          .extracting(PlatformView.UpgradeSummary::upgradeId)
          .containsExactly("u-2");
    }
    try (ApplicationContext second =
        TestingPlanner.start(group, Map.of(platform, List.of("core")))) {
      PlannerCore core = second.getBean(PlannerCore.class);
      Instant deadline = Instant.now().plus(WAIT);
      while (Instant.now().isBefore(deadline) && core.platform(platform).queue().isEmpty()) {
        TestingPlanner.pause();
      }
      PlatformView view = core.platform(platform);
      assertThat(view.active().upgradeId()).isEqualTo("u-1");
      assertThat(view.queue())
          .extracting(PlatformView.UpgradeSummary::upgradeId)
          .containsExactly("u-2");
      awaitConsuming(second);

      send(second, platform, new UpgradeCompleted("u-1", platform, List.of()));

      List<EventEnvelope> plans =
          TestingPlanner.plans(
              platform,
              es -> TestingPlanner.find(es, "dev.lockstep.plan.created", "u-2").isPresent(),
              WAIT);
      assertThat(TestingPlanner.find(plans, "dev.lockstep.plan.created", "u-2")).isPresent();
      assertThat(plans.stream().filter(e -> e.type().equals("dev.lockstep.plan.created")))
          .hasSize(2);
    }
  }
}
