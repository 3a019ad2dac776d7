package dev.lockstep.notifier.cdevents;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.manifest.Gate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lockstep's events as CDEvents 0.4.1: the types, subjects and outcomes a CDEvents consumer sees
 * for an upgrade whose gate fails and its rollback, and for one that completes; every CDEvent valid
 * against the specification's schema; ids that stay the same when an event is handled again.
 */
class CdEventMappingTest {
  static final String PLATFORM = "dataos-prod-01";
  static final String UPGRADE = "up-1";
  static final String ROLLBACK = "rb-1";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-07T03:00:00Z"), ZoneOffset.UTC);

  private final CdEventMapping mapping =
      new CdEventMapping("/lockstep", "https://lockstep.example.com/");

  @Test
  void aFailingGateAndItsRollbackAreAPipelineRunATestCaseRunAndServicesRolledBack() {
    Plan plan = plan(UPGRADE, PlanMode.UPGRADE, null);
    Plan rollbackPlan = plan(ROLLBACK, PlanMode.ROLLBACK, UPGRADE);
    List<CdEvent> events = new ArrayList<>();
    events.addAll(map(upgradeStarted(UPGRADE, PlanMode.UPGRADE, null), plan));
    events.addAll(map(gateRequested(UPGRADE, "w0-error-rate"), plan));
    events.addAll(map(gateFailed(UPGRADE, "w0-error-rate"), plan));
    events.addAll(map(upgradeFailed(UPGRADE), plan));
    events.addAll(map(upgradeStarted(ROLLBACK, PlanMode.ROLLBACK, UPGRADE), rollbackPlan));
    events.addAll(map(rollbackCompleted(), rollbackPlan));

    assertThat(events)
        .extracting(CdEvent::type, CdEvent::subjectId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(CdEventMapping.PIPELINE_STARTED, UPGRADE),
            org.assertj.core.groups.Tuple.tuple(
                CdEventMapping.TEST_STARTED, UPGRADE + "/w0-error-rate"),
            org.assertj.core.groups.Tuple.tuple(
                CdEventMapping.TEST_FINISHED, UPGRADE + "/w0-error-rate"),
            org.assertj.core.groups.Tuple.tuple(CdEventMapping.PIPELINE_FINISHED, UPGRADE),
            org.assertj.core.groups.Tuple.tuple(CdEventMapping.PIPELINE_STARTED, ROLLBACK),
            org.assertj.core.groups.Tuple.tuple(CdEventMapping.PIPELINE_FINISHED, ROLLBACK),
            org.assertj.core.groups.Tuple.tuple(
                CdEventMapping.SERVICE_ROLLEDBACK, PLATFORM + "/postgres"),
            org.assertj.core.groups.Tuple.tuple(
                CdEventMapping.SERVICE_ROLLEDBACK, PLATFORM + "/metis"));
    for (CdEvent event : events) {
      assertThat(TestingCdEventSchemas.problems(event.json())).as(event.json()).isEmpty();
      assertThat(event.source()).isEqualTo("/lockstep/" + PLATFORM);
    }

    JsonNode started = json(events.get(0));
    assertThat(started.at("/subject/content/pipelineName").asText()).isEqualTo("lockstep-upgrade");
    assertThat(started.at("/subject/content/url").asText())
        .isEqualTo("https://lockstep.example.com/api/v1/upgrades/" + UPGRADE);
    assertThat(started.at("/customData/release").asText()).isEqualTo("2.4.0");
    assertThat(started.at("/customData/fromRelease").asText()).isEqualTo("2.3.0");
    JsonNode gateFailed = json(events.get(2));
    assertThat(gateFailed.at("/subject/content/outcome").asText()).isEqualTo("fail");
    assertThat(gateFailed.at("/subject/content/reason").asText()).isEqualTo("error rate 0.07");
    assertThat(gateFailed.at("/subject/content/testCase/name").asText()).isEqualTo("error-rate");
    assertThat(gateFailed.at("/subject/content/testCase/type").asText()).isEqualTo("performance");
    assertThat(gateFailed.at("/subject/content/testSuiteRun/id").asText()).isEqualTo(UPGRADE);
    assertThat(gateFailed.at("/subject/content/environment/id").asText()).isEqualTo(PLATFORM);
    JsonNode upgradeFailed = json(events.get(3));
    assertThat(upgradeFailed.at("/subject/content/outcome").asText()).isEqualTo("failure");
    assertThat(upgradeFailed.at("/subject/content/errors").asText())
        .isEqualTo("gate w0-error-rate failed");
    JsonNode rollbackStarted = json(events.get(4));
    assertThat(rollbackStarted.at("/subject/content/pipelineName").asText())
        .isEqualTo("lockstep-rollback");
    assertThat(rollbackStarted.at("/customData/rollbackOf").asText()).isEqualTo(UPGRADE);
    assertThat(json(events.get(5)).at("/subject/content/outcome").asText()).isEqualTo("success");
    JsonNode postgres = json(events.get(6));
    assertThat(postgres.at("/subject/content/artifactId").asText())
        .isEqualTo("pkg:generic/postgres@15.3.0");
    assertThat(postgres.at("/subject/content/environment/id").asText()).isEqualTo(PLATFORM);
    assertThat(postgres.at("/customData/fromVersion").asText()).isEqualTo("15.4.0");
  }

  @Test
  void aCompletedUpgradeIsASuccessfulRunAndAServiceEventPerChangedComponent() {
    EventEnvelope completed =
        envelope(
            UPGRADE,
            new UpgradeCompleted(
                UPGRADE,
                PLATFORM,
                List.of(
                    new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0"),
                    new VersionChange("unchanged", "cloud-kernel", "1.0.0", "1.0.0"),
                    new VersionChange("search", "apps", null, "1.0.0+build.7"),
                    new VersionChange("legacy", "apps", "0.9.0", null))));
    EventEnvelope passed =
        envelope(
            UPGRADE,
            new GatePassed(UPGRADE, "w1-metis-health", "metis-health", "http", List.of(), null));

    List<CdEvent> events = new ArrayList<>(map(passed, null));
    events.addAll(map(completed, null));

    assertThat(events)
        .extracting(CdEvent::type)
        .containsExactly(
            CdEventMapping.TEST_FINISHED,
            CdEventMapping.PIPELINE_FINISHED,
            CdEventMapping.SERVICE_UPGRADED,
            CdEventMapping.SERVICE_DEPLOYED,
            CdEventMapping.SERVICE_REMOVED);
    events.forEach(
        e -> assertThat(TestingCdEventSchemas.problems(e.json())).as(e.json()).isEmpty());
    assertThat(json(events.get(0)).at("/subject/content/outcome").asText()).isEqualTo("pass");
    assertThat(json(events.get(0)).at("/subject/content/testCase/type").asText())
        .isEqualTo("functional");
    assertThat(json(events.get(3)).at("/subject/content/artifactId").asText())
        .isEqualTo("pkg:generic/search@1.0.0%2Bbuild.7");
    assertThat(json(events.get(4)).at("/subject/content").has("artifactId")).isFalse();
  }

  @Test
  void theSameEventGivesTheSameIdsAndAnotherEventOthers() {
    EventEnvelope failed = rollbackCompleted();
    List<CdEvent> first = map(failed, null);
    List<CdEvent> again = map(failed, null);
    List<CdEvent> other = map(rollbackCompleted(), null);

    assertThat(first).extracting(CdEvent::id).doesNotHaveDuplicates();
    assertThat(again).extracting(CdEvent::id).isEqualTo(first.stream().map(CdEvent::id).toList());
    assertThat(other)
        .extracting(CdEvent::id)
        .doesNotContainAnyElementsOf(first.stream().map(CdEvent::id).toList());
    assertThat(json(first.get(0)).at("/context/id").asText()).isEqualTo(first.get(0).id());
  }

  @Test
  void otherEventsMapToNothing() {
    EventEnvelope cancelled =
        envelope(
            UPGRADE,
            new dev.lockstep.events.v1.UpgradeCancelled(UPGRADE, PLATFORM, "ops", null, false));
    assertThat(map(cancelled, null)).isEmpty();
  }

  @Test
  void structuredModeCarriesTheCdEventAsTheCloudEventsData() throws Exception {
    CdEvent event = map(gateFailed(UPGRADE, "w0-error-rate"), null).get(0);

    JsonNode cloudEvent = Json.mapper().readTree(CloudEventsBinding.structured(event));

    assertThat(cloudEvent.path("specversion").asText()).isEqualTo("1.0");
    assertThat(cloudEvent.path("id").asText()).isEqualTo(event.id());
    assertThat(cloudEvent.path("type").asText()).isEqualTo(CdEventMapping.TEST_FINISHED);
    assertThat(cloudEvent.path("subject").asText()).isEqualTo(UPGRADE + "/w0-error-rate");
    assertThat(cloudEvent.path("time").asText()).isEqualTo("2026-12-07T03:00:00Z");
    assertThat(cloudEvent.path("datacontenttype").asText()).isEqualTo("application/json");
    assertThat(TestingCdEventSchemas.problems(cloudEvent.path("data").toString())).isEmpty();
  }

  @Test
  void theSchemaCheckRefusesABrokenCdEvent() throws Exception {
    CdEvent event = map(gateFailed(UPGRADE, "w0-error-rate"), null).get(0);
    ObjectNode broken = (ObjectNode) Json.mapper().readTree(event.json());
    ((ObjectNode) broken.path("subject").path("content")).put("outcome", "maybe");
    ((ObjectNode) broken.path("context")).remove("id");

    assertThat(TestingCdEventSchemas.problems(broken.toString())).hasSize(2);
  }

  private List<CdEvent> map(EventEnvelope event, Plan plan) {
    return mapping.map(event, plan);
  }

  private static JsonNode json(CdEvent event) {
    try {
      return Json.mapper().readTree(event.json());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static EventEnvelope envelope(String upgradeId, EventPayload payload) {
    return EventEnvelope.create(
        EventCatalog.standard(), "executor", PLATFORM, upgradeId, payload, null, CLOCK);
  }

  static EventEnvelope upgradeStarted(String id, PlanMode mode, String rollbackOf) {
    return envelope(id, new UpgradeStarted(id, PLATFORM, mode, rollbackOf, 2, 4));
  }

  static EventEnvelope gateRequested(String upgradeId, String gateId) {
    return envelope(
        upgradeId,
        new GateRequested(
            upgradeId,
            PLATFORM,
            gateId,
            0,
            new PlannedGate("error-rate", "prometheus", null, errorRate()),
            GatePurpose.VERIFY,
            CLOCK.instant()));
  }

  static EventEnvelope gateFailed(String upgradeId, String gateId) {
    return envelope(
        upgradeId,
        new GateFailed(
            upgradeId, gateId, "error-rate", "prometheus", "error rate 0.07", List.of()));
  }

  static EventEnvelope upgradeFailed(String upgradeId) {
    return envelope(
        upgradeId,
        new UpgradeFailed(
            upgradeId,
            PLATFORM,
            "gate w0-error-rate failed",
            null,
            "w0-error-rate",
            false,
            List.of()));
  }

  static EventEnvelope rollbackCompleted() {
    return envelope(
        ROLLBACK,
        new RollbackCompleted(
            ROLLBACK,
            UPGRADE,
            PLATFORM,
            List.of(
                new VersionChange("postgres", "cloud-kernel", "15.4.0", "15.3.0"),
                new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"))));
  }

  static Gate errorRate() {
    return new Gate(
        "error-rate",
        null,
        null,
        new Gate.PrometheusCheck(null, "sum(rate(http_errors_total[1m]))", "result < 0.01", null),
        null,
        null,
        "10s",
        3,
        1,
        null,
        null,
        null);
  }

  static Plan plan(String id, PlanMode mode, String rollbackOf) {
    boolean rollback = mode == PlanMode.ROLLBACK;
    return new Plan(
        id,
        PLATFORM,
        mode,
        rollback ? "2.4.0" : "2.3.0",
        rollback ? "2.3.0" : "2.4.0",
        List.of(new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0")),
        List.of(),
        new Risk(10, List.of()),
        Duration.ofMinutes(1),
        null,
        rollbackOf,
        null);
  }
}
