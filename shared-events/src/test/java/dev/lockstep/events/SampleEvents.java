package dev.lockstep.events;

import dev.lockstep.events.v1.ApprovalRequested;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.ChannelRef;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.GateRequested;
import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.NotificationFailed;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.ReleasePublished;
import dev.lockstep.events.v1.Risk;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackFailed;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepFailed;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeRescheduled;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.events.v1.UpgradeWindowClosed;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.Quiet;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseMetadata;
import dev.lockstep.manifest.ReleaseSpec;
import dev.lockstep.manifest.WorkloadRef;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One realistic event of every type, the source of the first golden samples. */
final class SampleEvents {
  static final String PLATFORM = "dataos-prod";
  static final String UPGRADE = "9b2f5c1e-7d4a-4f0e-8a61-3c2d1e0f9a77";
  static final String ROLLBACK = "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e";
  static final Instant T0 = Instant.parse("2026-11-22T10:15:30Z");
  static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private SampleEvents() {}

  static Release release() {
    Gate health =
        new Gate(
            "metis-health",
            null,
            new Gate.HttpCheck("http://metis.core:8080/health", null, 200, null, null, null, "5s"),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    Gate errorRate =
        new Gate(
            "error-rate",
            null,
            null,
            new Gate.PrometheusCheck(
                null,
                "sum(rate(http_errors_total[1m])) / sum(rate(http_requests_total[1m]))",
                "result < 0.01",
                null),
            null,
            null,
            "10s",
            3,
            1,
            null,
            null,
            null);
    Component postgres =
        new Component(
            "postgres",
            "cloud-kernel",
            "15.4.0",
            Map.of(),
            new WorkloadRef("StatefulSet", "data", "postgres", "postgres"),
            "registry.example.com/postgres:15.4.0",
            List.of(),
            null,
            new Backup("csi-snapclass"),
            List.of(),
            null,
            null,
            null);
    Component metis =
        new Component(
            "metis",
            "core-kernel",
            "2.4.0",
            new LinkedHashMap<>(Map.of("postgres", ">=15.0.0 <16.0.0")),
            new WorkloadRef("Deployment", "core", "metis", "metis"),
            "registry.example.com/metis:2.4.0",
            List.of(ObjectRef.of("StatefulSet", "core", "metis-operator")),
            new Migration(
                "registry.example.com/metis-migrate:2.4.0", List.of("--to", "2.4.0"), "10m"),
            null,
            List.of(health),
            null,
            null,
            null,
            2,
            new Quiet(List.of("postgres"), "10s", "2m"));
    return new Release(
        Release.API_VERSION,
        Release.KIND,
        new ReleaseMetadata("dataos", "2.4.0", "Faster metadata sync."),
        new ReleaseSpec(
            List.of("cloud-kernel", "core-kernel", "user-space"),
            List.of(postgres, metis),
            List.of(errorRate)));
  }

  static Plan plan() {
    Release release = release();
    Gate errorRate = release.spec().gates().get(0);
    PlanStep backup =
        new PlanStep(
            "s-0-1",
            "postgres",
            StepAction.BACKUP,
            "15.3.0",
            "15.4.0",
            new WorkloadRef("StatefulSet", "data", "postgres", "postgres"),
            null,
            null,
            null,
            new Backup("csi-snapclass"),
            null,
            null,
            null,
            null,
            null);
    PlanStep setPostgres =
        new PlanStep(
            "s-0-2",
            "postgres",
            StepAction.SET_IMAGE,
            "15.3.0",
            "15.4.0",
            new WorkloadRef("StatefulSet", "data", "postgres", "postgres"),
            "registry.example.com/postgres:15.4.0",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    PlanStep drain =
        new PlanStep(
            "s-1-1",
            "metis",
            StepAction.DRAIN,
            "2.3.1",
            "2.4.0",
            null,
            null,
            List.of(ObjectRef.of("StatefulSet", "core", "metis-operator")),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new QuietWait(
                List.of(
                    new QuietWait.Source(
                        "postgres",
                        new WorkloadRef("StatefulSet", "data", "postgres", "postgres"))),
                "10s",
                "2m"));
    PlanStep migrate =
        new PlanStep(
            "s-1-2",
            "metis",
            StepAction.MIGRATE,
            "2.3.1",
            "2.4.0",
            new WorkloadRef("Deployment", "core", "metis", "metis"),
            null,
            null,
            release.component("metis").orElseThrow().migration(),
            null,
            null,
            null,
            null,
            null,
            null,
            1);
    PlanStep setMetis =
        new PlanStep(
            "s-1-3",
            "metis",
            StepAction.SET_IMAGE,
            "2.3.1",
            "2.4.0",
            new WorkloadRef("Deployment", "core", "metis", "metis"),
            "registry.example.com/metis:2.4.0",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    PlanStep restore =
        new PlanStep(
            "s-1-4",
            "metis",
            StepAction.RESTORE_REPLICAS,
            "2.3.1",
            "2.4.0",
            null,
            null,
            List.of(ObjectRef.of("StatefulSet", "core", "metis-operator")),
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    return new Plan(
        UPGRADE,
        PLATFORM,
        PlanMode.UPGRADE,
        "2.3.0",
        "2.4.0",
        List.of(
            new VersionChange("postgres", "cloud-kernel", "15.3.0", "15.4.0"),
            new VersionChange("metis", "core-kernel", "2.3.1", "2.4.0")),
        List.of(
            new Wave(
                0,
                "cloud-kernel",
                List.of(backup, setPostgres),
                List.of(new PlannedGate("error-rate", "prometheus", null, errorRate))),
            new Wave(
                1,
                "core-kernel",
                List.of(drain, migrate, setMetis, restore),
                List.of(
                    new PlannedGate(
                        "metis-health",
                        "http",
                        "metis",
                        release.component("metis").orElseThrow().gates().get(0)),
                    new PlannedGate("error-rate", "prometheus", null, errorRate)))),
        new Risk(42, List.of("stateful change: postgres", "migration: metis")),
        Duration.ofMinutes(2),
        new Window(T0, T0.plus(Duration.ofHours(2))),
        null,
        "Faster metadata sync.",
        Duration.ofMinutes(9));
  }

  static ObjectState metisBefore() {
    return new ObjectState(
        "apps/v1",
        "Deployment",
        "core",
        "metis",
        true,
        "4711",
        Map.of("metis", "registry.example.com/metis:2.3.1"),
        2,
        "2.3.1",
        Map.of("lockstep.dev/version", "2.3.1"),
        null);
  }

  static List<Measurement> measurements() {
    return List.of(
        new Measurement(0, MeasurementPhase.SUCCESSFUL, "0.002", "result < 0.01", T0),
        new Measurement(1, MeasurementPhase.FAILED, "0.034", "result < 0.01", T0.plusSeconds(10)),
        new Measurement(2, MeasurementPhase.FAILED, "0.051", "result < 0.01", T0.plusSeconds(20)));
  }

  /** One payload of each standard type. */
  static List<EventPayload> payloads() {
    Release release = release();
    return List.of(
        new UpgradeRequested(
            UPGRADE,
            PLATFORM,
            release,
            null,
            "release-bot",
            "monthly platform release",
            new Window(T0, T0.plus(Duration.ofHours(2)))),
        new RollbackRequested(UPGRADE, PLATFORM, "alice", "error budget burning"),
        new UpgradeCancelRequested(UPGRADE, PLATFORM, "alice", "freeze for quarter close"),
        new UpgradePauseRequested(UPGRADE, PLATFORM, "alice", "traffic peak"),
        new UpgradeResumeRequested(UPGRADE, PLATFORM, "alice", "peak over"),
        new StepApprovalGranted(ROLLBACK, PLATFORM, "s-0-1", "bob", "major rollback approved"),
        new ReleasePublished(release, "release-bot"),
        new PlanCreated(plan(), "release-bot", "monthly platform release"),
        new PlanRejected(
            UPGRADE,
            PLATFORM,
            "dev.lockstep.upgrade.requested",
            "2f0c5a8e-1b1d-4b7e-9e44-0d5e8c0b6f10",
            List.of(
                new ErrorDetail(
                    "dependency-cycle",
                    "release.spec.components[1].requires.metis",
                    "metis and poros require each other")),
            "release-bot"),
        new UpgradeCancelled(UPGRADE, PLATFORM, "alice", "freeze for quarter close", true),
        new UpgradePaused(UPGRADE, PLATFORM, "alice", "traffic peak"),
        new UpgradeResumed(UPGRADE, PLATFORM, "alice", "peak over"),
        new UpgradeRescheduled(
            UPGRADE,
            PLATFORM,
            new Window(T0.plus(Duration.ofDays(2)), T0.plus(Duration.ofDays(2).plusHours(4)))),
        new StepApproved(ROLLBACK, PLATFORM, "s-0-1", "bob", "major rollback approved"),
        new InventoryObserved(
            PLATFORM,
            T0,
            List.of(
                new InventoryComponent(
                    "metis",
                    "core-kernel",
                    "2.3.1",
                    Map.of("postgres", ">=15.0.0 <16.0.0"),
                    List.of(
                        new ObservedWorkload(
                            "Deployment",
                            "core",
                            "metis",
                            Map.of("metis", "registry.example.com/metis:2.3.1"),
                            2,
                            2,
                            Map.of("lockstep.dev/version", "2.3.1")))))),
        new UpgradeStarted(UPGRADE, PLATFORM, PlanMode.UPGRADE, null, 2, 6),
        new UpgradeWindowClosed(UPGRADE, PLATFORM, 1, T0.plus(Duration.ofHours(2))),
        new StepStarted(
            UPGRADE, "s-1-3", 1, "metis", StepAction.SET_IMAGE, 1, List.of(metisBefore())),
        new StepSucceeded(
            UPGRADE,
            "s-1-3",
            1,
            "metis",
            StepAction.SET_IMAGE,
            "2.3.1",
            "2.4.0",
            List.of(metisBefore()),
            null),
        new StepFailed(
            UPGRADE,
            "s-1-3",
            1,
            "metis",
            StepAction.SET_IMAGE,
            "rollout of Deployment core/metis exceeded its progress deadline (600s)",
            List.of(metisBefore())),
        new StepRetried(
            UPGRADE,
            PLATFORM,
            "s-1-3",
            1,
            "metis",
            StepAction.SET_IMAGE,
            2,
            3,
            "rollout of Deployment core/metis exceeded its progress deadline (600s)"),
        new GateRequested(
            UPGRADE,
            PLATFORM,
            "w1-error-rate",
            1,
            plan().waves().get(1).gates().get(1),
            GatePurpose.VERIFY,
            T0),
        new ApprovalRequested(
            ROLLBACK,
            PLATFORM,
            "s-0-1",
            "poros",
            "roll poros back from 2.0.0 to 1.9.3: a major version"),
        new UpgradeCompleted(UPGRADE, PLATFORM, plan().versions()),
        new UpgradeFailed(
            UPGRADE,
            PLATFORM,
            "gate error-rate failed: 2 of 3 measurements failed",
            null,
            "w1-error-rate",
            false,
            List.of(
                new StepOutcome(
                    "s-1-3",
                    "metis",
                    StepAction.SET_IMAGE,
                    "2.3.1",
                    "2.4.0",
                    List.of(metisBefore()),
                    null))),
        new RollbackCompleted(
            ROLLBACK,
            UPGRADE,
            PLATFORM,
            List.of(new VersionChange("metis", "core-kernel", "2.4.0", "2.3.1"))),
        new RollbackFailed(
            ROLLBACK,
            UPGRADE,
            PLATFORM,
            "restore of Deployment core/metis failed: forbidden",
            "s-0-2"),
        new GateMeasured(
            UPGRADE, "w1-error-rate", "error-rate", "prometheus", measurements().get(1)),
        new AvailabilityObserved(
            UPGRADE,
            PLATFORM,
            "lockstep local",
            T0,
            T0.plus(Duration.ofMinutes(9)),
            List.of(
                new AvailabilityObserved.ComponentAvailability(
                    "metis",
                    "http://metis.core:8080/health",
                    10_800,
                    2_410,
                    Duration.ofSeconds(121),
                    Duration.ofSeconds(118)))),
        new GatePassed(
            UPGRADE,
            "w0-error-rate",
            "error-rate",
            "prometheus",
            List.of(measurements().get(0)),
            null),
        new GateFailed(
            UPGRADE,
            "w1-error-rate",
            "error-rate",
            "prometheus",
            "2 failed measurements exceed the failure limit of 1",
            measurements()),
        new NotificationDelivered(
            "6a1e2c3d-0000-4000-8000-000000000001",
            UPGRADE,
            "operators",
            new ChannelRef("slack", "ops-alerts"),
            1),
        new NotificationFailed(
            "6a1e2c3d-0000-4000-8000-000000000001",
            UPGRADE,
            "consumers",
            new ChannelRef("webhook", "data-consumers"),
            5,
            "HTTP 503 from the receiver after 5 attempts"));
  }

  /** An envelope for a payload with fixed attributes, so that samples are stable. */
  static EventEnvelope envelope(EventCatalog catalog, EventPayload payload, int n) {
    EventType type = catalog.typeOf(payload.getClass());
    com.fasterxml.jackson.databind.JsonNode data = Json.mapper().valueToTree(payload);
    com.fasterxml.jackson.databind.JsonNode named = data.has("plan") ? data.get("plan") : data;
    String subject =
        payload instanceof InventoryObserved || payload instanceof ReleasePublished
            ? null
            : named.path("upgradeId").asText(UPGRADE);
    return new EventEnvelope(
        String.format("5f3c2a10-0000-4000-8000-%012d", n),
        URI.create("urn:lockstep:" + type.producer().replace("platform service", "release-bot")),
        type.name(),
        type.version(),
        subject,
        T0.plusSeconds(n),
        PLATFORM,
        n == 0 ? null : String.format("5f3c2a10-0000-4000-8000-%012d", n - 1),
        TRACEPARENT,
        payload);
  }
}
