package dev.lockstep.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.Fixtures;
import dev.lockstep.cli.model.Upgrade;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code lockstep watch}: one plain line per change when piped, a block redrawn in place on a
 * terminal.
 */
class WatchProgressTest {
  private static final ZoneId UTC = ZoneOffset.UTC;
  private final Upgrade waiting = Upgrade.of(Fixtures.json("upgrade-waiting-gate.json"));
  private final Upgrade rolledBack = Upgrade.of(Fixtures.json("upgrade-rolled-back.json"));

  @Test
  void theFirstLookTellsTheStorySoFarInOrder() {
    assertThat(ProgressLines.changes(null, waiting, UTC))
        .containsExactly(
            "10:00:02  upgrade " + waiting.upgradeId() + " of dataos-prod: 2.3.0 -> 2.4.0",
            "10:00:03  step s-0-1 postgres set-image started",
            "10:00:04  step s-0-1 postgres set-image succeeded",
            "10:00:05  gate pg-health (prometheus, wave 0) evaluating",
            "10:00:06  gate pg-health passed",
            "10:00:07  step s-1-1 metis set-image started",
            "10:00:09  step s-1-1 metis set-image succeeded",
            "10:00:10  gate error-rate (prometheus, wave 1) evaluating",
            "10:00:13  postgres 15.3.0 -> 15.4.0: upgraded",
            "10:00:13  metis 2.3.1 -> 2.4.0: upgraded",
            "10:00:13  status waiting-gate");
  }

  @Test
  void aLaterLookPrintsOnlyWhatIsNewEndingWithTheStatus() {
    assertThat(ProgressLines.changes(waiting, rolledBack, UTC))
        .containsExactly(
            "10:00:13  gate error-rate measured 0.042 (failed): result < 0.01 is false",
            "10:00:14  gate error-rate failed: failureLimit 1 exceeded: error rate 0.042",
            "10:00:19  rollback step r-0-1 metis set-image started",
            "10:00:21  rollback step r-0-1 metis set-image succeeded",
            "10:00:22  rollback step r-1-1 postgres set-image started",
            "10:00:23  rollback step r-1-1 postgres set-image succeeded",
            "10:00:25  postgres back to 15.3.0: rolled-back",
            "10:00:25  metis back to 2.3.1: rolled-back",
            "10:00:25  status rolled-back after 23s");
  }

  @Test
  void anEndThatIsNotACompletionSaysWhy() {
    com.fasterxml.jackson.databind.node.ObjectNode json =
        Fixtures.json("upgrade-rolled-back.json").deepCopy();

    json.put("status", "failed");
    String failed = ProgressLines.status(Upgrade.of(json));
    json.put("status", "rollback-failed");
    String rollbackFailed = ProgressLines.status(Upgrade.of(json));

    assertThat(failed).isEqualTo("status failed: gate error-rate failed");
    assertThat(rollbackFailed)
        .isEqualTo("status rollback-failed after 23s: gate error-rate failed");
  }

  @Test
  void aLookThatChangesNothingPrintsNothing() {
    assertThat(ProgressLines.changes(rolledBack, rolledBack, UTC)).isEmpty();
  }

  /**
   * What steps, gates and approvals did carries the services' times, so it reads the same however
   * often the command looks; a component's state is what each look finds (a look during the
   * rollback sees metis upgraded, one after it only rolled back).
   */
  @Test
  void whatHappenedReadsTheSameHoweverOftenTheCommandLooks() {
    List<String> twoLooks = new ArrayList<>(ProgressLines.changes(null, waiting, UTC));
    twoLooks.addAll(ProgressLines.changes(waiting, rolledBack, UTC));
    List<String> oneLook = ProgressLines.changes(null, rolledBack, UTC);

    assertThat(facts(twoLooks)).containsExactlyInAnyOrderElementsOf(facts(oneLook));
  }

  private static List<String> facts(List<String> lines) {
    return lines.stream()
        .filter(l -> !l.contains("  status ") && !l.contains("  upgrade "))
        .filter(l -> !l.endsWith(": upgraded") && !l.endsWith(": rolled-back"))
        .toList();
  }

  @Test
  void theTerminalBlockShowsTheVersionTableWhatRunsNowAndTheLatestFact() {
    assertThat(LiveView.of(waiting, Instant.parse("2026-11-22T10:00:20Z"), UTC))
        .containsExactly(
            "upgrade " + waiting.upgradeId() + " of dataos-prod: 2.3.0 -> 2.4.0",
            "status waiting-gate, 18s",
            "",
            "COMPONENT  FROM    TO      STATE",
            "postgres   15.3.0  15.4.0  upgraded",
            "metis      2.3.1   2.4.0   upgraded",
            "",
            "now   gate error-rate (prometheus)",
            "last  10:00:10  gate error-rate (prometheus, wave 1) evaluating");
  }

  @Test
  void theTerminalBlockOfAnEndedUpgradeShowsHowItEnded() {
    assertThat(LiveView.of(rolledBack, Instant.parse("2026-11-22T11:00:00Z"), UTC))
        .containsExactly(
            "upgrade " + rolledBack.upgradeId() + " of dataos-prod: 2.3.0 -> 2.4.0",
            "status rolled-back after 23s",
            "",
            "COMPONENT  FROM    TO      STATE",
            "postgres   15.3.0  15.4.0  rolled-back",
            "metis      2.3.1   2.4.0   rolled-back",
            "last  10:00:23  rollback step r-1-1 postgres set-image succeeded");
  }

  @Test
  void eachFrameMovesBackOverThePreviousBlockAndClearsIt() {
    Redraw redraw = new Redraw(80);

    String first = redraw.frame(List.of("a", "b", "c"));
    String second = redraw.frame(List.of("d", "x".repeat(100)));
    String third = redraw.frame(List.of("e"));

    assertThat(first).isEqualTo("a\nb\nc\n");
    assertThat(second)
        .isEqualTo("\u001b[3A\r\u001b[J" + "d\n" + "x".repeat(78) + "…\n")
        .as("a line wider than the terminal is cut, or it would wrap and break the count");
    assertThat(third).startsWith("\u001b[2A\r\u001b[J").endsWith("e\n");
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertThat(Texts.duration(java.time.Duration.ofMinutes(11))).isEqualTo("11m");
    assertThat(Texts.duration(java.time.Duration.ofSeconds(150))).isEqualTo("2m30s");
    assertThat(Texts.duration(java.time.Duration.ofSeconds(3900))).isEqualTo("1h5m");
    assertThat(Texts.duration(java.time.Duration.ZERO)).isEqualTo("0s");
    assertThat(Texts.duration(java.time.Duration.ofMillis(250))).isEqualTo("250ms");
  }
}
