package dev.lockstep.cli.render;

import dev.lockstep.cli.model.Upgrade;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The progress of an upgrade as plain lines, one per change ({@code lockstep watch} when its output
 * is not a terminal): every fact of the new view that the previous one lacked (a step started or
 * ended, a gate asked, measured or decided, an approval asked or given, a component's new state),
 * oldest first, then the status when it changed. Facts carry the times the services recorded, so
 * the lines read the same however often the command polls.
 */
public final class ProgressLines {
  private static final Set<String> WITH_REASON =
      Set.of("failed", "rejected", "cancelled", "rollback-failed");

  private ProgressLines() {}

  /** A fact of an upgrade: when it happened and how it reads. */
  public record Fact(Instant at, String text) {}

  /** The lines for the change from {@code before} (null for the first view) to {@code after}. */
  public static List<String> changes(Upgrade before, Upgrade after, ZoneId zone) {
    List<String> lines = new ArrayList<>();
    if (before == null) {
      lines.add(
          line(
              after.startedAt() != null ? after.startedAt() : after.lastEventAt(),
              UpgradeText.title(after),
              zone));
    }
    Map<String, Fact> old = before == null ? Map.of() : facts(before);
    List<Fact> fresh = new ArrayList<>();
    facts(after)
        .forEach(
            (key, fact) -> {
              if (!old.containsKey(key)) {
                fresh.add(fact);
              }
            });
    fresh.sort(Comparator.comparing(Fact::at, Comparator.nullsLast(Comparator.naturalOrder())));
    for (Fact fact : fresh) {
      lines.add(line(fact.at(), fact.text(), zone));
    }
    if (before == null || !before.status().equals(after.status())) {
      lines.add(line(after.lastEventAt(), status(after), zone));
    }
    return lines;
  }

  /** Every fact of a view, by identity, in the order the view lists them. */
  public static Map<String, Fact> facts(Upgrade u) {
    Map<String, Fact> facts = new LinkedHashMap<>();
    for (Upgrade.Step s : u.steps()) {
      String key = "step/" + s.upgradeId() + "/" + s.stepId() + "/" + s.attempt();
      String name =
          (isRollback(u, s.upgradeId()) ? "rollback step " : "step ")
              + s.stepId()
              + " "
              + s.component()
              + " "
              + s.action()
              + (s.attempt() > 1 ? " (attempt " + s.attempt() + ")" : "");
      if (s.startedAt() != null || "running".equals(s.state())) {
        facts.put(key + "/started", new Fact(s.startedAt(), name + " started"));
      }
      if ("succeeded".equals(s.state())) {
        facts.put(key + "/succeeded", new Fact(s.endedAt(), name + " succeeded"));
      } else if ("failed".equals(s.state())) {
        facts.put(
            key + "/failed",
            new Fact(
                s.endedAt(), name + " failed" + (s.failure() == null ? "" : ": " + s.failure())));
      }
    }
    for (Upgrade.Gate g : u.gates()) {
      String key = "gate/" + g.upgradeId() + "/" + g.gateId();
      String name = "gate " + g.name();
      facts.put(
          key + "/requested",
          new Fact(
              g.requestedAt(),
              name
                  + " ("
                  + g.kind()
                  + ", "
                  + (isRollback(u, g.upgradeId()) ? "rollback " : "")
                  + "wave "
                  + g.wave()
                  + ") evaluating"));
      for (Upgrade.Measurement m : g.measurements()) {
        if ("successful".equals(m.phase())) {
          continue; // the gate's verdict says it; a failing measurement is news before it
        }
        facts.put(
            key + "/measured/" + m.index(),
            new Fact(
                m.measuredAt(),
                name
                    + " measured "
                    + (m.value() == null ? "" : m.value() + " ")
                    + "("
                    + m.phase()
                    + ")"
                    + (m.message() == null ? "" : ": " + m.message())));
      }
      if ("passed".equals(g.state()) || "failed".equals(g.state())) {
        facts.put(
            key + "/" + g.state(),
            new Fact(
                g.decidedAt(),
                name + " " + g.state() + (g.reason() == null ? "" : ": " + g.reason())));
      }
    }
    for (Upgrade.Approval a : u.approvals()) {
      String key = "approval/" + a.upgradeId() + "/" + a.stepId();
      String id = a.upgradeId() == null ? u.upgradeId() : a.upgradeId();
      facts.put(
          key + "/requested",
          new Fact(
              a.requestedAt(),
              "step "
                  + a.stepId()
                  + " ("
                  + a.component()
                  + ") waits for approval: "
                  + a.message()
                  + "; approve it with: lockstep approve "
                  + id
                  + " "
                  + a.stepId()));
      if (a.approvedBy() != null) {
        facts.put(
            key + "/approved",
            new Fact(a.approvedAt(), "step " + a.stepId() + " approved by " + a.approvedBy()));
      }
    }
    for (Upgrade.Version v : u.versions()) {
      if (v.state() != null && !"pending".equals(v.state()) && !"not-started".equals(v.state())) {
        facts.put(
            "version/" + v.component() + "/" + v.state(),
            new Fact(u.lastEventAt(), versionText(v)));
      }
    }
    return facts;
  }

  /** How the status reads: with the failure's reason, the rollback, or the duration at the end. */
  public static String status(Upgrade u) {
    StringBuilder b = new StringBuilder("status ").append(u.status());
    if ("rolling-back".equals(u.status()) && !u.rollbacks().isEmpty()) {
      b.append(" (rollback ").append(u.rollbacks().get(u.rollbacks().size() - 1)).append(')');
    }
    if (u.endedAt() != null && u.startedAt() != null && !"failed".equals(u.status())) {
      b.append(" after ").append(Texts.duration(Duration.between(u.startedAt(), u.endedAt())));
    }
    if (WITH_REASON.contains(u.status()) && u.failure() != null) {
      b.append(": ").append(u.failure().reason());
    }
    return b.toString();
  }

  private static String versionText(Upgrade.Version v) {
    return switch (v.state()) {
      case "upgraded" ->
          v.component() + " " + Texts.from(v.from()) + " -> " + Texts.to(v.to()) + ": upgraded";
      case "rolled-back" -> v.component() + " back to " + Texts.from(v.from()) + ": rolled-back";
      default ->
          v.component() + " " + Texts.from(v.from()) + " -> " + Texts.to(v.to()) + ": " + v.state();
    };
  }

  private static boolean isRollback(Upgrade u, String ownerId) {
    return ownerId != null && !ownerId.equals(u.upgradeId()) && !u.isRollback();
  }

  private static String line(Instant at, String text, ZoneId zone) {
    String clock = Texts.clock(at, zone);
    return (clock.isEmpty() ? "--:--:--" : clock) + "  " + text;
  }
}
