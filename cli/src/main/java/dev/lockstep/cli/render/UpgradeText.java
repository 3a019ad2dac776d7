package dev.lockstep.cli.render;

import dev.lockstep.cli.model.Upgrade;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An upgrade for people, as an upgrade guide shows it: what it is, where it stands, then the
 * version table (component, from, to, state), the gates, what waits for whom, and why it failed.
 */
public final class UpgradeText {
  private UpgradeText() {}

  /** The lines of {@code lockstep status <upgradeId>}. */
  public static List<String> of(Upgrade u) {
    List<String> lines = new ArrayList<>();
    lines.add(title(u));
    lines.add(field("status", u.status()));
    if (u.requestedBy() != null) {
      lines.add(
          field("requested", u.requestedBy() + (u.reason() == null ? "" : ": " + u.reason())));
    }
    if (u.rollbackOf() != null) {
      lines.add(field("rolls back", u.rollbackOf()));
    }
    if (u.startedAt() != null) {
      String when = u.startedAt().toString();
      if (u.endedAt() != null) {
        when +=
            ", ended "
                + u.endedAt()
                + " ("
                + Texts.duration(Duration.between(u.startedAt(), u.endedAt()))
                + ")";
      }
      lines.add(field("started", when));
    } else if (u.endedAt() != null) {
      lines.add(field("ended", u.endedAt().toString()));
    }
    if (u.failure() != null) {
      lines.add(field(failureLabel(u), u.failure().reason()));
    }
    if (!u.rollbacks().isEmpty()) {
      lines.add(field("rollbacks", String.join(", ", u.rollbacks())));
    }
    if (u.traceId() != null) {
      lines.add(field("trace", u.traceId()));
    }
    if (!u.versions().isEmpty()) {
      lines.add("");
      lines.addAll(versionTable(u).lines());
    }
    List<Upgrade.Gate> gates = u.gates();
    if (!gates.isEmpty()) {
      lines.add("");
      Table table = new Table("gate", "kind", "wave", "state", "detail");
      for (Upgrade.Gate g : gates) {
        table.row(
            g.name(),
            g.kind(),
            (g.upgradeId() != null && !g.upgradeId().equals(u.upgradeId()) ? "rollback " : "")
                + g.wave(),
            g.state(),
            gateDetail(g));
      }
      lines.addAll(table.lines());
    }
    List<String> waiting = waitingApprovals(u);
    if (!waiting.isEmpty()) {
      lines.add("");
      lines.addAll(waiting);
    }
    return lines;
  }

  /** The version table: component, from, to, state. */
  public static Table versionTable(Upgrade u) {
    Table table = new Table("component", "from", "to", "state");
    for (Upgrade.Version v : u.versions()) {
      table.row(v.component(), Texts.from(v.from()), Texts.to(v.to()), v.state());
    }
    return table;
  }

  /** The lines of {@code lockstep status}: one upgrade a row, newest activity first. */
  public static List<String> list(List<Upgrade> upgrades) {
    if (upgrades.isEmpty()) {
      return List.of("no upgrades recorded");
    }
    Table table = new Table("upgrade", "platform", "mode", "status", "release", "started", "ended");
    for (Upgrade u : upgrades) {
      table.row(
          u.upgradeId(),
          u.platform(),
          u.mode(),
          u.status(),
          Texts.releases(u.fromRelease(), u.toRelease()),
          u.startedAt() == null ? "" : u.startedAt().toString(),
          u.endedAt() == null ? "" : u.endedAt().toString());
    }
    return table.lines();
  }

  /** {@code upgrade <id> of <platform>: 2.3.0 -> 2.4.0}. */
  public static String title(Upgrade u) {
    String releases = Texts.releases(u.fromRelease(), u.toRelease());
    return (u.isRollback() ? "rollback " : "upgrade ")
        + u.upgradeId()
        + " of "
        + u.platform()
        + (releases.isEmpty() ? "" : ": " + releases);
  }

  /** What a person must do for an approval that waits, with the command to do it. */
  public static List<String> waitingApprovals(Upgrade u) {
    List<String> lines = new ArrayList<>();
    for (Upgrade.Approval a : u.approvals()) {
      if (a.approvedBy() == null) {
        lines.add(
            "waiting for approval of step "
                + a.stepId()
                + " ("
                + a.component()
                + "): "
                + a.message());
        lines.add(
            "  approve it with: lockstep approve "
                + (a.upgradeId() == null ? u.upgradeId() : a.upgradeId())
                + " "
                + a.stepId());
      }
    }
    return lines;
  }

  static String gateDetail(Upgrade.Gate g) {
    if (g.reason() != null) {
      return g.reason();
    }
    if (g.measurements().isEmpty()) {
      return "";
    }
    Upgrade.Measurement last = g.measurements().get(g.measurements().size() - 1);
    return g.measurements().size()
        + (g.measurements().size() == 1 ? " measurement" : " measurements")
        + ", last "
        + (last.value() == null ? last.phase() : last.value() + " (" + last.phase() + ")");
  }

  private static String failureLabel(Upgrade u) {
    return switch (u.status()) {
      case "rejected" -> "rejected";
      case "cancelled" -> "cancelled";
      default -> "failure";
    };
  }

  private static String field(String name, String value) {
    return String.format("%-11s%s", name, value);
  }
}
