package dev.lockstep.recorder.report;

import dev.lockstep.events.UpgradeStatus;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.projection.UpgradeView.GateRow;
import dev.lockstep.recorder.projection.UpgradeView.NotificationRow;
import dev.lockstep.recorder.projection.UpgradeView.StepRow;
import dev.lockstep.recorder.projection.UpgradeView.VersionRow;
import dev.lockstep.recorder.store.NoteStore.Note;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An upgrade's post-mortem, built purely from its projection, timeline and notes: summary, version
 * table, timeline, the gate that failed with its measurements, time to detect (from the change to
 * the failed verdict), time to roll back (from the verdict to the platform restored), who was told
 * what and when (every channel delivery and every feed entry), the notes and the trace id. Rendered
 * as Markdown or HTML.
 *
 * @param view the upgrade
 * @param timeline its timeline
 * @param failedGate the gate whose failure stopped it, if one did
 * @param failedStep the step whose failure stopped it, if one did
 * @param timeToDetect from the change to the failed verdict
 * @param timeToRollBack from the verdict to the platform restored
 * @param notes what people added
 * @param availability what a prober saw of the components while it ran, when one did
 * @param traceViewer the URL of a trace in the operators' trace viewer, with {@code {traceId}} in
 *     it, for a link to the upgrade's trace; null to show the trace id alone
 */
public record PostMortem(
    UpgradeView view,
    Timeline timeline,
    @Nullable GateRow failedGate,
    @Nullable StepRow failedStep,
    @Nullable Duration timeToDetect,
    @Nullable Duration timeToRollBack,
    List<Note> notes,
    @Nullable Availability availability,
    @Nullable String traceViewer) {

  /** The post-mortem of an upgrade that nothing probed. */
  public static PostMortem of(UpgradeView view, Timeline timeline, List<Note> notes) {
    return of(view, timeline, notes, null);
  }

  /** The post-mortem of an upgrade, with what a prober saw of it when something probed it. */
  public static PostMortem of(
      UpgradeView view, Timeline timeline, List<Note> notes, @Nullable Availability availability) {
    GateRow failedGate = null;
    for (GateRow gate : view.gates()) {
      if (!"failed".equals(gate.state()) || !gate.upgradeId().equals(view.upgradeId())) {
        continue;
      }
      boolean named = view.failure() != null && gate.gateId().equals(view.failure().failedGateId());
      if (failedGate == null || named) {
        failedGate = gate;
      }
    }
    StepRow failedStep = null;
    for (StepRow step : view.steps()) {
      if ("failed".equals(step.state()) && step.upgradeId().equals(view.upgradeId())) {
        failedStep = failedStep == null ? step : failedStep;
      }
    }
    Instant change = null;
    Instant verdict = null;
    if (failedGate != null) {
      change = failedGate.changeStartedAt();
      verdict = failedGate.decidedAt();
    } else if (failedStep != null) {
      change = failedStep.startedAt();
      verdict = failedStep.endedAt();
    }
    Instant restored = null;
    for (Timeline.Phase phase : timeline.phases()) {
      if ("rollback".equals(phase.kind()) && "rolled back".equals(phase.outcome())) {
        restored = phase.end();
      }
    }
    Duration detect = change != null && verdict != null ? Duration.between(change, verdict) : null;
    Duration rollBack =
        verdict != null && restored != null ? Duration.between(verdict, restored) : null;
    return new PostMortem(
        view,
        timeline,
        failedGate,
        failedStep,
        detect,
        rollBack,
        List.copyOf(notes),
        availability,
        null);
  }

  /** The same post-mortem, linking the upgrade's trace in this viewer (blank: none). */
  public PostMortem withTraceViewer(@Nullable String viewer) {
    return new PostMortem(
        view,
        timeline,
        failedGate,
        failedStep,
        timeToDetect,
        timeToRollBack,
        notes,
        availability,
        viewer == null || viewer.isBlank() ? null : viewer);
  }

  /** The upgrade's trace in the viewer, or null without a viewer or a trace. */
  public @Nullable String traceUrl() {
    return traceViewer == null || view.traceId() == null
        ? null
        : traceViewer.replace("{traceId}", view.traceId());
  }

  /** The post-mortem in Markdown. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Post-mortem: upgrade ").append(view.upgradeId()).append("\n\n");
    md.append("## Summary\n\n");
    for (String[] line : summary()) {
      md.append("- **").append(line[0]).append(":** ").append(line[1]).append('\n');
    }
    md.append("\n## Versions\n\n| component | from | to | state |\n|---|---|---|---|\n");
    for (VersionRow row : view.versions()) {
      md.append(cells(row.component(), dash(row.from()), dash(row.to()), row.state().wire()));
    }
    md.append(
        "\n## Timeline\n\n| phase | start | end | duration | outcome |\n|---|---|---|---|---|\n");
    for (Timeline.Phase phase : timeline.phases()) {
      md.append(
          cells(
              phase.name(),
              phase.start().toString(),
              phase.end() == null ? "-" : phase.end().toString(),
              human(phase.duration()),
              phase.outcome()));
    }
    md.append("\n## Failure\n\n");
    if (failedGate != null) {
      md.append("Gate **")
          .append(failedGate.name())
          .append("** (")
          .append(failedGate.kind())
          .append(", ")
          .append(failedGate.gateId())
          .append(") failed: ")
          .append(dash(failedGate.reason()))
          .append("\n\n| # | phase | value | message | measured at |\n|---|---|---|---|---|\n");
      for (Measurement m : failedGate.measurements()) {
        md.append(
            cells(
                Integer.toString(m.index()),
                m.phase().wire(),
                dash(m.value()),
                dash(m.message()),
                m.measuredAt().toString()));
      }
      md.append('\n');
    } else if (failedStep != null) {
      md.append("Step **")
          .append(failedStep.stepId())
          .append("** (")
          .append(failedStep.component())
          .append(", ")
          .append(failedStep.action())
          .append(") failed: ")
          .append(dash(failedStep.failure()))
          .append("\n\n");
    } else {
      md.append("Nothing failed.\n\n");
    }
    md.append("- **Time to detect** (change to failed verdict): ")
        .append(human(timeToDetect))
        .append('\n');
    md.append("- **Time to roll back** (verdict to platform restored): ")
        .append(human(timeToRollBack))
        .append("\n\n");
    if (availability != null) {
      md.append("## Availability observed\n\n").append(availabilityIntro()).append("\n\n");
      md.append(
          "| component | requests | failed | unavailable | longest outage | the plan expected |\n"
              + "|---|---|---|---|---|---|\n");
      for (String[] row : availabilityRows()) {
        md.append(cells(row));
      }
      md.append('\n');
    }
    md.append("## Who was told what, and when\n\n");
    if (view.notifications().isEmpty()) {
      md.append("No notification was recorded.\n");
    } else {
      md.append("| when | team | channel or feed | about | outcome |\n|---|---|---|---|---|\n");
      for (NotificationRow n : view.notifications()) {
        md.append(cells(n.at().toString(), n.team(), n.channel(), about(n), outcome(n)));
      }
    }
    md.append("\n## Notes\n\n");
    if (notes.isEmpty()) {
      md.append("No notes.\n");
    }
    for (Note note : notes) {
      md.append("- ")
          .append(note.createdAt())
          .append(", ")
          .append(note.author())
          .append(": ")
          .append(note.text().replace("\n", " "))
          .append('\n');
    }
    md.append("\n## Trace\n\nTrace id: `").append(dash(view.traceId())).append("`\n");
    if (traceUrl() != null) {
      md.append("\n[The upgrade's trace](").append(traceUrl()).append(")\n");
    }
    return md.toString();
  }

  /** The post-mortem as a standalone HTML page. */
  public String html() {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Post-mortem: ")
        .append(esc(view.upgradeId()))
        .append("</title></head><body>\n<h1>Post-mortem: upgrade ")
        .append(esc(view.upgradeId()))
        .append("</h1>\n<h2>Summary</h2>\n<ul>\n");
    for (String[] line : summary()) {
      html.append("<li><strong>")
          .append(esc(line[0]))
          .append(":</strong> ")
          .append(esc(line[1]))
          .append("</li>\n");
    }
    html.append("</ul>\n<h2>Versions</h2>\n");
    List<String[]> rows = new ArrayList<>();
    for (VersionRow row : view.versions()) {
      rows.add(
          new String[] {row.component(), dash(row.from()), dash(row.to()), row.state().wire()});
    }
    table(html, new String[] {"component", "from", "to", "state"}, rows);
    html.append("<h2>Timeline</h2>\n");
    rows = new ArrayList<>();
    for (Timeline.Phase phase : timeline.phases()) {
      rows.add(
          new String[] {
            phase.name(),
            phase.start().toString(),
            phase.end() == null ? "-" : phase.end().toString(),
            human(phase.duration()),
            phase.outcome()
          });
    }
    table(html, new String[] {"phase", "start", "end", "duration", "outcome"}, rows);
    html.append("<h2>Failure</h2>\n");
    if (failedGate != null) {
      html.append("<p>Gate <strong>")
          .append(esc(failedGate.name()))
          .append("</strong> (")
          .append(esc(failedGate.kind()))
          .append(", ")
          .append(esc(failedGate.gateId()))
          .append(") failed: ")
          .append(esc(dash(failedGate.reason())))
          .append("</p>\n");
      rows = new ArrayList<>();
      for (Measurement m : failedGate.measurements()) {
        rows.add(
            new String[] {
              Integer.toString(m.index()),
              m.phase().wire(),
              dash(m.value()),
              dash(m.message()),
              m.measuredAt().toString()
            });
      }
      table(html, new String[] {"#", "phase", "value", "message", "measured at"}, rows);
    } else if (failedStep != null) {
      html.append("<p>Step <strong>")
          .append(esc(failedStep.stepId()))
          .append("</strong> (")
          .append(esc(failedStep.component()))
          .append(", ")
          .append(esc(failedStep.action()))
          .append(") failed: ")
          .append(esc(dash(failedStep.failure())))
          .append("</p>\n");
    } else {
      html.append("<p>Nothing failed.</p>\n");
    }
    html.append("<ul>\n<li><strong>Time to detect</strong> (change to failed verdict): ")
        .append(esc(human(timeToDetect)))
        .append("</li>\n<li><strong>Time to roll back</strong> (verdict to platform restored): ")
        .append(esc(human(timeToRollBack)))
        .append("</li>\n</ul>\n");
    if (availability != null) {
      html.append("<h2>Availability observed</h2>\n<p>")
          .append(esc(availabilityIntro()))
          .append("</p>\n");
      table(
          html,
          new String[] {
            "component", "requests", "failed", "unavailable", "longest outage", "the plan expected"
          },
          availabilityRows());
    }
    html.append("<h2>Who was told what, and when</h2>\n");
    rows = new ArrayList<>();
    for (NotificationRow n : view.notifications()) {
      rows.add(new String[] {n.at().toString(), n.team(), n.channel(), about(n), outcome(n)});
    }
    if (rows.isEmpty()) {
      html.append("<p>No notification was recorded.</p>\n");
    } else {
      table(html, new String[] {"when", "team", "channel or feed", "about", "outcome"}, rows);
    }
    html.append("<h2>Notes</h2>\n");
    if (notes.isEmpty()) {
      html.append("<p>No notes.</p>\n");
    } else {
      html.append("<ul>\n");
      for (Note note : notes) {
        html.append("<li>")
            .append(esc(note.createdAt().toString()))
            .append(", ")
            .append(esc(note.author()))
            .append(": ")
            .append(esc(note.text()))
            .append("</li>\n");
      }
      html.append("</ul>\n");
    }
    html.append("<h2>Trace</h2>\n<p>Trace id: <code>")
        .append(esc(dash(view.traceId())))
        .append("</code>");
    if (traceUrl() != null) {
      html.append(" (<a href=\"").append(esc(traceUrl())).append("\">the upgrade's trace</a>)");
    }
    html.append("</p>\n</body></html>\n");
    return html.toString();
  }

  private String availabilityIntro() {
    long unexpected = availability.rows().stream().filter(Availability.Row::unexpected).count();
    return "Probed by "
        + availability.prober()
        + " from "
        + availability.from()
        + " to "
        + availability.to()
        + ". The plan expected "
        + (availability.expectedDowntime() == null || availability.expectedDowntime().isZero()
            ? "no downtime"
            : human(availability.expectedDowntime()) + " of downtime, for its drained components")
        + "; "
        + (unexpected == 0
            ? "no component it keeps served failed a probe."
            : unexpected
                + (unexpected == 1 ? " component" : " components")
                + " it keeps served failed probes (marked UNEXPECTED).");
  }

  private List<String[]> availabilityRows() {
    List<String[]> rows = new ArrayList<>();
    for (Availability.Row row : availability.rows()) {
      var seen = row.observed();
      rows.add(
          new String[] {
            seen.component(),
            Integer.toString(seen.requests()),
            Integer.toString(seen.failures()),
            human(seen.unavailable()),
            human(seen.longestOutage()),
            row.expected() + (row.unexpected() ? " (UNEXPECTED)" : "")
          });
    }
    return rows;
  }

  private List<String[]> summary() {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"Platform", view.platform()});
    lines.add(new String[] {"Mode", dash(view.mode())});
    lines.add(new String[] {"Status", view.status().wire()});
    lines.add(new String[] {"Release", dash(view.fromRelease()) + " -> " + dash(view.toRelease())});
    lines.add(new String[] {"Requested by", dash(view.requestedBy())});
    lines.add(new String[] {"Reason", dash(view.reason())});
    lines.add(
        new String[] {"Started", view.startedAt() == null ? "-" : view.startedAt().toString()});
    lines.add(new String[] {"Ended", view.endedAt() == null ? "-" : view.endedAt().toString()});
    if (view.failure() != null) {
      lines.add(new String[] {"Failure", view.failure().reason()});
    }
    if (!view.rollbacks().isEmpty()) {
      lines.add(new String[] {"Rolled back by", String.join(", ", view.rollbacks())});
    }
    if (view.status() == UpgradeStatus.ROLLED_BACK) {
      lines.add(new String[] {"Outcome", "the platform was restored to its versions before"});
    }
    return lines;
  }

  private static String about(NotificationRow n) {
    return n.about() == null ? n.sourceEventId() : n.about();
  }

  private static String outcome(NotificationRow n) {
    return n.outcome() + (n.reason() == null ? "" : " (" + n.reason() + ")");
  }

  private static void table(StringBuilder html, String[] head, List<String[]> rows) {
    html.append("<table>\n<tr>");
    for (String h : head) {
      html.append("<th>").append(esc(h)).append("</th>");
    }
    html.append("</tr>\n");
    for (String[] row : rows) {
      html.append("<tr>");
      for (String cell : row) {
        html.append("<td>").append(esc(cell)).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n");
  }

  private static String cells(String... values) {
    StringBuilder line = new StringBuilder("|");
    for (String value : values) {
      line.append(' ').append(value.replace("|", "\\|").replace("\n", " ")).append(" |");
    }
    return line.append('\n').toString();
  }

  /** A duration as people read it: {@code 1m 12.5s}, or {@code -} when unknown. */
  static String human(Duration duration) {
    if (duration == null) {
      return "-";
    }
    long millis = duration.toMillis();
    long minutes = millis / 60_000;
    double seconds = (millis % 60_000) / 1000.0;
    String secondsText =
        seconds == Math.floor(seconds)
            ? Long.toString((long) seconds) + "s"
            : String.format(java.util.Locale.ROOT, "%.3fs", seconds);
    return minutes > 0 ? minutes + "m " + secondsText : secondsText;
  }

  private static String dash(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }

  static String esc(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (char c : value.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
