package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.StepSucceeded;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants that need only what the soak saw: its runs, the events and dead letters on the
 * topics, the garbage it sent, its HTTP answers and its faults. Pure functions.
 */
final class RunChecks {
  /** The statuses an upgrade may end with. */
  static final Set<String> ENDINGS = Set.of("completed", "rolled-back", "cancelled", "rejected");

  private RunChecks() {}

  /**
   * Every run ended by its events as one of {@link #ENDINGS}, by its deadline, and the recorder
   * says the same.
   */
  static List<Violation> ends(List<UpgradeRun> runs) {
    List<Violation> violations = new ArrayList<>();
    for (UpgradeRun run : runs) {
      String id = Invariant.ENDS.id();
      if (run.end() == null) {
        violations.add(
            new Violation(
                id,
                run.platform(),
                run.upgradeId(),
                run.kind()
                    + " upgrade did not end (deadline "
                    + run.deadline()
                    + ": "
                    + run.deadlineBasis()
                    + ")"
                    + " (recorder: "
                    + run.status()
                    + "; "
                    + String.join("; ", run.notes())
                    + ")"));
        continue;
      }
      if (!ENDINGS.contains(run.end())) {
        violations.add(
            new Violation(
                id,
                run.platform(),
                run.upgradeId(),
                run.kind() + " upgrade ended " + run.end() + " by its events"));
      }
      if (run.endedAt().isAfter(run.deadline())) {
        violations.add(
            new Violation(
                id,
                run.platform(),
                run.upgradeId(),
                "ended at "
                    + run.endedAt()
                    + ", after its deadline "
                    + run.deadline()
                    + " ("
                    + run.deadlineBasis()
                    + ")"));
      }
      if (!run.end().equals(run.status())) {
        violations.add(
            new Violation(
                id,
                run.platform(),
                run.upgradeId(),
                "ended "
                    + run.end()
                    + " by its events, but the recorder says "
                    + run.status()
                    + " (waited up to 90 s for it to end there)"));
      }
    }
    return violations;
  }

  /** No step succeeded twice (two distinct {@code step.succeeded} events) on the topics. */
  static List<Violation> stepsSucceededOnce(List<EventEnvelope> events) {
    Map<String, Set<String>> ids = new HashMap<>();
    Map<String, String> platforms = new HashMap<>();
    for (EventEnvelope e : events) {
      if (e.data() instanceof StepSucceeded s) {
        String key = s.upgradeId() + " step " + s.stepId();
        ids.computeIfAbsent(key, k -> new HashSet<>()).add(e.id());
        platforms.put(key, e.platform());
      }
    }
    List<Violation> violations = new ArrayList<>();
    ids.forEach(
        (key, distinct) -> {
          if (distinct.size() > 1) {
            violations.add(
                new Violation(
                    Invariant.ONCE.id(),
                    platforms.get(key),
                    key.substring(0, key.indexOf(' ')),
                    key + " succeeded " + distinct.size() + " times: events " + distinct));
          }
        });
    return violations;
  }

  /**
   * Every dead letter comes from a piece of injected garbage, every piece was dead-lettered, and
   * every record of the platforms on the event topics was a readable event.
   */
  static List<Violation> deadLetters(
      List<EventTap.DeadLetter> deadLetters,
      List<Garbage.Sent> garbage,
      List<EventTap.Unreadable> unreadable) {
    String id = Invariant.DEAD_LETTERS.id();
    Set<String> sent = new HashSet<>();
    Map<String, String> platformOf = new HashMap<>();
    for (Garbage.Sent g : garbage) {
      String at = "lockstep.requests/" + g.partition() + "@" + g.offset();
      sent.add(at);
      platformOf.put(at, g.platform());
    }
    Set<String> dead = new HashSet<>();
    List<Violation> violations = new ArrayList<>();
    for (EventTap.DeadLetter letter : deadLetters) {
      String at =
          letter.sourceTopic() + "/" + letter.sourcePartition() + "@" + letter.sourceOffset();
      dead.add(at);
      if (!sent.contains(at)) {
        violations.add(
            new Violation(
                id,
                letter.key(),
                null,
                "dead-lettered "
                    + at
                    + " ("
                    + letter.reasonCode()
                    + "), which is not injected garbage"));
      }
    }
    for (String at : sent) {
      if (!dead.contains(at)) {
        violations.add(
            new Violation(
                id, platformOf.get(at), null, "garbage " + at + " was never dead-lettered"));
      }
    }
    for (EventTap.Unreadable record : unreadable) {
      if (!sent.contains(record.topic() + "/" + record.partition() + "@" + record.offset())) {
        violations.add(
            new Violation(
                id,
                record.key(),
                null,
                record.topic()
                    + "/"
                    + record.partition()
                    + "@"
                    + record.offset()
                    + " is not a readable event: "
                    + record.problem()));
      }
    }
    return violations;
  }

  /** The 5xx answers that count: all but a 503 store-unavailable during a PostgreSQL restart. */
  static List<Violation> serverErrors(List<SoakHttp.ServerError> errors, List<Fault> faults) {
    List<Violation> violations = new ArrayList<>();
    for (SoakHttp.ServerError error : errors) {
      if (!excused(error, faults)) {
        violations.add(
            new Violation(
                Invariant.NO_5XX.id(),
                null,
                null,
                error.time()
                    + " "
                    + error.method()
                    + " "
                    + error.uri()
                    + " answered "
                    + error.status()
                    + ": "
                    + error.body()));
      }
    }
    return violations;
  }

  /** A 503 store-unavailable with Retry-After while PostgreSQL was away (and 10 s after). */
  static boolean excused(SoakHttp.ServerError error, List<Fault> faults) {
    if (error.status() != 503
        || error.retryAfter() == null
        || !error.body().contains("store-unavailable")) {
      return false;
    }
    for (Fault fault : faults) {
      if (fault.kind().equals("postgres-restart")) {
        Instant from = fault.startedAt();
        Instant to = fault.endedAt().plusSeconds(10);
        if (!error.time().isBefore(from) && !error.time().isAfter(to)) {
          return true;
        }
      }
    }
    return false;
  }
}
