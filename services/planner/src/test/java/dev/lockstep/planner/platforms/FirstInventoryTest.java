package dev.lockstep.planner.platforms;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanRejected;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import dev.lockstep.planner.model.Codes;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An upgrade is planned against what runs on the platform, so a request read before the planner has
 * ever observed the platform's inventory (requests and observations travel on different topics, in
 * no order between them) waits for the first observation instead of being planned as if nothing ran
 * there, which would make every component new and its rollback a removal.
 */
class FirstInventoryTest {
  private static final String P = "p-first";
  private static final Instant NOW = Instant.parse("2026-12-07T04:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final PlatformPolicy POLICY = PlatformPolicy.of(Map.of(P, List.of("core")));

  private final PlannerCore core = new PlannerCore(POLICY, CLOCK);
  private final List<EventEnvelope> log = new ArrayList<>();

  private static Release metis(String version) {
    return release(version, List.of(), image("metis", "core-kernel", version, Map.of()));
  }

  private static EventEnvelope event(String platform, EventPayload payload) {
    return EventEnvelope.create(
        EventCatalog.standard(), "test", platform, null, payload, null, CLOCK);
  }

  private List<EventEnvelope> send(PlannerCore to, EventPayload payload) {
    EventEnvelope in = event(P, payload);
    log.add(in);
    List<EventEnvelope> out = to.handle(in);
    log.addAll(out);
    return out;
  }

  @Test
  void aRequestBeforeTheFirstObservationWaitsAndIsThenPlannedFromWhatRuns() {
    List<EventEnvelope> early =
        send(core, new UpgradeRequested("u-1", P, metis("1.1.0"), null, "alice", null, null));

    assertThat(early).as("nothing is decided before the platform was observed").isEmpty();
    assertThat(core.platform(P).active()).isNull();
    assertThat(core.platform(P).queue())
        .extracting(PlatformView.UpgradeSummary::upgradeId)
        .containsExactly("u-1");

    List<EventEnvelope> observed = send(core, TestingReleases.metisRunning(P, NOW));

    assertThat(observed)
        .singleElement()
        .satisfies(
            e -> {
              PlanCreated created = e.dataAs(PlanCreated.class);
              assertThat(created.plan().upgradeId()).isEqualTo("u-1");
              PlanStep step = created.plan().waves().get(0).steps().get(0);
              assertThat(step.component()).isEqualTo("metis");
              assertThat(step.from()).as("planned from the running version").isEqualTo("1.0.0");
              assertThat(step.to()).isEqualTo("1.1.0");
            });
  }

  @Test
  void aPlannerRestartedBeforeTheFirstObservationStillWaitsForIt() {
    send(core, new UpgradeRequested("u-1", P, metis("1.1.0"), null, "alice", null, null));

    PlannerCore restarted = new PlannerCore(POLICY, CLOCK);
    restarted.rebuild(replay -> log.forEach(replay));

    assertThat(restarted.pumpAll()).as("a rebuilt planner plans no unobserved platform").isEmpty();
    assertThat(send(restarted, TestingReleases.nothingRunning(P, NOW)))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanCreated.class).plan().waves().get(0).steps().get(0).from())
                    .as("observed: nothing runs, so metis is new")
                    .isNull());
  }

  @Test
  void aRequestForAnUnknownPlatformIsStillRejectedAtOnce() {
    EventEnvelope request =
        event(
            "nowhere",
            new UpgradeRequested("u-x", "nowhere", metis("1.1.0"), null, "alice", null, null));

    assertThat(core.handle(request))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.dataAs(PlanRejected.class).errors().get(0).code())
                    .isEqualTo(Codes.NOT_FOUND));
  }
}
