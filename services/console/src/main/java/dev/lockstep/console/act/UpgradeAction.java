package dev.lockstep.console.act;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.runtime.security.Roles;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What an operator can do to an upgrade from its page besides approving a step: each is one of the
 * planner's routes, needs the {@code submitter} role there, and is offered only while the upgrade's
 * status (the recorder's word) lets the planner accept it, so that the page's buttons follow the
 * status as its stream re-renders it.
 */
public enum UpgradeAction {
  /**
   * Holds a running upgrade before its next step (steps in flight finish); the planner takes it
   * while the upgrade is planned and not ended ({@code POST /api/v1/upgrades/{id}/pause}).
   */
  PAUSE(
      "pause",
      "Pause",
      "Pause requested",
      "Not paused",
      "It stops before its next step: steps already running finish, and nothing more starts until"
          + " it is resumed.",
      Set.of("scheduled", "running", "waiting-gate", "waiting-approval")),

  /** Lets a paused upgrade carry on from where it stopped ({@code .../resume}). */
  RESUME(
      "resume",
      "Resume",
      "Resume requested",
      "Not resumed",
      "It carries on from where it stopped.",
      Set.of("paused")),

  /**
   * Cancels an upgrade that has not ended ({@code .../cancel}); not offered on a rollback, whose
   * cancel would leave the platform half way back.
   */
  CANCEL(
      "cancel",
      "Cancel",
      "Cancel requested",
      "Not cancelled",
      "A queued or scheduled upgrade ends at once; a running or paused one stops before its next"
          + " step, and what it changed is rolled back.",
      Set.of("queued", "scheduled", "running", "paused", "waiting-gate", "waiting-approval")),

  /**
   * Rolls back a completed upgrade that has no rollback yet ({@code POST /api/v1/rollbacks}); a
   * failed upgrade is rolled back automatically, so it is not offered there.
   */
  ROLLBACK(
      "rollback",
      "Roll back",
      "Rollback requested",
      "Not rolled back",
      "The platform goes back, top-down, to the versions recorded before this upgrade, as a new"
          + " rollback with its own page. The rollback runs behind whatever runs on the platform.",
      Set.of("completed"));

  /** The role the planner asks for every one of them. */
  public static final String ROLE = Roles.SUBMITTER;

  private final String word;
  private final String label;
  private final String done;
  private final String refused;
  private final String effect;
  private final Set<String> statuses;

  UpgradeAction(
      String word, String label, String done, String refused, String effect, Set<String> statuses) {
    this.word = word;
    this.label = label;
    this.done = done;
    this.refused = refused;
    this.effect = effect;
    this.statuses = statuses;
  }

  /** The last segment of the console's route ({@code /upgrades/{id}/<word>}). */
  public String word() {
    return word;
  }

  /** The button's words. */
  public String label() {
    return label;
  }

  /** The heading when the planner accepted it. */
  public String done() {
    return done;
  }

  /** The heading when it was not done. */
  public String refused() {
    return refused;
  }

  /** What will happen, for the confirmation page. */
  public String effect() {
    return effect;
  }

  /** Whether the upgrade, as the recorder sees it ({@code /api/v1/upgrades/{id}}), allows it. */
  public boolean offeredFor(JsonNode view) {
    String mode = view.path("mode").asText("upgrade");
    if (!statuses.contains(view.path("status").asText())) {
      return false;
    }
    return switch (this) {
      case PAUSE, RESUME -> true;
      case CANCEL -> mode.equals("upgrade");
      case ROLLBACK -> mode.equals("upgrade") && view.path("rollbacks").isEmpty();
    };
  }

  /** The actions the upgrade allows, in the order the page shows them. */
  public static List<UpgradeAction> offered(JsonNode view) {
    List<UpgradeAction> offered = new ArrayList<>();
    for (UpgradeAction action : values()) {
      if (action.offeredFor(view)) {
        offered.add(action);
      }
    }
    return offered;
  }

  /** The planner's route for the upgrade. */
  public String plannerPath(String upgradeId) {
    return this == ROLLBACK
        ? "/api/v1/rollbacks"
        : "/api/v1/upgrades/" + ServiceApis.encode(upgradeId) + "/" + word;
  }

  /** The planner's JSON body: the reason when one was given, and the upgrade for a rollback. */
  public String plannerBody(String upgradeId, String reason) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (this == ROLLBACK) {
      body.put("upgradeId", upgradeId);
    }
    if (reason != null && !reason.isBlank()) {
      body.put("reason", reason.strip());
    }
    return body.toString();
  }
}
