package dev.lockstep.validator.analysis;

import java.time.Instant;

/** What the analysis says to do next with a gate. */
public sealed interface Decision {
  /** Take the next measurement now. */
  record Measure() implements Decision {}

  /** Nothing to do before {@code at}; decide again then. */
  record WaitUntil(Instant at) implements Decision {}

  /** The gate passed; {@code summary} says why, for people. */
  record Passed(String summary) implements Decision {}

  /** The gate failed; {@code reason} says why, for people. */
  record Failed(String reason) implements Decision {}
}
