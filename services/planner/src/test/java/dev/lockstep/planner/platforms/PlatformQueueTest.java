package dev.lockstep.planner.platforms;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.ObservedWorkload;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.RollbackCompleted;
import dev.lockstep.events.v1.RollbackRequested;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepApprovalGranted;
import dev.lockstep.events.v1.StepApproved;
import dev.lockstep.events.v1.StepOutcome;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCancelRequested;
import dev.lockstep.events.v1.UpgradeCancelled;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeFailed;
import dev.lockstep.events.v1.UpgradePauseRequested;
import dev.lockstep.events.v1.UpgradePaused;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.events.v1.UpgradeResumeRequested;
import dev.lockstep.events.v1.UpgradeResumed;
import dev.lockstep.events.v1.Window;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.Codes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One active upgrade per platform: later requests queue behind it, cancel works on queued and
 * active upgrades, a failed upgrade is rolled back automatically before the queue moves, and a
 * rollback of the active upgrade cancels it. Also: duplicates write nothing twice, and a state
 * rebuilt from the events decides the same.
 */
class PlatformQueueTest {
  private static final String P = "p-queue";
  private static final Instant NOW = Instant.parse("2026-11-22T01:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final PlannerCore core =
      new PlannerCore(
          PlatformPolicy.of(Map.of(P, List.of("core", "data"))).approvers(P, List.of("april")),
          CLOCK);
  private final List<EventEnvelope> log = new ArrayList<>();

  /** The executor has looked at the platform (nothing runs there) before any request comes. */
  @BeforeEach
  void nothingRunsYet() {
    send(TestingReleases.nothingRunning(P, CLOCK.instant()));
  }

  private static Release metis(String version) {
    return release(version, List.of(), image("metis", "core-kernel", version, Map.of()));
  }

  private EventEnvelope event(String platform, EventPayload payload) {
    return EventEnvelope.create(
        EventCatalog.standard(), "test", platform, null, payload, null, CLOCK);
  }

  private List<EventEnvelope> send(EventPayload payload) {
    EventEnvelope in = event(P, payload);
    log.add(in);
    List<EventEnvelope> out = core.handle(in);
    log.addAll(out);
    return out;
  }

  private List<EventEnvelope> upgrade(String id, String version) {
    return send(new UpgradeRequested(id, P, metis(version), null, "alice", "test", null));
  }

  @Test
  void aSecondRequestQueuesBehindTheActiveOneAndIsPlannedWhenItEnds() {
    send(TestingReleases.metisRunning(P, NOW));
    List<EventEnvelope> first = upgrade("u-1", "1.1.0");
    List<EventEnvelope> second = upgrade("u-2", "1.2.0");

    assertThat(first).extracting(EventEnvelope::type).containsExactly("dev.lockstep.plan.created");
    assertThat(second).isEmpty();
    assertThat(core.platform(P).active().upgradeId()).isEqualTo("u-1");
    assertThat(core.platform(P).queue())
        .extracting(PlatformView.UpgradeSummary::upgradeId)
        .containsExactly("u-2");

    send(
        new StepSucceeded(
            "u-1", "s-0-1", 0, "metis", StepAction.SET_IMAGE, "1.0.0", "1.1.0", List.of(), null));
    List<EventEnvelope> next = send(new UpgradeCompleted("u-1", P, List.of()));

    assertThat(next)
        .singleElement()
        .satisfies(
            e -> {
              PlanCreated created = e.dataAs(PlanCreated.class);
              assertThat(created.plan().upgradeId()).isEqualTo("u-2");
              assertThat(created.plan().fromRelease()).isEqualTo("1.1.0");
              assertThat(created.plan().versions().get(0).from()).isEqualTo("1.1.0");
            });
    assertThat(core.platform(P).inventory()).extracting(c -> c.version()).containsExactly("1.1.0");
  }

  @Test
  void cancelWorksOnQueuedAndActiveUpgrades() {
    upgrade("u-1", "1.1.0");
    upgrade("u-2", "1.2.0");

    List<EventEnvelope> queued = send(new UpgradeCancelRequested("u-2", P, "bob", "not today"));
    assertThat(queued)
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(UpgradeCancelled.class).wasRunning()).isFalse());
    assertThat(core.platform(P).queue()).isEmpty();

    List<EventEnvelope> active = send(new UpgradeCancelRequested("u-1", P, "bob", null));
    assertThat(active)
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(UpgradeCancelled.class).wasRunning()).isTrue());

    assertThat(send(new UpgradeCancelRequested("u-9", P, "bob", null)))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.NOT_FOUND));
  }

  @Test
  void aFailedUpgradeIsRolledBackBeforeTheQueueMoves() {
    upgrade("u-1", "2.0.0");
    upgrade("u-2", "2.1.0");
    ObjectState before =
        new ObjectState(
            "apps/v1",
            "Deployment",
            "core",
            "metis",
            true,
            "3",
            Map.of("metis", "m:1.0.0"),
            1,
            "1.0.0",
            null,
            null);
    StepOutcome changed =
        new StepOutcome(
            "s-0-1", "metis", StepAction.SET_IMAGE, "1.0.0", "2.0.0", List.of(before), null);

    List<EventEnvelope> out =
        send(
            new UpgradeFailed(
                "u-1",
                P,
                "gate error-rate failed",
                null,
                "w0-error-rate",
                false,
                List.of(changed)));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              PlanCreated created = e.dataAs(PlanCreated.class);
              assertThat(created.plan().mode()).isEqualTo(PlanMode.ROLLBACK);
              assertThat(created.plan().rollbackOf()).isEqualTo("u-1");
              assertThat(created.plan().upgradeId()).isEqualTo("rb-u-1");
              assertThat(created.plan().waves().get(0).steps())
                  .extracting(s -> s.action())
                  .containsExactly(StepAction.APPROVE, StepAction.SET_IMAGE);
            });
    assertThat(core.platform(P).queue())
        .extracting(PlatformView.UpgradeSummary::upgradeId)
        .containsExactly("u-2");
  }

  @Test
  void onlyAStepThatWaitsForApprovalCanBeApprovedAndOnlyOnce() {
    upgrade("u-1", "2.0.0");
    upgrade("u-2", "2.1.0");
    ObjectState before =
        new ObjectState(
            "apps/v1",
            "Deployment",
            "core",
            "metis",
            true,
            "3",
            Map.of("metis", "m:1.0.0"),
            1,
            "1.0.0",
            null,
            null);
    send(
        new UpgradeFailed(
            "u-1",
            P,
            "step failed",
            "s-0-1",
            null,
            false,
            List.of(
                new StepOutcome(
                    "s-0-1",
                    "metis",
                    StepAction.SET_IMAGE,
                    "1.0.0",
                    "2.0.0",
                    List.of(before),
                    null))));

    List<EventEnvelope> queued = send(new StepApprovalGranted("u-2", P, "s-0-1", "april", null));
    assertThat(queued)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.NOT_FOUND));
    assertThat(core.platform(P).queue())
        .extracting(PlatformView.UpgradeSummary::upgradeId)
        .containsExactly("u-2");

    List<EventEnvelope> approved =
        send(new StepApprovalGranted("rb-u-1", P, "s-0-1", "april", "ok"));
    assertThat(approved)
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(StepApproved.class).approvedBy()).isEqualTo("april"));
    assertThat(send(new StepApprovalGranted("rb-u-1", P, "s-0-1", "april", "again"))).isEmpty();
  }

  /** Before any upgrade ended on it, a platform runs the release its workloads declare. */
  @Test
  void theReleaseTheWorkloadsDeclareIsWhereTheFirstUpgradeComesFrom() {
    send(
        new InventoryObserved(
            P,
            NOW,
            List.of(
                new InventoryComponent(
                    "metis",
                    "core-kernel",
                    "1.0.0",
                    Map.of(),
                    List.of(
                        new ObservedWorkload(
                            "Deployment",
                            "core",
                            "metis",
                            Map.of("metis", "m:1.0.0"),
                            1,
                            1,
                            Map.of("lockstep.dev/release", "1.0.3"))))),
            "1.0.3"));

    assertThat(core.platform(P).release()).isEqualTo("1.0.3");
    assertThat(upgrade("u-1", "1.1.0").get(0).dataAs(PlanCreated.class).plan().fromRelease())
        .isEqualTo("1.0.3");
  }

  /** A running upgrade is paused and resumed once each; a queued one cannot be paused. */
  @Test
  void aRunningUpgradeIsPausedAndResumedAndAQueuedOneIsNot() {
    upgrade("u-1", "1.1.0");
    upgrade("u-2", "1.2.0");

    assertThat(send(new UpgradePauseRequested("u-1", P, "alice", "peak")))
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(UpgradePaused.class).pausedBy()).isEqualTo("alice"));
    assertThat(core.platform(P).active().status()).isEqualTo("paused");
    assertThat(send(new UpgradePauseRequested("u-1", P, "alice", "again"))).isEmpty();
    assertThat(send(new UpgradePauseRequested("u-2", P, "alice", "too early")))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.CONFLICT));

    assertThat(send(new UpgradeResumeRequested("u-1", P, "bob", null)))
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(UpgradeResumed.class).resumedBy()).isEqualTo("bob"));
    assertThat(core.platform(P).active().status()).isEqualTo("scheduled");
    assertThat(send(new UpgradeResumeRequested("u-1", P, "bob", null))).isEmpty();
  }

  /** An approval gate of the running plan is approved by its id, as an approval step is. */
  @Test
  void anApprovalGateOfTheRunningPlanIsApprovedByItsGateId() {
    Gate signOff =
        new Gate(
            "sign-off",
            null,
            null,
            null,
            null,
            new Gate.ApprovalCheck("ship it?"),
            null,
            null,
            null,
            null,
            null,
            "2h");
    Plan plan =
        send(new UpgradeRequested(
                "u-1",
                P,
                release(
                    "1.1.0", List.of(signOff), image("metis", "core-kernel", "1.1.0", Map.of())),
                null,
                "alice",
                "test",
                null))
            .get(0)
            .dataAs(PlanCreated.class)
            .plan();
    String gateId =
        plan.waves().stream()
            .flatMap(
                w ->
                    w.gates().stream()
                        .filter(g -> g.kind().equals("approval"))
                        .map(g -> "w" + w.index() + "-" + g.name()))
            .findFirst()
            .orElseThrow();

    assertThat(send(new StepApprovalGranted("u-1", P, "w9-nothing", "april", null)))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.NOT_FOUND));
    assertThat(send(new StepApprovalGranted("u-1", P, gateId, "april", "ok")))
        .singleElement()
        .satisfies(
            e -> {
              StepApproved approved = e.dataAs(StepApproved.class);
              assertThat(approved.stepId()).isEqualTo(gateId);
              assertThat(approved.approvedBy()).isEqualTo("april");
            });
  }

  /**
   * An approval that another producer than the planner's API puts on Kafka is obeyed only from an
   * approver of the platform; one that came through the API (which checked the token's role) is.
   */
  @Test
  void anApprovalOnKafkaIsTakenOnlyFromThePlatformsApprovers() {
    upgrade("u-1", "2.0.0");
    send(
        new UpgradeFailed(
            "u-1",
            P,
            "step failed",
            "s-0-1",
            null,
            false,
            List.of(
                new StepOutcome(
                    "s-0-1",
                    "metis",
                    StepAction.SET_IMAGE,
                    "1.0.0",
                    "2.0.0",
                    List.of(
                        new ObjectState(
                            "apps/v1",
                            "Deployment",
                            "core",
                            "metis",
                            true,
                            "3",
                            Map.of("metis", "m:1.0.0"),
                            1,
                            "1.0.0",
                            null,
                            null)),
                    null))));

    List<EventEnvelope> forged =
        send(new StepApprovalGranted("rb-u-1", P, "s-0-1", "mallory", "let me"));
    EventEnvelope throughTheApi =
        new EventEnvelope(
            "approval-from-the-api",
            EventEnvelope.sourceOf(PlannerCore.SERVICE),
            "dev.lockstep.step.approval-granted",
            1,
            "rb-u-1",
            NOW,
            P,
            null,
            null,
            new StepApprovalGranted("rb-u-1", P, "s-0-1", "bob", "checked by the API"));
    List<EventEnvelope> approved = core.handle(throughTheApi);

    assertThat(forged)
        .singleElement()
        .satisfies(
            e -> {
              PlanRejected rejected = e.dataAs(PlanRejected.class);
              assertThat(rejected.errors().get(0).code()).isEqualTo(Codes.FORBIDDEN);
              assertThat(rejected.errors().get(0).message()).contains("mallory");
            });
    assertThat(approved)
        .singleElement()
        .satisfies(e -> assertThat(e.dataAs(StepApproved.class).approvedBy()).isEqualTo("bob"));
  }

  @Test
  void aRollbackOfTheActiveUpgradeCancelsItInsteadOfQueueing() {
    upgrade("u-1", "1.1.0");

    List<EventEnvelope> out = send(new RollbackRequested("u-1", P, "carol", "bad metrics"));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              UpgradeCancelled c = e.dataAs(UpgradeCancelled.class);
              assertThat(c.upgradeId()).isEqualTo("u-1");
              assertThat(c.wasRunning()).isTrue();
            });
  }

  @Test
  void aCompletedUpgradeCanBeRolledBackOnRequest() {
    upgrade("u-0", "1.0.0");
    send(new UpgradeCompleted("u-0", P, List.of()));
    upgrade("u-1", "1.1.0");
    ObjectState before =
        new ObjectState(
            "apps/v1",
            "Deployment",
            "core",
            "metis",
            true,
            "3",
            Map.of("metis", "m:1.0.0"),
            1,
            "1.0.0",
            null,
            null);
    send(
        new StepSucceeded(
            "u-1",
            "s-0-1",
            0,
            "metis",
            StepAction.SET_IMAGE,
            "1.0.0",
            "1.1.0",
            List.of(before),
            null));
    send(new UpgradeCompleted("u-1", P, List.of()));

    List<EventEnvelope> out = send(new RollbackRequested("u-1", P, "carol", "regression"));

    assertThat(out)
        .singleElement()
        .satisfies(
            e -> {
              PlanCreated created = e.dataAs(PlanCreated.class);
              assertThat(created.plan().rollbackOf()).isEqualTo("u-1");
              assertThat(created.plan().waves().get(0).steps().get(0).restore())
                  .containsExactly(before);
            });
    String rollbackId = out.get(0).dataAs(PlanCreated.class).plan().upgradeId();
    assertThat(core.platform(P).release()).isEqualTo("1.1.0");
    send(new RollbackCompleted(rollbackId, "u-1", P, List.of()));
    assertThat(core.platform(P).release())
        .as("the platform runs again the release the upgrade came from")
        .isEqualTo("1.0.0");
  }

  @Test
  void anUnknownPlatformAndAClosedWindowAreRejected() {
    EventEnvelope unknown =
        event(
            "nowhere",
            new UpgradeRequested("u-x", "nowhere", metis("1.0.0"), null, "alice", null, null));
    assertThat(core.handle(unknown))
        .singleElement()
        .satisfies(
            e -> {
              PlanRejected r = e.dataAs(PlanRejected.class);
              assertThat(r.errors().get(0).code()).isEqualTo(Codes.NOT_FOUND);
              assertThat(r.errors().get(0).message()).contains("nowhere");
            });

    List<EventEnvelope> late =
        send(
            new UpgradeRequested(
                "u-late",
                P,
                metis("1.0.0"),
                null,
                "alice",
                null,
                new Window(null, NOW.minusSeconds(60))));
    assertThat(late)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.OUTSIDE_WINDOW));
  }

  @Test
  void aDuplicateEventWritesNothingTwiceAndARebuiltStateDecidesTheSame() {
    upgrade("u-1", "1.1.0");
    EventEnvelope second =
        event(P, new UpgradeRequested("u-2", P, metis("1.2.0"), null, "alice", null, null));
    log.add(second);
    assertThat(core.handle(second)).isEmpty();
    assertThat(core.handle(second)).isEmpty();
    EventEnvelope cancel = event(P, new UpgradeCancelRequested("u-1", P, "bob", null));
    List<EventEnvelope> once = core.handle(cancel);
    log.addAll(once);
    assertThat(once).hasSize(1);
    assertThat(core.handle(cancel)).isEmpty();

    PlannerCore rebuilt = new PlannerCore(PlatformPolicy.of(Map.of(P, List.of("core"))), CLOCK);
    log.forEach(rebuilt::fold);
    assertThat(rebuilt.pumpAll()).isEmpty();
    assertThat(rebuilt.platform(P).active().upgradeId()).isEqualTo("u-1");
    assertThat(rebuilt.platform(P).queue())
        .extracting(PlatformView.UpgradeSummary::upgradeId)
        .containsExactly("u-2");

    // the executor then reports the cancelled upgrade as failed without changes: the queue moves
    List<EventEnvelope> next =
        rebuilt.handle(
            event(P, new UpgradeFailed("u-1", P, "cancelled", null, null, true, List.of())));
    assertThat(next)
        .singleElement()
        .satisfies(
            e -> assertThat(e.dataAs(PlanCreated.class).plan().upgradeId()).isEqualTo("u-2"));
  }

  @Test
  void aRequestAcceptedButNotYetPlannedBeforeACrashIsPlannedAfterTheRebuild() {
    EventEnvelope request =
        event(P, new UpgradeRequested("u-1", P, metis("1.1.0"), null, "alice", null, null));
    PlannerCore rebuilt = new PlannerCore(PlatformPolicy.of(Map.of(P, List.of("core"))), CLOCK);
    rebuilt.fold(event(P, TestingReleases.metisRunning(P, NOW)));
    rebuilt.fold(request);

    assertThat(rebuilt.pumpAll())
        .singleElement()
        .satisfies(
            e -> assertThat(e.dataAs(PlanCreated.class).plan().upgradeId()).isEqualTo("u-1"));
  }
}
