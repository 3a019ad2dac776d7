package dev.lockstep.validator.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Argo Rollouts-style analysis: count, interval, failureLimit, consecutiveSuccessLimit,
 * consecutiveErrorLimit, inconclusive results and the overall timeout, decided from the
 * measurements so far and the time.
 */
class AnalysisSemanticsTest {
  private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
  private static final Duration INTERVAL = Duration.ofSeconds(10);

  private static AnalysisSettings settings(
      int count, int failureLimit, int successLimit, int errorLimit, Duration timeout) {
    return new AnalysisSettings(INTERVAL, count, failureLimit, successLimit, errorLimit, timeout);
  }

  private static List<Measurement> taken(MeasurementPhase... phases) {
    List<Measurement> list = new ArrayList<>();
    for (int i = 0; i < phases.length; i++) {
      list.add(new Measurement(i, phases[i], "v" + i, "m" + i, T0.plus(INTERVAL.multipliedBy(i))));
    }
    return list;
  }

  private static Instant afterLast(List<Measurement> measurements) {
    return measurements.get(measurements.size() - 1).measuredAt().plusMillis(1);
  }

  @Test
  void theFirstMeasurementIsTakenAtOnce() {
    Decision d = Analysis.decide(settings(3, 0, 0, 4, Duration.ofMinutes(5)), List.of(), T0, T0);
    assertThat(d).isInstanceOf(Decision.Measure.class);
  }

  @Test
  void theNextMeasurementWaitsForTheInterval() {
    List<Measurement> one = taken(MeasurementPhase.SUCCESSFUL);
    Decision d =
        Analysis.decide(settings(3, 0, 0, 4, Duration.ofMinutes(5)), one, T0, afterLast(one));
    assertThat(d).isEqualTo(new Decision.WaitUntil(T0.plus(INTERVAL)));
    Decision later =
        Analysis.decide(settings(3, 0, 0, 4, Duration.ofMinutes(5)), one, T0, T0.plus(INTERVAL));
    assertThat(later).isInstanceOf(Decision.Measure.class);
  }

  @Test
  void passesWhenCountMeasurementsStayWithinTheFailureLimit() {
    List<Measurement> m =
        taken(MeasurementPhase.SUCCESSFUL, MeasurementPhase.FAILED, MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(3, 1, 0, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Passed.class);
  }

  @Test
  void failsAsSoonAsFailuresExceedTheFailureLimit() {
    List<Measurement> m = taken(MeasurementPhase.FAILED, MeasurementPhase.FAILED);
    Decision d = Analysis.decide(settings(5, 1, 0, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Failed.class);
    assertThat(((Decision.Failed) d).reason())
        .contains("2 failed")
        .contains("failure limit of 1")
        .contains("m1");
  }

  @Test
  void oneFailureWithinTheLimitKeepsMeasuring() {
    List<Measurement> m = taken(MeasurementPhase.FAILED);
    Decision d =
        Analysis.decide(settings(5, 1, 0, 4, Duration.ofMinutes(5)), m, T0, T0.plus(INTERVAL));
    assertThat(d).isInstanceOf(Decision.Measure.class);
  }

  @Test
  void consecutiveSuccessesPassEarly() {
    List<Measurement> m =
        taken(MeasurementPhase.FAILED, MeasurementPhase.SUCCESSFUL, MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(10, 5, 2, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Passed.class);
    assertThat(((Decision.Passed) d).summary()).contains("2 consecutive successful");
  }

  @Test
  void aFailureBreaksTheRunOfSuccesses() {
    List<Measurement> m =
        taken(MeasurementPhase.SUCCESSFUL, MeasurementPhase.FAILED, MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(10, 5, 2, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.WaitUntil.class);
  }

  @Test
  void countReachedWithoutTheConsecutiveSuccessesFails() {
    List<Measurement> m =
        taken(MeasurementPhase.SUCCESSFUL, MeasurementPhase.FAILED, MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(3, 5, 2, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Failed.class);
    assertThat(((Decision.Failed) d).reason()).contains("without 2 consecutive successes");
  }

  @Test
  void inconclusiveMeasurementsCountAgainstTheFailureLimitAndSaySo() {
    List<Measurement> m = taken(MeasurementPhase.INCONCLUSIVE);
    Decision d = Analysis.decide(settings(3, 0, 0, 4, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Failed.class);
    assertThat(((Decision.Failed) d).reason()).contains("1 inconclusive (no data)");
  }

  @Test
  void errorsUpToTheLimitAreRetriedAndDoNotCountAsMeasurements() {
    List<Measurement> m =
        taken(MeasurementPhase.ERROR, MeasurementPhase.ERROR, MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(1, 0, 0, 2, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Passed.class);
    List<Measurement> errors = taken(MeasurementPhase.ERROR, MeasurementPhase.ERROR);
    Decision retry =
        Analysis.decide(
            settings(1, 0, 0, 2, Duration.ofMinutes(5)),
            errors,
            T0,
            T0.plus(INTERVAL.multipliedBy(2)));
    assertThat(retry).isInstanceOf(Decision.Measure.class);
  }

  @Test
  void tooManyConsecutiveErrorsFailTheGateClosed() {
    List<Measurement> m =
        taken(MeasurementPhase.ERROR, MeasurementPhase.ERROR, MeasurementPhase.ERROR);
    Decision d = Analysis.decide(settings(1, 0, 0, 2, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isInstanceOf(Decision.Failed.class);
    assertThat(((Decision.Failed) d).reason())
        .contains("3 consecutive measurements could not be taken (limit 2)")
        .contains("m2");
  }

  @Test
  void aSuccessResetsTheConsecutiveErrors() {
    List<Measurement> m =
        taken(
            MeasurementPhase.ERROR,
            MeasurementPhase.ERROR,
            MeasurementPhase.SUCCESSFUL,
            MeasurementPhase.ERROR,
            MeasurementPhase.ERROR);
    Decision d = Analysis.decide(settings(3, 0, 0, 2, Duration.ofMinutes(5)), m, T0, afterLast(m));
    assertThat(d).isNotInstanceOf(Decision.Failed.class);
  }

  @Test
  void theTimeoutFailsAGateThatHasNotDecided() {
    List<Measurement> m = taken(MeasurementPhase.SUCCESSFUL);
    Decision d =
        Analysis.decide(
            settings(5, 0, 0, 4, Duration.ofSeconds(30)), m, T0, T0.plus(Duration.ofSeconds(30)));
    assertThat(d).isInstanceOf(Decision.Failed.class);
    assertThat(((Decision.Failed) d).reason()).contains("timed out after 30s").contains("1 of 5");
  }

  @Test
  void theWaitNeverOutlastsTheTimeout() {
    List<Measurement> m = taken(MeasurementPhase.SUCCESSFUL);
    Decision d = Analysis.decide(settings(5, 0, 0, 4, Duration.ofSeconds(5)), m, T0, afterLast(m));
    assertThat(d).isEqualTo(new Decision.WaitUntil(T0.plus(Duration.ofSeconds(5))));
  }

  @Test
  void defaultsAreOneMeasurementNoFailuresFourErrorsTenMinutes() {
    dev.lockstep.manifest.Gate gate =
        new dev.lockstep.manifest.Gate(
            "g", null, null, null, null, null, null, null, null, null, null, null);
    AnalysisSettings s = AnalysisSettings.of(gate);
    assertThat(s)
        .isEqualTo(
            new AnalysisSettings(Duration.ofSeconds(10), 1, 0, 0, 4, Duration.ofMinutes(10)));
  }
}
