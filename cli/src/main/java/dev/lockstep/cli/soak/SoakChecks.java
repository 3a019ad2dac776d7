package dev.lockstep.cli.soak;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.testkit.postgres.RestartablePostgres;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** Runs every invariant check once the load is over and the upgrades under way have ended. */
final class SoakChecks {
  /** The invariants' results and their violations. */
  record Result(
      List<SoakReport.InvariantResult> invariants,
      List<Violation> violations,
      List<String> notes) {}

  private final LocalMode local;
  private final RestartablePostgres postgres;
  private final EventTap tap;
  private final SoakHttp http;
  private final Supplier<List<URI>> recorders;
  private final Map<String, SoakReleases> releases;
  private final Garbage garbage;
  private final List<Fault> faults;
  private final List<UpgradeRun> runs;
  private final List<String> stuck;

  SoakChecks(
      LocalMode local,
      RestartablePostgres postgres,
      EventTap tap,
      SoakHttp http,
      Supplier<List<URI>> recorders,
      Map<String, SoakReleases> releases,
      Garbage garbage,
      List<Fault> faults,
      List<UpgradeRun> runs,
      List<String> stuck) {
    this.local = local;
    this.postgres = postgres;
    this.tap = tap;
    this.http = http;
    this.recorders = recorders;
    this.releases = releases;
    this.garbage = garbage;
    this.faults = faults;
    this.runs = runs;
    this.stuck = stuck;
  }

  Result run() {
    List<SoakReport.InvariantResult> results = new ArrayList<>();
    List<Violation> all = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<EventEnvelope> events = Soak.envelopes(tap);
    List<String> platforms = local.platforms();

    List<Violation> ends = new ArrayList<>(RunChecks.ends(runs));
    for (String platform : stuck) {
      ends.add(
          new Violation(
              Invariant.ENDS.id(),
              platform,
              null,
              "the platform's driver was still following an upgrade when the checks began"));
    }
    add(results, all, Invariant.ENDS, runs.size(), ends);

    Map<String, List<String>> namespaces = new LinkedHashMap<>();
    for (String platform : platforms) {
      namespaces.put(platform, local.sample(platform).namespaces());
    }
    int[] counted = {0};
    List<Violation> once =
        new ArrayList<>(
            MutationChecks.check(
                events, local.cluster().operations().all(), namespaces, Instant.now(), counted));
    once.addAll(RunChecks.stepsSucceededOnce(events));
    add(results, all, Invariant.ONCE, counted[0], once);

    List<Violation> finals = new ArrayList<>();
    for (String platform : platforms) {
      SamplePlatform sample = local.sample(platform);
      List<UpgradeRun> own = runs.stream().filter(r -> r.platform().equals(platform)).toList();
      if (own.stream().anyMatch(r -> r.end() == null)) {
        notes.add(
            platform
                + ": an upgrade did not end, so what its objects should run is not known; not compared");
        continue;
      }
      finals.addAll(
          StateChecks.finalObjects(
              platform,
              local.release(platform),
              sample.currentVersions(),
              own,
              http,
              recorders,
              local.cluster().client()));
    }
    add(results, all, Invariant.FINAL_OBJECTS, platforms.size(), finals);

    Set<String> ids = new HashSet<>();
    events.forEach(e -> ids.add(e.id()));
    String database =
        LocalServices.recorderDatabase(
            "lockstep_" + SamplePlatform.PLATFORM_ID.replaceAll("[^a-z0-9]", "_"));
    List<Violation> recorder =
        StateChecks.recorderHoldsTopics(
            postgres,
            database,
            Set.copyOf(platforms),
            ids,
            () -> {
              tap.catchUp(Duration.ofMinutes(1));
              Set<String> now = new HashSet<>();
              tap.events().forEach(r -> now.add(r.event().id()));
              return now;
            },
            Duration.ofMinutes(2));
    add(results, all, Invariant.RECORDER, ids.size(), recorder);

    awaitDeadLetters(Duration.ofSeconds(60));
    add(
        results,
        all,
        Invariant.DEAD_LETTERS,
        tap.deadLetters().size() + garbage.sent().size(),
        RunChecks.deadLetters(tap.deadLetters(), garbage.sent(), tap.unreadable()));

    add(
        results,
        all,
        Invariant.NO_5XX,
        (int) http.calls(),
        RunChecks.serverErrors(http.serverErrors(), faults));
    return new Result(results, all, notes);
  }

  /** Waits (bounded) until every piece of garbage has been dead-lettered at least once. */
  private void awaitDeadLetters(Duration patience) {
    Instant deadline = Instant.now().plus(patience);
    while (Instant.now().isBefore(deadline)) {
      Set<String> dead = new HashSet<>();
      tap.deadLetters()
          .forEach(
              d -> dead.add(d.sourceTopic() + "/" + d.sourcePartition() + "@" + d.sourceOffset()));
      boolean all =
          garbage.sent().stream()
              .allMatch(
                  g -> dead.contains("lockstep.requests/" + g.partition() + "@" + g.offset()));
      if (all) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void add(
      List<SoakReport.InvariantResult> results,
      List<Violation> all,
      Invariant invariant,
      int checked,
      List<Violation> violations) {
    results.add(
        new SoakReport.InvariantResult(
            invariant.id(), invariant.description(), checked, violations.size()));
    all.addAll(violations);
  }
}
