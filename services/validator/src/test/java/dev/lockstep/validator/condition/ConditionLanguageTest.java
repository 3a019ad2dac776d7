package dev.lockstep.validator.condition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The small condition language of prometheus gates: what it accepts, what it says, its errors. */
class ConditionLanguageTest {
  @Test
  void comparesAScalarResult() {
    Condition c = Condition.parse("result < 0.01");
    assertThat(c.test(List.of(0.005))).isTrue();
    assertThat(c.test(List.of(0.02))).isFalse();
  }

  @Test
  void indexesAVector() {
    Condition c = Condition.parse("result[1] >= 1");
    assertThat(c.test(List.of(0.0, 1.0))).isTrue();
    assertThat(c.test(List.of(5.0, 0.5))).isFalse();
  }

  @Test
  void quantifiesOverAVectorWithOrWithoutBraces() {
    assertThat(Condition.parse("all(result, {# < 0.05})").test(List.of(0.01, 0.02))).isTrue();
    assertThat(Condition.parse("all(result, # < 0.05)").test(List.of(0.01, 0.2))).isFalse();
    assertThat(Condition.parse("any(result, # > 0.1)").test(List.of(0.01, 0.2))).isTrue();
  }

  @Test
  void combinesWithAndOrNotAndParentheses() {
    Condition c = Condition.parse("len(result) == 2 && !(result[0] > 1 || result[1] > 1)");
    assertThat(c.test(List.of(0.5, 0.5))).isTrue();
    assertThat(c.test(List.of(0.5, 1.5))).isFalse();
    assertThat(c.test(List.of(0.5))).isFalse();
  }

  @Test
  void acceptsNegativeAndExponentNumbers() {
    assertThat(Condition.parse("result > -1e-3").test(List.of(0.0))).isTrue();
    assertThat(Condition.parse("-1 < result").test(List.of(0.0))).isTrue();
  }

  @Test
  void nanSatisfiesNoComparison() {
    assertThat(Condition.parse("result < 1").test(List.of(Double.NaN))).isFalse();
    assertThat(Condition.parse("result >= 1").test(List.of(Double.NaN))).isFalse();
  }

  @Test
  void badExpressionsSayWhatIsWrong() {
    assertThatThrownBy(() -> Condition.parse("result <"))
        .isInstanceOf(ConditionException.class)
        .hasMessageContaining("a value is missing at the end")
        .hasMessageContaining("'result <'");
    assertThatThrownBy(() -> Condition.parse("rate < 1"))
        .hasMessageContaining("unknown word 'rate'");
    assertThatThrownBy(() -> Condition.parse("result = 1"))
        .hasMessageContaining("unexpected character '='");
    assertThatThrownBy(() -> Condition.parse("result < 1 extra"))
        .hasMessageContaining("unknown word 'extra'");
    assertThatThrownBy(() -> Condition.parse("result < 1 2"))
        .hasMessageContaining("unexpected '2'");
    assertThatThrownBy(() -> Condition.parse("")).hasMessageContaining("empty");
    assertThatThrownBy(() -> Condition.parse("all(result, result < 1)"))
        .hasMessageContaining("'#' is expected");
  }

  @Test
  void aPlainResultOnAVectorOfSeveralValuesIsAnErrorNotAGuess() {
    Condition c = Condition.parse("result < 1");
    assertThatThrownBy(() -> c.test(List.of(0.1, 0.2)))
        .isInstanceOf(ConditionException.class)
        .hasMessageContaining("has 2");
    assertThatThrownBy(() -> Condition.parse("result[3] < 1").test(List.of(0.1)))
        .hasMessageContaining("result[3] does not exist");
  }
}
