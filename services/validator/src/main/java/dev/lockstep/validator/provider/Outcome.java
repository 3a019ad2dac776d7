package dev.lockstep.validator.provider;

import dev.lockstep.events.v1.MeasurementPhase;
import jakarta.annotation.Nullable;

/**
 * What one measurement found: its phase, the value (as text) and a message for people, free of
 * secrets.
 *
 * @param phase successful, failed, inconclusive or error
 * @param value the measured value, or null when there was none
 * @param message what was measured or what went wrong
 */
public record Outcome(MeasurementPhase phase, @Nullable String value, String message) {
  /** The condition held. */
  public static Outcome successful(@Nullable String value, String message) {
    return new Outcome(MeasurementPhase.SUCCESSFUL, value, message);
  }

  /** The condition did not hold. */
  public static Outcome failed(@Nullable String value, String message) {
    return new Outcome(MeasurementPhase.FAILED, value, message);
  }

  /** There was no data to decide. */
  public static Outcome inconclusive(String message) {
    return new Outcome(MeasurementPhase.INCONCLUSIVE, null, message);
  }

  /** The provider could not be asked or answered with an error. */
  public static Outcome error(String message) {
    return new Outcome(MeasurementPhase.ERROR, null, message);
  }

  /** Successful or failed as {@code ok} says. */
  public static Outcome of(boolean ok, @Nullable String value, String message) {
    return ok ? successful(value, message) : failed(value, message);
  }
}
