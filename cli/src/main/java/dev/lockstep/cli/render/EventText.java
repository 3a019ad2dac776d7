package dev.lockstep.cli.render;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of a replay as a line: its offset from the first event, its type and what it says
 * ({@code +7.000s step.started step s-1-1 metis set-image (attempt 1)}). Reads the CloudEvent's
 * JSON as the rca-recorder serves it, so an event type it does not know still gets its line.
 */
public final class EventText {
  private static final String PREFIX = "dev.lockstep.";

  private EventText() {}

  /** The line of a replay line {@code {"offsetMillis": ..., "event": {...}}}. */
  public static String ofReplayLine(JsonNode line) {
    long offset = line.path("offsetMillis").asLong(0);
    return String.format("+%d.%03ds  %s", offset / 1000, offset % 1000, of(line.path("event")));
  }

  /** The type and summary of a CloudEvent. */
  public static String of(JsonNode event) {
    String type = event.path("type").asText("?");
    String shortType = type.startsWith(PREFIX) ? type.substring(PREFIX.length()) : type;
    String summary = summary(shortType, event.path("data"));
    return summary.isEmpty() ? shortType : String.format("%-26s %s", shortType, summary);
  }

  private static String summary(String type, JsonNode d) {
    return switch (type) {
      case "upgrade.requested" ->
          d.path("platform").asText()
              + " to "
              + release(d)
              + " by "
              + d.path("requestedBy").asText()
              + reason(d);
      case "rollback.requested" ->
          "of "
              + d.path("upgradeId").asText()
              + " by "
              + d.path("requestedBy").asText()
              + reason(d);
      case "upgrade.cancel-requested" ->
          "of "
              + d.path("upgradeId").asText()
              + " by "
              + d.path("requestedBy").asText()
              + reason(d);
      case "step.approval-granted", "step.approved" ->
          "step " + d.path("stepId").asText() + " by " + d.path("approvedBy").asText();
      case "release.published" ->
          d.path("release").path("metadata").path("name").asText()
              + " "
              + d.path("release").path("metadata").path("version").asText();
      case "plan.created" -> plan(d.path("plan"));
      case "plan.rejected" -> {
        JsonNode first = d.path("errors").path(0);
        yield d.path("upgradeId").asText()
            + (first.isMissingNode()
                ? ""
                : ": " + first.path("code").asText() + ": " + first.path("message").asText());
      }
      case "upgrade.cancelled" -> "by " + d.path("cancelledBy").asText() + reason(d);
      case "upgrade.pause-requested", "upgrade.resume-requested" ->
          "by " + d.path("requestedBy").asText() + reason(d);
      case "upgrade.paused" -> "by " + d.path("pausedBy").asText() + reason(d);
      case "upgrade.resumed" -> "by " + d.path("resumedBy").asText() + reason(d);
      case "inventory.observed" ->
          d.path("platform").asText() + ", " + d.path("components").size() + " components";
      case "upgrade.started" ->
          d.path("mode").asText()
              + ", "
              + d.path("waves").asInt()
              + " waves, "
              + d.path("steps").asInt()
              + " steps";
      case "step.started" -> step(d) + " (attempt " + d.path("attempt").asInt(1) + ")";
      case "step.succeeded" -> {
        String change =
            d.hasNonNull("from") || d.hasNonNull("to")
                ? " " + Texts.from(text(d, "from")) + " -> " + Texts.to(text(d, "to"))
                : "";
        yield step(d) + change;
      }
      case "step.failed" -> step(d) + ": " + d.path("reason").asText();
      case "gate.requested" ->
          d.path("gate").path("name").asText()
              + " ("
              + d.path("gate").path("kind").asText()
              + ", wave "
              + d.path("wave").asInt()
              + ", "
              + d.path("purpose").asText()
              + ")";
      case "gate.measured" -> {
        JsonNode m = d.path("measurement");
        yield d.path("gateName").asText()
            + " #"
            + m.path("index").asInt()
            + " "
            + m.path("phase").asText()
            + (m.hasNonNull("value") ? " " + m.path("value").asText() : "")
            + (m.hasNonNull("message") ? ": " + m.path("message").asText() : "");
      }
      case "gate.passed" -> d.path("gateName").asText() + " (" + d.path("kind").asText() + ")";
      case "gate.failed" ->
          d.path("gateName").asText()
              + " ("
              + d.path("kind").asText()
              + "): "
              + d.path("reason").asText();
      case "approval.requested" ->
          "step "
              + d.path("stepId").asText()
              + " ("
              + d.path("component").asText()
              + "): "
              + d.path("message").asText();
      case "upgrade.completed", "rollback.completed" ->
          d.path("versions").size() + " components" + rollbackOf(d);
      case "upgrade.failed" ->
          d.path("reason").asText() + (d.path("cancelled").asBoolean() ? " (cancelled)" : "");
      case "rollback.failed" -> d.path("reason").asText() + rollbackOf(d);
      case "notification.delivered" ->
          "feed".equals(d.path("channel").path("type").asText())
              ? "in the feed of " + d.path("team").asText()
              : "to " + d.path("team").asText() + " on " + channel(d.path("channel"));
      case "notification.failed" ->
          "to "
              + d.path("team").asText()
              + " on "
              + channel(d.path("channel"))
              + ": "
              + d.path("reason").asText();
      default -> "";
    };
  }

  private static String plan(JsonNode p) {
    int steps = 0;
    for (JsonNode wave : p.path("waves")) {
      steps += wave.path("steps").size();
    }
    String releases = Texts.releases(text(p, "fromRelease"), text(p, "toRelease"));
    return p.path("mode").asText()
        + (releases.isEmpty() ? "" : " " + releases)
        + ", "
        + p.path("waves").size()
        + " waves, "
        + steps
        + " steps, risk "
        + p.path("risk").path("score").asInt()
        + (p.hasNonNull("rollbackOf") ? ", rolls back " + p.path("rollbackOf").asText() : "");
  }

  private static String step(JsonNode d) {
    return "step "
        + d.path("stepId").asText()
        + " "
        + d.path("component").asText()
        + " "
        + d.path("action").asText();
  }

  private static String release(JsonNode d) {
    if (d.path("release").isObject()) {
      JsonNode meta = d.path("release").path("metadata");
      return meta.path("name").asText() + " " + meta.path("version").asText();
    }
    JsonNode ref = d.path("releaseRef");
    return ref.path("product").asText() + " " + ref.path("version").asText();
  }

  private static String reason(JsonNode d) {
    return d.hasNonNull("reason") ? ": " + d.path("reason").asText() : "";
  }

  private static String rollbackOf(JsonNode d) {
    return d.hasNonNull("rollbackOf") ? ", rolls back " + d.path("rollbackOf").asText() : "";
  }

  private static String channel(JsonNode c) {
    return c.path("type").asText() + ":" + c.path("name").asText();
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.path(field).asText() : null;
  }
}
