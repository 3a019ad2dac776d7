package dev.lockstep.cli.render;

import dev.lockstep.cli.model.Upgrade;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The block that {@code lockstep watch} redraws in place on a terminal: the upgrade, its status and
 * elapsed time, the version table with each component's state, what runs now, the latest fact, what
 * waits for a person, and why it failed.
 */
public final class LiveView {
  private LiveView() {}

  /** The block's lines for a view at a moment. */
  public static List<String> of(Upgrade u, Instant now, ZoneId zone) {
    List<String> lines = new ArrayList<>();
    lines.add(UpgradeText.title(u));
    String elapsed = "";
    if (u.startedAt() != null) {
      Instant end = u.endedAt() != null ? u.endedAt() : now;
      elapsed = ", " + Texts.duration(Duration.between(u.startedAt(), end));
    }
    lines.add(ProgressLines.status(u) + (u.endedAt() == null ? elapsed : ""));
    if (!u.versions().isEmpty()) {
      lines.add("");
      lines.addAll(UpgradeText.versionTable(u).lines());
    }
    List<String> running = new ArrayList<>();
    for (Upgrade.Step s : u.steps()) {
      if ("running".equals(s.state())) {
        running.add("step " + s.stepId() + " " + s.component() + " " + s.action());
      }
    }
    for (Upgrade.Gate g : u.gates()) {
      if ("requested".equals(g.state())) {
        String detail = UpgradeText.gateDetail(g);
        running.add(
            "gate " + g.name() + " (" + g.kind() + ")" + (detail.isEmpty() ? "" : ": " + detail));
      }
    }
    if (!running.isEmpty() || u.endedAt() == null) {
      lines.add("");
    }
    for (String step : running) {
      lines.add("now   " + step);
    }
    ProgressLines.facts(u).entrySet().stream()
        .filter(e -> !e.getKey().startsWith("version/"))
        .map(java.util.Map.Entry::getValue)
        .filter(f -> f.at() != null)
        .reduce((a, b) -> b.at().compareTo(a.at()) >= 0 ? b : a)
        .ifPresent(f -> lines.add("last  " + Texts.clock(f.at(), zone) + "  " + f.text()));
    List<String> waiting = UpgradeText.waitingApprovals(u);
    if (!waiting.isEmpty()) {
      lines.add("");
      lines.addAll(waiting);
    }
    return lines;
  }
}
