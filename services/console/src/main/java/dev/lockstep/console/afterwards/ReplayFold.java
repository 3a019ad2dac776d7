package dev.lockstep.console.afterwards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An upgrade's state as it was after each of its recorded events: a fold over the events (as the
 * recorder's replay gives them, the upgrade's and its rollbacks' in log order) to the JSON shape of
 * the recorder's view ({@code /api/v1/upgrades/{id}}), so that the replay renders each point with
 * the live page's own rendering. It follows the recorder's fold ({@code UpgradeFold} and {@code
 * StatusTransitions}) for what that rendering shows: status, failure, steps, gates with their
 * measurements, approvals and the version table; what the page does not show (notifications, audit
 * fields, trace) is left out. The console reads events as JSON, not through the event contract
 * (which it may not depend on), so statuses are their wire words. Pure and in memory: one instance
 * per replay, fed event by event.
 */
final class ReplayFold {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final String PREFIX = "dev.lockstep.";
  private static final String QUEUED = "queued";
  private static final String SCHEDULED = "scheduled";
  private static final String RUNNING = "running";
  private static final String PAUSED = "paused";
  private static final String WAITING_GATE = "waiting-gate";
  private static final String WAITING_APPROVAL = "waiting-approval";
  private static final String COMPLETED = "completed";
  private static final String FAILED = "failed";
  private static final String ROLLING_BACK = "rolling-back";
  private static final String ROLLED_BACK = "rolled-back";
  private static final String ROLLBACK_FAILED = "rollback-failed";
  private static final String CANCELLED = "cancelled";
  private static final String REJECTED = "rejected";

  /** While the executor works on the upgrade itself (the contract's {@code active()}). */
  private static final Set<String> ACTIVE =
      Set.of(QUEUED, SCHEDULED, RUNNING, PAUSED, WAITING_GATE, WAITING_APPROVAL);

  /** When nothing more happens to it on its own (the contract's {@code terminal()}). */
  private static final Set<String> TERMINAL =
      Set.of(COMPLETED, ROLLED_BACK, ROLLBACK_FAILED, CANCELLED, REJECTED);

  private final String upgradeId;
  private String status;
  private String platform;
  private String mode;
  private String requestedBy;
  private String fromRelease;
  private String toRelease;
  private String rollbackOf;
  private String startedAt;
  private String endedAt;
  private ObjectNode failure;
  private int eventCount;
  private final Set<String> rollbacks = new LinkedHashSet<>();
  private final Map<String, ObjectNode> versions = new LinkedHashMap<>();
  private final Map<String, Set<String>> plannedSteps = new HashMap<>();
  private final Set<String> succeededSteps = new HashSet<>();
  private final Set<String> rolledBackComponents = new LinkedHashSet<>();
  private final Map<String, ObjectNode> steps = new LinkedHashMap<>();
  private final Map<String, ObjectNode> gates = new LinkedHashMap<>();
  private final Map<String, ObjectNode> approvals = new LinkedHashMap<>();
  private final ArrayNode plans = JSON.arrayNode();

  ReplayFold(String upgradeId) {
    this.upgradeId = upgradeId;
  }

  /** The short type of an event ({@code step.started}). */
  static String shortType(JsonNode event) {
    String type = event.path("type").asText();
    return type.startsWith(PREFIX) ? type.substring(PREFIX.length()) : type;
  }

  /** The upgrade an event belongs to: its subject, else what its data names. */
  static String ownerOf(JsonNode event) {
    if (event.hasNonNull("subject")) {
      return event.path("subject").asText();
    }
    JsonNode data = event.path("data");
    if (data.path("plan").hasNonNull("upgradeId")) {
      return data.path("plan").path("upgradeId").asText();
    }
    return data.hasNonNull("upgradeId") ? data.path("upgradeId").asText() : null;
  }

  private static String rollbackOfIn(JsonNode event) {
    JsonNode data = event.path("data");
    JsonNode named =
        data.has("plan") ? data.path("plan").path("rollbackOf") : data.path("rollbackOf");
    return named.isTextual() ? named.asText() : null;
  }

  /** Takes one more event into the state. */
  void apply(JsonNode event) {
    String owner = ownerOf(event);
    boolean own = upgradeId.equals(owner);
    boolean ofRollback = !own && upgradeId.equals(rollbackOfIn(event));
    if (!own && owner != null && (ofRollback || rollbacks.contains(owner))) {
      rollbacks.add(owner);
    } else if (!own) {
      return;
    }
    eventCount++;
    platform = platform == null ? text(event.path("platform")) : platform;
    String type = shortType(event);
    String time = event.path("time").asText(null);
    JsonNode data = event.path("data");
    status = own ? own(status, type, data, time) : ofRollback ? ofRollback(status, type) : status;
    switch (type) {
      case "upgrade.requested", "rollback.requested" -> {
        if (own && requestedBy == null) {
          requestedBy = text(data.path("requestedBy"));
        }
      }
      case "plan.created" -> {
        plans.add(event);
        if (own) {
          requestedBy = text(data.path("requestedBy"));
          plan(data.path("plan"));
        }
      }
      case "plan.rejected" -> {
        if (own) {
          endedAt = time;
          JsonNode first = data.path("errors").path(0);
          failure(
              first.isMissingNode()
                  ? "rejected"
                  : first.path("code").asText() + ": " + first.path("message").asText(),
              null,
              null,
              time);
        }
      }
      case "upgrade.started" -> {
        if (own) {
          startedAt = startedAt == null ? time : startedAt;
          mode = mode == null ? text(data.path("mode")) : mode;
          rollbackOf = rollbackOf == null ? text(data.path("rollbackOf")) : rollbackOf;
        }
      }
      case "step.started" -> step(owner, data, "running", null);
      case "step.succeeded" -> {
        step(owner, data, "succeeded", null);
        String component = data.path("component").asText();
        if (own) {
          succeededSteps.add(data.path("stepId").asText());
          Set<String> planned = plannedSteps.get(component);
          if (planned != null && succeededSteps.containsAll(planned)) {
            version(component, "upgraded");
          }
        } else {
          rolledBackComponents.add(component);
        }
      }
      case "step.failed" -> {
        step(owner, data, "failed", text(data.path("reason")));
        if (own) {
          version(data.path("component").asText(), "failed");
        }
      }
      case "gate.requested" -> {
        ObjectNode gate = JSON.objectNode();
        gate.put("upgradeId", owner)
            .put("gateId", data.path("gateId").asText())
            .put("name", data.path("gate").path("name").asText())
            .put("kind", data.path("gate").path("kind").asText())
            .put("wave", data.path("wave").asInt())
            .put("state", "requested")
            .put("requestedAt", time);
        gate.putArray("measurements");
        gates.put(owner + "/" + data.path("gateId").asText(), gate);
      }
      case "gate.passed", "gate.failed" -> {
        String key = owner + "/" + data.path("gateId").asText();
        ObjectNode gate = gates.get(key);
        if (gate == null) {
          gate = JSON.objectNode().put("upgradeId", owner).put("wave", -1);
          gates.put(key, gate);
        }
        gate.put("gateId", data.path("gateId").asText())
            .put("name", data.path("gateName").asText())
            .put("kind", data.path("kind").asText())
            .put("state", type.equals("gate.passed") ? "passed" : "failed")
            .put("decidedAt", time);
        gate.set("reason", data.path("reason").isTextual() ? data.path("reason") : JSON.nullNode());
        gate.set(
            "measurements",
            data.path("measurements").isArray() ? data.path("measurements") : JSON.arrayNode());
      }
      case "approval.requested" -> {
        ObjectNode approval = JSON.objectNode();
        approval
            .put("upgradeId", owner)
            .put("stepId", data.path("stepId").asText())
            .put("component", data.path("component").asText())
            .put("message", data.path("message").asText())
            .put("requestedAt", time);
        approvals.put(owner + "/" + data.path("stepId").asText(), approval);
      }
      case "step.approved" -> {
        ObjectNode approval = approvals.get(owner + "/" + data.path("stepId").asText());
        if (approval != null) {
          approval.put("approvedBy", data.path("approvedBy").asText()).put("approvedAt", time);
        }
      }
      case "upgrade.completed" -> {
        if (own) {
          endedAt = time;
          for (Map.Entry<String, ObjectNode> row : versions.entrySet()) {
            if (row.getValue().path("state").asText().equals("pending")) {
              version(row.getKey(), "upgraded");
            }
          }
        }
      }
      case "upgrade.failed" -> {
        if (own) {
          endedAt = time;
          failure(
              data.path("reason").asText(),
              text(data.path("failedStepId")),
              text(data.path("failedGateId")),
              time);
        }
      }
      case "upgrade.cancelled" -> {
        if (own) {
          endedAt = time;
          String reason = text(data.path("reason"));
          failure(
              "cancelled by "
                  + data.path("cancelledBy").asText()
                  + (reason == null ? "" : ": " + reason),
              null,
              null,
              time);
        }
      }
      case "rollback.completed" -> {
        endedAt = time;
        if (!own) {
          Set<String> restored = new LinkedHashSet<>();
          for (JsonNode change : data.path("versions")) {
            restored.add(change.path("component").asText());
          }
          if (restored.isEmpty()) {
            restored.addAll(rolledBackComponents);
          }
          for (String component : restored) {
            ObjectNode row = versions.get(component);
            if (row != null && !row.path("state").asText().equals("pending")) {
              version(component, "rolled-back");
            }
          }
        }
      }
      case "rollback.failed" -> endedAt = time;
      default -> {
        // the rest says nothing the page shows beyond the status
      }
    }
  }

  private void plan(JsonNode plan) {
    mode = text(plan.path("mode"));
    fromRelease = text(plan.path("fromRelease"));
    toRelease = text(plan.path("toRelease"));
    rollbackOf = text(plan.path("rollbackOf"));
    for (JsonNode change : plan.path("versions")) {
      String component = change.path("component").asText();
      if (!versions.containsKey(component)) {
        ObjectNode row = JSON.objectNode().put("component", component);
        row.set("layer", change.path("layer").isTextual() ? change.path("layer") : JSON.nullNode());
        row.set("from", change.path("from").isTextual() ? change.path("from") : JSON.nullNode());
        row.set("to", change.path("to").isTextual() ? change.path("to") : JSON.nullNode());
        row.put("state", "pending");
        versions.put(component, row);
      }
    }
    for (JsonNode wave : plan.path("waves")) {
      for (JsonNode step : wave.path("steps")) {
        plannedSteps
            .computeIfAbsent(step.path("component").asText(), c -> new LinkedHashSet<>())
            .add(step.path("id").asText());
      }
    }
  }

  private void step(String owner, JsonNode data, String state, String reason) {
    ObjectNode step = JSON.objectNode();
    step.put("upgradeId", owner)
        .put("stepId", data.path("stepId").asText())
        .put("wave", data.path("wave").asInt())
        .put("component", data.path("component").asText())
        .put("action", data.path("action").asText())
        .put("state", state);
    if (reason != null) {
      step.put("failure", reason);
    }
    steps.put(owner + "/" + data.path("stepId").asText(), step);
  }

  private void version(String component, String state) {
    ObjectNode row = versions.get(component);
    if (row != null) {
      row.put("state", state);
    }
  }

  private void failure(String reason, String stepId, String gateId, String at) {
    failure = JSON.objectNode().put("reason", reason).put("at", at);
    failure.put("failedStepId", stepId).put("failedGateId", gateId);
  }

  private static String own(String current, String type, JsonNode data, String at) {
    boolean open = current == null || ACTIVE.contains(current);
    return switch (type) {
      case "upgrade.requested" -> current == null ? QUEUED : current;
      case "plan.created" -> {
        if (!open) {
          yield current;
        }
        yield later(data.path("plan").path("window").path("notBefore"), at) ? SCHEDULED : QUEUED;
      }
      case "plan.rejected" -> open ? REJECTED : current;
      case "upgrade.cancelled" -> {
        if (data.path("wasRunning").asBoolean()) {
          // a running upgrade stops before its next step, fails as cancelled and is rolled back
          yield current == null ? RUNNING : current;
        }
        yield open ? CANCELLED : current;
      }
      case "upgrade.paused", "upgrade.window-closed" -> open ? PAUSED : current;
      case "upgrade.resumed" -> PAUSED.equals(current) ? RUNNING : current;
      case "upgrade.rescheduled" ->
          PAUSED.equals(current) && later(data.path("window").path("notBefore"), at)
              ? SCHEDULED
              : current;
      case "upgrade.started", "step.started", "step.succeeded", "gate.passed", "step.approved" -> {
        if (PAUSED.equals(current)
            && (type.equals("step.succeeded") || type.equals("gate.passed"))) {
          // what was in flight when it was held finishes; it stays held
          yield current;
        }
        yield open ? RUNNING : current;
      }
      case "gate.requested" -> open ? WAITING_GATE : current;
      case "approval.requested" -> open ? WAITING_APPROVAL : current;
      case "upgrade.completed", "rollback.completed" -> COMPLETED;
      case "upgrade.failed" -> {
        if (ROLLING_BACK.equals(current)
            || ROLLED_BACK.equals(current)
            || ROLLBACK_FAILED.equals(current)) {
          yield current;
        }
        boolean nothingChanged = !data.path("history").isArray() || data.path("history").isEmpty();
        yield data.path("cancelled").asBoolean() && nothingChanged ? CANCELLED : FAILED;
      }
      case "rollback.failed" -> FAILED;
      default -> current;
    };
  }

  private static String ofRollback(String current, String type) {
    return switch (type) {
      case "rollback.completed" -> ROLLED_BACK;
      case "rollback.failed" -> ROLLBACK_FAILED;
      case "plan.created" -> ROLLING_BACK;
      case "upgrade.started" ->
          ROLLED_BACK.equals(current) || ROLLBACK_FAILED.equals(current) ? current : ROLLING_BACK;
      default -> current;
    };
  }

  private static boolean later(JsonNode notBefore, String at) {
    if (!notBefore.isTextual() || at == null) {
      return false;
    }
    try {
      return Instant.parse(notBefore.asText()).isAfter(Instant.parse(at));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static String text(JsonNode node) {
    return node.isValueNode() && !node.isNull() ? node.asText() : null;
  }

  /** The state so far, in the shape of the recorder's view; empty before the first event. */
  JsonNode view() {
    if (eventCount == 0) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    boolean ended = status != null && TERMINAL.contains(status);
    ObjectNode view = JSON.objectNode();
    view.put("upgradeId", upgradeId)
        .put("platform", platform)
        .put("mode", mode)
        .put("status", status == null ? QUEUED : status)
        .put("requestedBy", requestedBy)
        .put("fromRelease", fromRelease)
        .put("toRelease", toRelease)
        .put("rollbackOf", rollbackOf)
        .put("startedAt", startedAt)
        .put("endedAt", endedAt)
        .put("eventCount", eventCount);
    ArrayNode ids = view.putArray("rollbacks");
    rollbacks.forEach(ids::add);
    ArrayNode table = view.putArray("versions");
    for (ObjectNode row : versions.values()) {
      ObjectNode copy = row.deepCopy();
      if (ended && copy.path("state").asText().equals("pending")) {
        copy.put("state", "not-started");
      }
      table.add(copy);
    }
    view.putArray("steps").addAll(copies(steps.values()));
    view.putArray("gates").addAll(copies(gates.values()));
    view.putArray("approvals").addAll(copies(approvals.values()));
    view.set("failure", failure == null ? JSON.nullNode() : failure.deepCopy());
    return view;
  }

  /** The plan.created events so far, as the rendering reads the plans from them. */
  JsonNode plans() {
    return plans.deepCopy();
  }

  private static List<JsonNode> copies(java.util.Collection<ObjectNode> rows) {
    return rows.stream().map(r -> (JsonNode) r.deepCopy()).toList();
  }
}
