package dev.lockstep.console.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which success conditions a gate's chart draws as a threshold line, and the words beside it: one
 * comparison of the measured value with a number, whichever side the number is on and inside {@code
 * all}/{@code any}; nothing for a condition that has no single threshold.
 */
class GateThresholdTest {

  @Test
  void aSingleComparisonIsALineLabelledWithWhatPasses() {
    assertThat(label("result < 0.01")).hasValue("pass if < 0.01");
    assertThat(label("result[0] >= 1")).hasValue("pass if >= 1");
    assertThat(label("  result<=2.5e-3 ")).hasValue("pass if <= 2.5e-3");
    // the number first: turned round, so that the label reads from the measured value
    assertThat(label("0.5 > result")).hasValue("pass if < 0.5");
    assertThat(label("all(result, {# < 0.05})")).hasValue("pass if < 0.05");
    assertThat(label("any(result, # > 0.1)")).hasValue("pass if > 0.1");
    assertThat(label("result == 0")).hasValue("pass if == 0");
  }

  @Test
  void aConditionWithoutOneThresholdDrawsNoLine() {
    assertThat(label("result < 0.01 && result > 0")).isEmpty();
    assertThat(label("len(result) == 3")).isEmpty();
    assertThat(label("!(result < 1)")).isEmpty();
    assertThat(label("result < other")).isEmpty();
    assertThat(label("")).isEmpty();
  }

  private static Optional<String> label(String condition) {
    return UpgradeRendering.threshold(condition).map(UpgradeRendering.Threshold::label);
  }
}
