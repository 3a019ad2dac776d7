package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.AvailabilityObserved;
import dev.lockstep.events.v1.AvailabilityObserved.ComponentAvailability;
import dev.lockstep.recorder.projection.UpgradeFold;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.report.Availability;
import dev.lockstep.recorder.report.PostMortem;
import dev.lockstep.recorder.report.Timeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a prober saw of an upgrade appears in its post-mortem, per component, next to what the plan
 * expected: a component the plan keeps served that failed probes is marked; an upgrade nothing
 * probed has no such section.
 */
class AvailabilityReportTest {
  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

  private final TestingScenario scenario =
      TestingScenario.failedGateRolledBack("dataos-test", START);

  private List<EventEnvelope> probed() {
    List<EventEnvelope> story = new ArrayList<>(scenario.events());
    story.add(
        EventEnvelope.create(
            EventCatalog.standard(),
            "lockstep-local",
            scenario.platform,
            scenario.upgradeId,
            new AvailabilityObserved(
                scenario.upgradeId,
                scenario.platform,
                "lockstep local",
                START,
                START.plusSeconds(25),
                List.of(
                    new ComponentAvailability(
                        "postgres",
                        "http://postgres.storage:8080/health",
                        500,
                        0,
                        Duration.ZERO,
                        Duration.ZERO),
                    new ComponentAvailability(
                        "metis",
                        "http://metis.core:8080/health",
                        500,
                        40,
                        Duration.ofSeconds(2),
                        Duration.ofMillis(1500)))),
            null,
            Clock.fixed(START.plusSeconds(26), ZoneOffset.UTC)));
    return story;
  }

  @Test
  void eachProbedComponentIsReportedNextToWhatThePlanExpected() {
    List<EventEnvelope> story = probed();
    UpgradeView view = UpgradeFold.fold(scenario.upgradeId, story).orElseThrow();
    Availability availability = Availability.of(view, story);

    String md =
        PostMortem.of(view, Timeline.of(scenario.upgradeId, story), List.of(), availability)
            .markdown();

    assertThat(md)
        .contains("## Availability observed")
        .contains("The plan expected 2m 0s of downtime, for its drained components")
        .contains("1 component it keeps served failed probes (marked UNEXPECTED)")
        .contains("| postgres | 500 | 0 | 0s | 0s | served throughout |")
        .contains("| metis | 500 | 40 | 2s | 1.500s | served throughout (UNEXPECTED) |");
    assertThat(
            PostMortem.of(view, Timeline.of(scenario.upgradeId, story), List.of(), availability)
                .html())
        .contains("<h2>Availability observed</h2>");
  }

  @Test
  void anUpgradeNothingProbedHasNoAvailabilitySection() {
    List<EventEnvelope> story = scenario.events();
    UpgradeView view = UpgradeFold.fold(scenario.upgradeId, story).orElseThrow();

    assertThat(Availability.of(view, story)).isNull();
    assertThat(PostMortem.of(view, Timeline.of(scenario.upgradeId, story), List.of()).markdown())
        .doesNotContain("Availability observed");
  }
}
