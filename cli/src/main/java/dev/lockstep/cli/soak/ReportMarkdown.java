package dev.lockstep.cli.soak;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/** The soak's report in Markdown, for people (and for bench/README.md). A pure function. */
final class ReportMarkdown {
  private static final int MAX_LISTED = 50;

  private ReportMarkdown() {}

  static String of(SoakReport report) {
    StringBuilder md = new StringBuilder();
    SoakReport.Settings s = report.settings();
    md.append("# Soak report\n\n");
    md.append(
        String.format(
            "%s: %d platforms, %d instances of each service, %s minutes of load%s, seed %d (`lockstep soak --seed %d`).%n%n",
            report.passed() ? "**PASSED**" : "**FAILED**",
            s.platforms(),
            s.replicas(),
            trim(s.minutes()),
            s.faults() ? " with faults every " + s.faultInterval() : " without faults",
            report.seed(),
            report.seed()));
    md.append(
        String.format(
            "Load from %s to %s; checks ended %s (%s in all). The deadline of an upgrade is"
                + " derived from its plans: "
                + Deadlines.RULE
                + " The soak gives up following an upgrade after %s.%n%n",
            report.startedAt(),
            report.loadEndedAt(),
            report.endedAt(),
            human(Duration.between(report.startedAt(), report.endedAt())),
            s.giveUpAfter()));

    md.append("## Upgrades by outcome\n\n");
    md.append("| kind | ")
        .append(String.join(" | ", report.outcomes().keySet()))
        .append(" | total |\n|---|")
        .append("---|".repeat(report.outcomes().size()))
        .append("---|\n");
    for (Map.Entry<String, Map<String, Integer>> kind : report.byKind().entrySet()) {
      md.append("| ").append(kind.getKey()).append(" |");
      int total = 0;
      for (String outcome : report.outcomes().keySet()) {
        int n = kind.getValue().getOrDefault(outcome, 0);
        total += n;
        md.append(' ').append(n).append(" |");
      }
      md.append(' ').append(total).append(" |\n");
    }
    md.append("| **all** |");
    int all = 0;
    for (int n : report.outcomes().values()) {
      all += n;
      md.append(' ').append(n).append(" |");
    }
    md.append(' ').append(all).append(" |\n\n");
    if (!report.unexpected().isEmpty()) {
      md.append("Ended otherwise than their kind expects:\n\n");
      report.unexpected().stream()
          .limit(MAX_LISTED)
          .forEach(u -> md.append("- ").append(u).append('\n'));
      md.append('\n');
    }

    md.append(
        "## Invariants\n\n| invariant | checked | violations | meaning |\n|---|---|---|---|\n");
    for (SoakReport.InvariantResult i : report.invariants()) {
      md.append(
          String.format(
              "| %s | %d | %s | %s |%n",
              i.invariant(),
              i.checked(),
              i.violations() == 0 ? "0" : "**" + i.violations() + "**",
              i.description()));
    }
    md.append('\n');
    if (!report.violations().isEmpty()) {
      md.append("### Violations\n\n");
      report.violations().stream()
          .limit(MAX_LISTED)
          .forEach(
              v ->
                  md.append("- `")
                      .append(v.invariant())
                      .append("` ")
                      .append(v.platform() == null ? "" : v.platform() + " ")
                      .append(v.upgradeId() == null ? "" : v.upgradeId() + ": ")
                      .append(v.message())
                      .append('\n'));
      if (report.violations().size() > MAX_LISTED) {
        md.append("- ... and ")
            .append(report.violations().size() - MAX_LISTED)
            .append(" more (see the JSON report)\n");
      }
      md.append('\n');
    }

    md.append("## Faults injected\n\n");
    if (report.faultLog().isEmpty()) {
      md.append("None.\n\n");
    } else {
      md.append(
          report.faults().entrySet().stream()
              .map(e -> e.getKey() + ": " + e.getValue())
              .collect(Collectors.joining(", ", "", "\n\n")));
      md.append("| time | fault | target | what |\n|---|---|---|---|\n");
      report.faultLog().stream()
          .limit(MAX_LISTED * 4)
          .forEach(
              f ->
                  md.append(
                      String.format(
                          "| %s | %s | %s | %s |%n",
                          f.startedAt(), f.kind(), f.target(), f.detail())));
      md.append('\n');
    }

    md.append(
        "## Latency per hop\n\n| hop | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
    for (HopLatencies.Hop hop : report.latency()) {
      md.append(
          String.format(
              "| %s | %d | %d | %d | %d |%n",
              hop.hop(), hop.count(), hop.p50Millis(), hop.p99Millis(), hop.maxMillis()));
    }
    md.append('\n');
    SoakReport.Throughput t = report.throughput();
    md.append("## Throughput\n\n");
    md.append(
        String.format(
            "%d upgrades ended: %.2f per minute; %d events of the platforms: %.1f per second.%n%n",
            t.upgradesEnded(), t.upgradesPerMinute(), t.events(), t.eventsPerSecond()));
    md.append(
        String.format(
            "Garbage records put on lockstep.requests: %d; dead letters: %d (one per consumer group"
                + " that reads the topic). HTTP calls by the soak: %d; 5xx answers: %d, of which %d"
                + " were a 503 store-unavailable while PostgreSQL restarted (not counted).%n%n",
            report.garbage().sent(),
            report.garbage().deadLetters(),
            report.http().calls(),
            report.http().serverErrors().size(),
            report.http().serverErrors().size()
                - report.invariants().stream()
                    .filter(i -> i.invariant().equals(Invariant.NO_5XX.id()))
                    .mapToInt(SoakReport.InvariantResult::violations)
                    .sum()));
    if (!report.notes().isEmpty()) {
      md.append("## Notes\n\n");
      report.notes().forEach(n -> md.append("- ").append(n).append('\n'));
      md.append('\n');
    }
    return md.toString();
  }

  private static String trim(double minutes) {
    return minutes == Math.rint(minutes) ? Long.toString((long) minutes) : Double.toString(minutes);
  }

  private static String human(Duration d) {
    return d.toMinutes() + " min " + d.toSecondsPart() + " s";
  }
}
