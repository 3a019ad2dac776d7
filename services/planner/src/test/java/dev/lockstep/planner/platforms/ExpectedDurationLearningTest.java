package dev.lockstep.planner.platforms;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.EventPayload;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.events.v1.StepSucceeded;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.TestingReleases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A plan's expected duration starts from the typical durations of a real cluster and learns from
 * the platform's own steps: after a few upgrades whose image changes took 4 to 6 seconds, the next
 * plan expects its image change to take the median of them, and a state rebuilt from the events
 * expects the same.
 */
class ExpectedDurationLearningTest {
  private static final String P = "p-durations";
  private static final Instant NOW = Instant.parse("2026-11-22T01:00:00Z");

  private final PlannerCore core =
      new PlannerCore(
          PlatformPolicy.of(Map.of(P, List.of("core"))), Clock.fixed(NOW, ZoneOffset.UTC));
  private final List<EventEnvelope> log = new ArrayList<>();

  private static Release metis(String version) {
    return release(version, List.of(), image("metis", "core-kernel", version, Map.of()));
  }

  private List<EventEnvelope> send(EventPayload payload, Instant at) {
    EventEnvelope in =
        EventEnvelope.create(
            EventCatalog.standard(),
            "test",
            P,
            null,
            payload,
            null,
            Clock.fixed(at, ZoneOffset.UTC));
    log.add(in);
    List<EventEnvelope> out = core.handle(in);
    log.addAll(out);
    return out;
  }

  private Plan upgrade(String id, String version) {
    List<EventEnvelope> out =
        send(new UpgradeRequested(id, P, metis(version), null, "alice", "test", null), NOW);
    return out.stream()
        .filter(e -> e.data() instanceof PlanCreated)
        .map(e -> ((PlanCreated) e.data()).plan())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no plan for " + id + ": " + out));
  }

  /** Runs the plan's one step, taking {@code took}, and ends the upgrade. */
  private void run(Plan plan, Duration took) {
    var step = plan.waves().get(0).steps().get(0);
    Instant start = NOW.plusSeconds(60);
    send(new StepStarted(plan.upgradeId(), step.id(), 0, "metis", StepAction.SET_IMAGE, 1), start);
    send(
        new StepSucceeded(
            plan.upgradeId(),
            step.id(),
            0,
            "metis",
            StepAction.SET_IMAGE,
            step.from(),
            step.to(),
            List.of(),
            null),
        start.plus(took));
    send(new UpgradeCompleted(plan.upgradeId(), P, List.of()), start.plus(took));
  }

  @Test
  void theExpectedDurationLearnsFromThePlatformsEarlierSteps() {
    send(TestingReleases.metisRunning(P, NOW), NOW);

    Plan first = upgrade("u-1", "1.1.0");
    assertThat(first.expectedDuration())
        .as("nothing learned yet: a real cluster's image change")
        .isEqualTo(Duration.ofMinutes(1));
    run(first, Duration.ofSeconds(4));
    Plan second = upgrade("u-2", "1.2.0");
    assertThat(second.expectedDuration())
        .as("one step is not enough to go by")
        .isEqualTo(Duration.ofMinutes(1));
    run(second, Duration.ofSeconds(6));
    Plan third = upgrade("u-3", "1.3.0");
    run(third, Duration.ofSeconds(5));

    Plan fourth = upgrade("u-4", "1.4.0");
    assertThat(fourth.expectedDuration()).isEqualTo(Duration.ofSeconds(5));
    assertThat(core.queries().withLearnedDuration(P, first).expectedDuration())
        .as("a preview expects the same")
        .isEqualTo(Duration.ofSeconds(5));

    PlannerCore rebuilt =
        new PlannerCore(
            PlatformPolicy.of(Map.of(P, List.of("core"))), Clock.fixed(NOW, ZoneOffset.UTC));
    log.forEach(rebuilt::fold);
    assertThat(rebuilt.queries().withLearnedDuration(P, first).expectedDuration())
        .isEqualTo(Duration.ofSeconds(5));
  }
}
