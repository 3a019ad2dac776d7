package dev.lockstep.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.Fixtures;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.Plan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code lockstep plan}: the planner's preview for people. */
class PlanPreviewTextTest {
  private final List<String> lines = PlanText.of(plan());

  private static Plan plan() {
    try {
      return Json.mapper().treeToValue(Fixtures.json("plan-preview.json"), Plan.class);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theHeaderHasTheReleasesRiskWithItsFactorsDowntimeDurationAndWindow() {
    assertThat(lines)
        .startsWith(
            "upgrade plan for dataos-prod: 2.3.0 -> 2.4.0",
            "risk      60/100",
            "          - stateful change: postgres",
            "          - migration: metis",
            "          - removal: hue",
            "          - layers touched: 3 (cloud-kernel, core-kernel, user-space)",
            "          - expected downtime: PT11M",
            "downtime  11m expected",
            "duration  about 9m12s when nothing fails",
            "window    starts between 2026-11-22T02:00:00Z and 2026-11-22T04:00:00Z",
            "notes     Faster metadata sync; fixes the poros lease leak.");
  }

  @Test
  void theVersionTableHasComponentLayerFromAndTo() {
    assertThat(lines)
        .containsSequence(
            "COMPONENT  LAYER         FROM    TO",
            "postgres   cloud-kernel  15.3.0  15.4.0",
            "poros      core-kernel   1.8.2   1.9.3",
            "metis      core-kernel   2.3.1   2.4.0",
            "hue        user-space    4.1.0   (removed)");
  }

  @Test
  void eachWaveListsItsStepsInOrderAndItsGates() {
    assertThat(lines)
        .containsSequence(
            "wave 0 (cloud-kernel): 2 steps",
            "  STEP   COMPONENT  ACTION     CHANGE",
            "  s-0-1  postgres   backup     15.3.0 -> 15.4.0",
            "  s-0-2  postgres   set-image  15.3.0 -> 15.4.0",
            "  gates: error-rate (prometheus)");
    assertThat(lines)
        .containsSequence(
            "wave 2 (core-kernel): 4 steps",
            "  STEP   COMPONENT  ACTION            CHANGE",
            "  s-2-1  metis      drain             2.3.1 -> 2.4.0",
            "  s-2-2  metis      migrate           2.3.1 -> 2.4.0",
            "  s-2-3  metis      set-image         2.3.1 -> 2.4.0",
            "  s-2-4  metis      restore-replicas  2.3.1 -> 2.4.0",
            "  gates: metis-health (http, metis), error-rate (prometheus)");
    assertThat(lines)
        .containsSequence(
            "wave 3 (user-space): 1 step",
            "  STEP   COMPONENT  ACTION  CHANGE",
            "  s-3-1  hue        remove  4.1.0 -> (removed)");
  }
}
