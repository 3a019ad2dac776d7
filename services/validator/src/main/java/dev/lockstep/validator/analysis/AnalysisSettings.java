package dev.lockstep.validator.analysis;

import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.GoDuration;
import java.time.Duration;

/**
 * The analysis settings of a gate with their defaults applied (Argo Rollouts' meaning): how often
 * to measure, how many measurements, the failures and consecutive errors tolerated, the consecutive
 * successes that pass early, and the overall timeout.
 *
 * @param interval the pause between measurements (also after an error)
 * @param count how many conclusive measurements to take
 * @param failureLimit failed or inconclusive measurements tolerated
 * @param consecutiveSuccessLimit consecutive successes that pass the gate, or 0 for none
 * @param consecutiveErrorLimit consecutive provider errors tolerated
 * @param timeout the longest the gate may take, from the request
 */
public record AnalysisSettings(
    Duration interval,
    int count,
    int failureLimit,
    int consecutiveSuccessLimit,
    int consecutiveErrorLimit,
    Duration timeout) {
  /** The pause between measurements when a gate names none. */
  public static final Duration DEFAULT_INTERVAL = dev.lockstep.manifest.Gate.DEFAULT_INTERVAL;

  /** Consecutive errors tolerated when a gate names no limit (Argo's default). */
  public static final int DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

  /** The overall timeout when a gate names none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  public AnalysisSettings {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive");
    }
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1");
    }
    if (failureLimit < 0 || consecutiveSuccessLimit < 0 || consecutiveErrorLimit < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
  }

  /**
   * The settings of a gate; an {@link IllegalArgumentException} with a clear message when a
   * duration or a limit is malformed.
   */
  public static AnalysisSettings of(Gate gate) {
    return new AnalysisSettings(
        GoDuration.parseOr(gate.interval(), DEFAULT_INTERVAL),
        gate.count() == null ? 1 : gate.count(),
        gate.failureLimit() == null ? 0 : gate.failureLimit(),
        gate.consecutiveSuccessLimit() == null ? 0 : gate.consecutiveSuccessLimit(),
        gate.consecutiveErrorLimit() == null
            ? DEFAULT_CONSECUTIVE_ERROR_LIMIT
            : gate.consecutiveErrorLimit(),
        GoDuration.parseOr(gate.timeout(), DEFAULT_TIMEOUT));
  }

  /** The settings of a baseline capture: one conclusive measurement, errors as for the gate. */
  public AnalysisSettings forBaselineCapture() {
    return new AnalysisSettings(interval, 1, 0, 0, consecutiveErrorLimit, timeout);
  }
}
