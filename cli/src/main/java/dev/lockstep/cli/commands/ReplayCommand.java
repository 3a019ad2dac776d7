package dev.lockstep.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.cli.render.EventText;
import dev.lockstep.events.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep replay}: an upgrade's events in log order, at once or with their timing. */
@Command(
    name = "replay",
    description = {
      "Replays an upgrade's events (and its rollbacks') in log order, each with its offset from"
          + " the first: at once, or paced with --speed (1 = real time, 10 = ten times faster).",
      "--output json prints the rca-recorder's lines as they are: {\"offsetMillis\", \"event\"}."
    })
public final class ReplayCommand extends ServiceCommand {
  @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade id")
  String upgradeId;

  @Option(names = "--speed", description = "pace the events: 1 is real time, 10 ten times faster")
  Double speed;

  @Override
  protected int run() {
    if (speed != null && !(speed > 0)) {
      throw usage("--speed is a number above 0");
    }
    String path =
        "/api/v1/upgrades/"
            + ServiceClient.segment(upgradeId)
            + "/replay"
            + (speed == null ? "" : "?speed=" + speed);
    Call call = Call.get(Service.RECORDER, path, Roles.VIEWER).accepting("application/x-ndjson");
    client()
        .lines(
            call,
            line -> {
              if (json()) {
                out().println(line);
              } else {
                try {
                  out().println(EventText.ofReplayLine(Json.mapper().readTree(line)));
                } catch (JsonProcessingException e) {
                  out().println(line);
                }
              }
              out().flush();
            });
    return ExitCodes.OK;
  }
}
