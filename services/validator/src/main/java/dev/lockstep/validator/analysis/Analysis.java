package dev.lockstep.validator.analysis;

import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The analysis of a gate as a pure function of its settings, the measurements taken so far and the
 * time: measure now, wait, passed, or failed and why. The rules, in the order they are applied (see
 * docs/gates.md):
 *
 * <ol>
 *   <li>more consecutive errors than {@code consecutiveErrorLimit}: failed (fail closed);
 *   <li>more failed or inconclusive measurements than {@code failureLimit}: failed;
 *   <li>{@code consecutiveSuccessLimit} consecutive successes: passed;
 *   <li>{@code count} conclusive (non-error) measurements taken: passed, unless a
 *       consecutive-success limit was set and not reached;
 *   <li>the timeout since the request elapsed: failed;
 *   <li>otherwise measure when the interval since the last measurement has elapsed.
 * </ol>
 */
public final class Analysis {
  private Analysis() {}

  /**
   * Decides what to do with a gate.
   *
   * @param settings the gate's analysis settings
   * @param measurements the measurements taken so far, oldest first
   * @param requestedAt when the gate was requested (the timeout runs from there)
   * @param now the current time
   */
  public static Decision decide(
      AnalysisSettings settings, List<Measurement> measurements, Instant requestedAt, Instant now) {
    Tally tally = Tally.of(measurements);
    if (tally.consecutiveErrors > settings.consecutiveErrorLimit()) {
      return new Decision.Failed(
          tally.consecutiveErrors
              + " consecutive measurements could not be taken (limit "
              + settings.consecutiveErrorLimit()
              + "); last error: "
              + lastMessage(measurements));
    }
    int unfavourable = tally.failed + tally.inconclusive;
    if (unfavourable > settings.failureLimit()) {
      return new Decision.Failed(failureReason(settings, tally, measurements));
    }
    if (settings.consecutiveSuccessLimit() > 0
        && tally.consecutiveSuccesses >= settings.consecutiveSuccessLimit()) {
      return new Decision.Passed(
          tally.consecutiveSuccesses
              + " consecutive successful measurements (limit "
              + settings.consecutiveSuccessLimit()
              + ")");
    }
    if (tally.conclusive >= settings.count()) {
      if (settings.consecutiveSuccessLimit() > 0) {
        return new Decision.Failed(
            "all "
                + settings.count()
                + " measurements were taken without "
                + settings.consecutiveSuccessLimit()
                + " consecutive successes; last: "
                + lastMessage(measurements));
      }
      return new Decision.Passed(
          tally.successful
              + " of "
              + tally.conclusive
              + " measurements successful, "
              + unfavourable
              + " unfavourable (limit "
              + settings.failureLimit()
              + ")");
    }
    Instant deadline = requestedAt.plus(settings.timeout());
    if (!now.isBefore(deadline)) {
      return new Decision.Failed(
          "timed out after "
              + human(settings.timeout())
              + " with "
              + tally.conclusive
              + " of "
              + settings.count()
              + " measurements taken"
              + (measurements.isEmpty() ? "" : "; last: " + lastMessage(measurements)));
    }
    if (measurements.isEmpty()) {
      return new Decision.Measure();
    }
    Instant next = measurements.get(measurements.size() - 1).measuredAt().plus(settings.interval());
    if (!now.isBefore(next)) {
      return new Decision.Measure();
    }
    return new Decision.WaitUntil(next.isBefore(deadline) ? next : deadline);
  }

  private static String failureReason(
      AnalysisSettings settings, Tally tally, List<Measurement> measurements) {
    StringBuilder reason = new StringBuilder();
    if (tally.failed > 0) {
      reason.append(tally.failed).append(" failed");
    }
    if (tally.inconclusive > 0) {
      if (reason.length() > 0) {
        reason.append(" and ");
      }
      reason.append(tally.inconclusive).append(" inconclusive (no data)");
    }
    reason
        .append(" measurements exceed the failure limit of ")
        .append(settings.failureLimit())
        .append("; last: ")
        .append(lastMessage(measurements));
    return reason.toString();
  }

  private static String lastMessage(List<Measurement> measurements) {
    for (int i = measurements.size() - 1; i >= 0; i--) {
      Measurement m = measurements.get(i);
      if (m.message() != null) {
        return m.message();
      }
      if (m.value() != null) {
        return "value " + m.value();
      }
    }
    return "none";
  }

  static String human(Duration duration) {
    String iso = duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    return iso;
  }

  /** Counts over the measurements so far. */
  private record Tally(
      int successful,
      int failed,
      int inconclusive,
      int conclusive,
      int consecutiveSuccesses,
      int consecutiveErrors) {
    static Tally of(List<Measurement> measurements) {
      int successful = 0;
      int failed = 0;
      int inconclusive = 0;
      int consecutiveSuccesses = 0;
      int consecutiveErrors = 0;
      for (Measurement m : measurements) {
        MeasurementPhase phase = m.phase();
        switch (phase) {
          case SUCCESSFUL -> {
            successful++;
            consecutiveSuccesses++;
            consecutiveErrors = 0;
          }
          case FAILED -> {
            failed++;
            consecutiveSuccesses = 0;
            consecutiveErrors = 0;
          }
          case INCONCLUSIVE -> {
            inconclusive++;
            consecutiveSuccesses = 0;
            consecutiveErrors = 0;
          }
          case ERROR -> consecutiveErrors++;
        }
      }
      return new Tally(
          successful,
          failed,
          inconclusive,
          successful + failed + inconclusive,
          consecutiveSuccesses,
          consecutiveErrors);
    }
  }
}
