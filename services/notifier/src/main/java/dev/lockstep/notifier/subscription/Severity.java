package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How urgent a notice is; a subscription asks for a minimum. Written in lower case on the wire. */
public enum Severity {
  /** Progress and plans: worth knowing, nothing to do. */
  INFO,
  /** Something did not go as planned, or someone must act soon (approval, rejection, rollback). */
  WARNING,
  /** An upgrade or a rollback failed: people must act now. */
  CRITICAL;

  /** The wire name: {@code info}, {@code warning}, {@code critical}. */
  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads a wire name; a clear error for anything else. */
  @JsonCreator
  public static Severity parse(String value) {
    for (Severity severity : values()) {
      if (severity.wire().equalsIgnoreCase(value)) {
        return severity;
      }
    }
    throw new IllegalArgumentException(
        "unknown severity '" + value + "' (expected info, warning or critical)");
  }
}
