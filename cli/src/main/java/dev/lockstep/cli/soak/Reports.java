package dev.lockstep.cli.soak;

import dev.lockstep.events.EventEnvelope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Puts a soak's report together from what it saw and checked. */
final class Reports {
  private Reports() {}

  static SoakReport build(
      Soak.Settings settings,
      Instant startedAt,
      Instant loadEndedAt,
      Instant endedAt,
      List<UpgradeRun> runs,
      SoakChecks.Result checks,
      List<Fault> faults,
      EventTap tap,
      Garbage garbage,
      SoakHttp http) {
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<String, Map<String, Integer>> byKind = new LinkedHashMap<>();
    for (UpgradeKind kind : UpgradeKind.values()) {
      byKind.put(kind.wire(), new TreeMap<>());
    }
    List<String> unexpected = new ArrayList<>();
    for (UpgradeRun run : runs) {
      String outcome = run.end() == null ? "did-not-end" : run.status();
      outcomes.merge(outcome, 1, Integer::sum);
      byKind.get(run.kind().wire()).merge(outcome, 1, Integer::sum);
      if (!run.kind().expected().contains(outcome)) {
        unexpected.add(
            run.platform()
                + " "
                + run.upgradeId()
                + " ("
                + run.kind()
                + ", release "
                + run.release()
                + "): "
                + outcome
                + (run.notes().isEmpty() ? "" : "; " + String.join("; ", run.notes())));
      }
    }
    Map<String, Integer> faultCounts = new TreeMap<>();
    faults.forEach(f -> faultCounts.merge(f.kind(), 1, Integer::sum));
    List<EventEnvelope> events = Soak.envelopes(tap);
    int ended = (int) runs.stream().filter(r -> r.end() != null).count();
    double minutes = Math.max(1, Duration.between(startedAt, loadEndedAt).toMillis()) / 60_000.0;
    long during =
        events.stream()
            .filter(e -> !e.time().isBefore(startedAt) && !e.time().isAfter(loadEndedAt))
            .count();
    SoakReport.Throughput throughput =
        new SoakReport.Throughput(
            ended,
            round(ended / minutes),
            (int) during,
            round(HopLatencies.perSecond(events, startedAt, loadEndedAt)));
    List<String> notes = new ArrayList<>(checks.notes());
    notes.add(
        "The sample release has no approval step of its own: the soak's releases give "
            + Soak.MAJOR_EVERY_RELEASE
            + " a new major version each time, so rolling back a release that reached it is a"
            + " major-version rollback, which the planner starts with an approve step. An approval"
            + " upgrade completes, then its rollback is requested (POST /api/v1/rollbacks) and its"
            + " approve step approved (POST /api/v1/upgrades/{id}/steps/{stepId}/approve); any other"
            + " approval asked for (a cancelled upgrade whose rollback crosses the major) is approved"
            + " too, one to three seconds after it is asked.");
    notes.add(
        "A failing-gate upgrade has its release's workbench image degraded in its platform's"
            + " namespace of the simulated endpoints: gate workbench-health fails in wave 3, before"
            + " notebooks changes, so its automatic rollback needs no approval.");
    notes.add(
        "A cancel strikes at a random point (at once, once started, or after 1 to 10 steps),"
            + " through POST /api/v1/upgrades/{id}/cancel or POST /api/v1/rollbacks at random;"
            + " one that comes after the upgrade completed is answered 409 (cancel) or rolls the"
            + " completed upgrade back (rollback).");
    notes.add(
        "Latencies are between the producers' event times (one machine, one clock), so they include"
            + " Kafka, consumer polls and the services' own work.");
    return new SoakReport(
        settings.seed(),
        startedAt,
        loadEndedAt,
        endedAt,
        new SoakReport.Settings(
            settings.platforms(),
            settings.replicas(),
            settings.load().toMillis() / 60_000.0,
            settings.faults(),
            settings.giveUpAfter().toString(),
            settings.faultMin().toSeconds() + " to " + settings.faultMax().toSeconds() + " s",
            settings.reportDirectory().toAbsolutePath().toString()),
        outcomes,
        byKind,
        unexpected,
        checks.invariants(),
        checks.violations(),
        faultCounts,
        faults,
        HopLatencies.of(events),
        throughput,
        new SoakReport.GarbageCount(garbage.sent().size(), tap.deadLetters().size()),
        new SoakReport.HttpCount(http.calls(), http.serverErrors()),
        notes,
        runs);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
