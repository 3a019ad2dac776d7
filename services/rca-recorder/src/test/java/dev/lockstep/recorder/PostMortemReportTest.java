package dev.lockstep.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.events.v1.StepRetried;
import dev.lockstep.recorder.projection.UpgradeFold;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.report.PostMortem;
import dev.lockstep.recorder.report.Timeline;
import dev.lockstep.recorder.store.NoteStore.Note;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The post-mortem and timeline of a failed, rolled-back upgrade: the failed gate with its
 * measurements, time to detect and time to roll back, who was told what, notes and the trace.
 */
class PostMortemReportTest {
  private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

  private final TestingScenario scenario =
      TestingScenario.failedGateRolledBack("dataos-test", START);
  private final UpgradeView view =
      UpgradeFold.fold(scenario.upgradeId, scenario.events()).orElseThrow();
  private final Timeline timeline = Timeline.of(scenario.upgradeId, scenario.events());
  private final Note note =
      new Note(
          1,
          scenario.upgradeId,
          "carol",
          "error budget <burned> by metis & friends",
          START.plusSeconds(60));

  @Test
  void theTimelineHasEachWaveGateAndTheRollbackWithTheirDurations() {
    assertThat(timeline.phases())
        .extracting(p -> p.name() + " " + p.duration() + " " + p.outcome())
        .contains(
            "wave 0 (cloud-kernel) PT3S succeeded",
            "gate pg-health PT1S passed",
            "wave 1 (core-kernel) PT7S failed",
            "gate error-rate PT4S failed",
            "rollback " + scenario.rollbackId + " PT8S rolled back",
            "rollback wave 0 (core-kernel) PT2S succeeded");
    assertThat(timeline.duration()).isEqualTo(Duration.ofSeconds(25));
  }

  @Test
  void thePostMortemNamesTheFailedGateWithItsMeasurementsAndBothDurations() {
    PostMortem report = PostMortem.of(view, timeline, List.of(note));

    assertThat(report.failedGate().name()).isEqualTo("error-rate");
    assertThat(report.timeToDetect())
        .as("change at 7 s, failed verdict at 14 s")
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(report.timeToRollBack())
        .as("verdict at 14 s, restored at 25 s")
        .isEqualTo(Duration.ofSeconds(11));

    String md = report.markdown();
    assertThat(md)
        .contains("**Status:** rolled-back")
        .contains("**Requested by:** " + TestingScenario.REQUESTED_BY)
        .contains("**Release:** 2.3.0 -> 2.4.0")
        .contains("| metis | 2.3.1 | 2.4.0 | rolled-back |")
        .contains("| notebooks | 1.8.2 | 2.0.0 | not-started |")
        .contains("Gate **error-rate** (prometheus, w1-error-rate) failed: failureLimit 1 exceeded")
        .contains("| 1 | failed | 0.042 | result < 0.01 is false | " + START.plusSeconds(13) + " |")
        .contains("**Time to detect** (change to failed verdict): 7s")
        .contains("**Time to roll back** (verdict to platform restored): 11s")
        .contains("| data-platform | slack:#data-platform | dev.lockstep.gate.failed | delivered |")
        .contains("| sre | webhook:pager | dev.lockstep.gate.failed | failed (HTTP 503) |")
        .contains("| when | team | channel or feed | about | outcome |")
        .contains("| data-platform | feed | dev.lockstep.gate.failed | delivered |")
        .contains("| sre | feed | dev.lockstep.gate.failed | delivered |")
        .contains("carol: error budget <burned> by metis & friends")
        .contains("Trace id: `4bf92f3577b34da6a3ce929d0e0e4736`");
  }

  @Test
  void withATraceViewerThePostMortemLinksTheUpgradesTraceAndWithoutOneShowsItsId() {
    String viewer = "http://127.0.0.1:9411/zipkin/traces/{traceId}";
    PostMortem report = PostMortem.of(view, timeline, List.of(note)).withTraceViewer(viewer);

    String trace = "http://127.0.0.1:9411/zipkin/traces/4bf92f3577b34da6a3ce929d0e0e4736";
    assertThat(report.markdown())
        .contains("Trace id: `4bf92f3577b34da6a3ce929d0e0e4736`")
        .contains("[The upgrade's trace](" + trace + ")");
    assertThat(report.html()).contains("<a href=\"" + trace + "\">the upgrade's trace</a>");
    assertThat(PostMortem.of(view, timeline, List.of(note)).withTraceViewer("").markdown())
        .contains("Trace id: `4bf92f3577b34da6a3ce929d0e0e4736`")
        .doesNotContain("The upgrade's trace");
  }

  @Test
  void theHtmlPostMortemCarriesTheSameFactsEscaped() {
    String html = PostMortem.of(view, timeline, List.of(note)).html();

    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains("<td>result &lt; 0.01 is false</td>")
        .contains("<td>0.042</td>")
        .contains("(change to failed verdict): 7s")
        .contains("(verdict to platform restored): 11s")
        .contains("<td>notebooks</td><td>1.8.2</td><td>2.0.0</td><td>not-started</td>")
        .contains("<td>sre</td><td>feed</td><td>dev.lockstep.gate.failed</td><td>delivered</td>")
        .contains("error budget &lt;burned&gt; by metis &amp; friends")
        .doesNotContain("<burned>");
  }

  @Test
  void anUpgradeThatDidNotFailSaysSoAndHasNoDurations() {
    int gateFailed = 0;
    while (!scenario.events().get(gateFailed).type().endsWith("gate.failed")) {
      gateFailed++;
    }
    var soFar = scenario.events().subList(0, gateFailed);
    UpgradeView running = UpgradeFold.fold(scenario.upgradeId, soFar).orElseThrow();
    PostMortem report = PostMortem.of(running, Timeline.of(scenario.upgradeId, soFar), List.of());

    assertThat(report.markdown())
        .contains("Nothing failed.")
        .contains("**Time to detect** (change to failed verdict): -");
  }

  @Test
  void aRetriedStepIsALineOfTheTimelineWithItsAttemptAndReason() {
    List<EventEnvelope> story = new ArrayList<>(scenario.events());
    story.add(
        EventEnvelope.create(
            EventCatalog.standard(),
            "executor",
            "dataos-test",
            scenario.upgradeId,
            new StepRetried(
                scenario.upgradeId,
                "dataos-test",
                "s-1-1",
                1,
                "metis",
                StepAction.SET_IMAGE,
                2,
                3,
                "rollout of Deployment core/metis exceeded its progress deadline"),
            null,
            Clock.fixed(START.plusSeconds(8), ZoneOffset.UTC)));

    Timeline withRetry = Timeline.of(scenario.upgradeId, story);
    String md = PostMortem.of(view, withRetry, List.of()).markdown();

    assertThat(md)
        .contains(
            "| s-1-1 retried (attempt 2 of 3): rollout of Deployment core/metis exceeded its"
                + " progress deadline | "
                + START.plusSeconds(8)
                + " | "
                + START.plusSeconds(8)
                + " | 0s | retried |");
  }
}
