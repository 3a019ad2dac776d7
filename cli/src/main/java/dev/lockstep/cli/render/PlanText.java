package dev.lockstep.cli.render;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.PlannedGate;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.events.v1.Wave;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A plan for people ({@code lockstep plan}): what moves from which version to which, the waves in
 * the order they run with their steps and gates, the risk, the expected downtime, the expected
 * duration and the window.
 */
public final class PlanText {
  private PlanText() {}

  /** The lines of a plan preview. */
  public static List<String> of(Plan plan) {
    List<String> lines = new ArrayList<>();
    String releases = Texts.releases(plan.fromRelease(), plan.toRelease());
    lines.add(
        plan.mode().wire()
            + " plan for "
            + plan.platform()
            + (releases.isEmpty() ? "" : ": " + releases)
            + (plan.rollbackOf() == null ? "" : " (rolls back " + plan.rollbackOf() + ")"));
    lines.add(
        field(
            "risk",
            plan.risk().score()
                + "/100"
                + (plan.risk().factors().isEmpty() ? ", no factors" : "")));
    for (String factor : plan.risk().factors()) {
      lines.add(field("", "- " + factor));
    }
    lines.add(
        field(
            "downtime",
            plan.expectedDowntime() == null || plan.expectedDowntime().isZero()
                ? "none expected"
                : Texts.duration(plan.expectedDowntime()) + " expected"));
    if (plan.expectedDuration() != null) {
      lines.add(
          field(
              "duration",
              "about " + Texts.duration(plan.expectedDuration()) + " when nothing fails"));
    }
    lines.add(field("window", window(plan)));
    if (plan.releaseNotes() != null && !plan.releaseNotes().isBlank()) {
      List<String> notes = plan.releaseNotes().strip().lines().toList();
      lines.add(field("notes", notes.get(0)));
      for (String more : notes.subList(1, notes.size())) {
        lines.add(field("", more));
      }
    }
    lines.add("");
    Table versions = new Table("component", "layer", "from", "to");
    for (VersionChange v : plan.versions()) {
      versions.row(v.component(), v.layer(), Texts.from(v.from()), Texts.to(v.to()));
    }
    if (versions.isEmpty()) {
      lines.add("no component changes");
    } else {
      lines.addAll(versions.lines());
    }
    for (Wave wave : plan.waves()) {
      lines.add("");
      lines.add(
          "wave "
              + wave.index()
              + " ("
              + wave.layer()
              + "): "
              + wave.steps().size()
              + (wave.steps().size() == 1 ? " step" : " steps"));
      Table steps = new Table("step", "component", "action", "change");
      for (PlanStep step : wave.steps()) {
        steps.row(
            step.id(), step.component(), step.action().wire(), change(step.from(), step.to()));
      }
      for (String line : steps.lines()) {
        lines.add("  " + line);
      }
      lines.add(
          "  gates: "
              + (wave.gates().isEmpty()
                  ? "none"
                  : wave.gates().stream().map(PlanText::gate).collect(Collectors.joining(", "))));
    }
    return lines;
  }

  private static String gate(PlannedGate g) {
    return g.name() + " (" + g.kind() + (g.component() == null ? "" : ", " + g.component()) + ")";
  }

  private static String change(String from, String to) {
    return Texts.from(from) + " -> " + Texts.to(to);
  }

  private static String window(Plan plan) {
    if (plan.window() == null
        || (plan.window().notBefore() == null && plan.window().notAfter() == null)) {
      return "none: starts when its turn comes";
    }
    String from = plan.window().notBefore() == null ? "now" : plan.window().notBefore().toString();
    String until =
        plan.window().notAfter() == null ? "no limit" : plan.window().notAfter().toString();
    return "starts between " + from + " and " + until;
  }

  private static String field(String name, String value) {
    return String.format("%-10s%s", name, value);
  }
}
