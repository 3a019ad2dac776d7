package dev.lockstep.planner.windows;

import java.util.Locale;

/**
 * What happens to a running upgrade whose next wave would start after its window closed ({@code
 * lockstep.platforms.<id>.window-policy}).
 */
public enum WindowPolicy {
  /**
   * It is held and rescheduled into the platform's next recurring window ({@code
   * upgrade.rescheduled}); without recurring windows it stays held until {@code lockstep resume}.
   */
  PAUSE,
  /** It is cancelled, so what it changed is rolled back, as a cancel of a running upgrade is. */
  ROLLBACK;

  /** The policy of a configuration value, {@code pause} or {@code rollback}. */
  public static WindowPolicy of(String value) {
    for (WindowPolicy policy : values()) {
      if (policy.name().toLowerCase(Locale.ROOT).equals(value.trim().toLowerCase(Locale.ROOT))) {
        return policy;
      }
    }
    throw new IllegalArgumentException(
        "'" + value + "' is not a window policy (pause or rollback)");
  }

  /** The name in the configuration. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
