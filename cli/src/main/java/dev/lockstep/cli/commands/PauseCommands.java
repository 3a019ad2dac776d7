package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lockstep pause} and {@code lockstep resume}: a running upgrade stops before its next step
 * (what is in flight finishes) until it is resumed. Both are asynchronous; {@code watch} shows the
 * effect.
 */
public final class PauseCommands {
  private PauseCommands() {}

  /**
   * What {@code cancel}, {@code pause}, {@code resume} and {@code retry} share: an upgrade id, a
   * reason, one call to the planner's {@code /api/v1/upgrades/{id}/<verb>}.
   */
  abstract static class UpgradeVerb extends ServiceCommand {
    @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade id")
    String upgradeId;

    @Option(names = "--reason", description = "why: kept with the event")
    String reason;

    /** The last segment of the planner's route, and the verb in messages. */
    abstract String verb();

    /** What the planner's 409 means, for a person. */
    abstract String whenRefused();

    @Override
    protected int run() {
      ObjectNode body = Json.mapper().createObjectNode();
      if (reason != null) {
        body.put("reason", reason);
      }
      JsonNode answer =
          client()
              .send(
                  Call.post(
                          Service.PLANNER,
                          "/api/v1/upgrades/" + ServiceClient.segment(upgradeId) + "/" + verb(),
                          body.toString(),
                          Roles.SUBMITTER)
                      .onRejected(
                          whenRefused()
                              + "; `lockstep status "
                              + upgradeId
                              + "` shows where it stands"))
              .json();
      return answered(answer);
    }

    /** Prints the planner's answer; returns the exit code. */
    int answered(JsonNode answer) {
      if (json()) {
        printJson(answer);
      } else {
        out().println(verb() + " of " + upgradeId + " requested");
        out().flush();
      }
      return ExitCodes.OK;
    }
  }

  /** {@code lockstep pause}. */
  @Command(
      name = "pause",
      description =
          "Pauses a running upgrade before its next step (steps in flight finish) until `resume`"
              + " (not running: exit code 3).")
  public static final class Pause extends UpgradeVerb {
    @Override
    String verb() {
      return "pause";
    }

    @Override
    String whenRefused() {
      return "only a running upgrade can be paused";
    }
  }

  /** {@code lockstep resume}. */
  @Command(
      name = "resume",
      description =
          "Resumes a paused upgrade from where it stopped (neither running nor paused: exit code"
              + " 3).")
  public static final class Resume extends UpgradeVerb {
    @Override
    String verb() {
      return "resume";
    }

    @Override
    String whenRefused() {
      return "only a paused upgrade can be resumed";
    }
  }
}
