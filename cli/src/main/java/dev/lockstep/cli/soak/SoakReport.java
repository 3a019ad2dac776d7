package dev.lockstep.cli.soak;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a soak found, as written to {@code soak-report.json} (Jackson) and rendered by {@link
 * ReportMarkdown}.
 *
 * @param seed the random seed (the same seed makes the same choices; the timing differs)
 * @param startedAt when the load began
 * @param loadEndedAt when the soak stopped starting upgrades and injecting faults
 * @param endedAt when the checks ended
 * @param settings how it ran
 * @param outcomes upgrades by how the recorder says they ended
 * @param byKind upgrades by kind, then by outcome
 * @param unexpected upgrades that ended otherwise than their kind expects (findings, not violations
 *     unless an invariant says so)
 * @param invariants each invariant with its violations count
 * @param violations every violation with its evidence
 * @param faults faults by kind
 * @param faultLog every fault with its time and target
 * @param latency per hop
 * @param throughput upgrades per minute and events per second
 * @param garbage records of garbage sent and dead letters seen
 * @param http the soak's HTTP calls and every 5xx answer (counted or excused)
 * @param notes what the reader should know about this run
 * @param upgrades every upgrade
 */
record SoakReport(
    long seed,
    Instant startedAt,
    Instant loadEndedAt,
    Instant endedAt,
    Settings settings,
    Map<String, Integer> outcomes,
    Map<String, Map<String, Integer>> byKind,
    List<String> unexpected,
    List<InvariantResult> invariants,
    List<Violation> violations,
    Map<String, Integer> faults,
    List<Fault> faultLog,
    List<HopLatencies.Hop> latency,
    Throughput throughput,
    GarbageCount garbage,
    HttpCount http,
    List<String> notes,
    List<UpgradeRun> upgrades) {

  /** How the soak ran. */
  record Settings(
      int platforms,
      int replicas,
      double minutes,
      boolean faults,
      String giveUpAfter,
      String faultInterval,
      String reportDirectory) {}

  /** One invariant's result. */
  record InvariantResult(String invariant, String description, int checked, int violations) {}

  /** Throughput over the load's time. */
  record Throughput(
      int upgradesEnded, double upgradesPerMinute, int events, double eventsPerSecond) {}

  /** Garbage sent and dead letters seen. */
  record GarbageCount(int sent, int deadLetters) {}

  /** HTTP calls and 5xx answers. */
  record HttpCount(long calls, List<SoakHttp.ServerError> serverErrors) {}

  /** True when no invariant was violated. */
  boolean passed() {
    return violations.isEmpty();
  }
}
