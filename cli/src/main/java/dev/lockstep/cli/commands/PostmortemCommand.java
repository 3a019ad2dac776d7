package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lockstep postmortem}: an upgrade's post-mortem, in Markdown or HTML. */
@Command(
    name = "postmortem",
    description = {
      "Writes an upgrade's post-mortem (summary, version table, timeline, the failed gate with"
          + " its measurements, time to detect and to roll back, who was told what, notes).",
      "--output json prints {upgradeId, format, content} or, with --file, {upgradeId, format,"
          + " file}."
    })
public final class PostmortemCommand extends ServiceCommand {
  @Parameters(index = "0", paramLabel = "UPGRADE", description = "the upgrade id")
  String upgradeId;

  @Option(names = "--format", defaultValue = "markdown", description = "markdown (default) or html")
  String format;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "write it to this file instead of stdout")
  Path file;

  @Override
  protected int run() {
    if (!format.equals("markdown") && !format.equals("html")) {
      throw usage("--format is markdown or html, not '" + format + "'");
    }
    String report =
        client()
            .send(
                Call.get(
                        Service.RECORDER,
                        "/api/v1/upgrades/"
                            + ServiceClient.segment(upgradeId)
                            + "/postmortem?format="
                            + format,
                        Roles.VIEWER)
                    .accepting(format.equals("html") ? "text/html" : "text/markdown"))
            .body();
    if (file != null) {
      try {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.writeString(file, report);
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.USAGE, "cannot write " + file + ": " + e.getMessage(), null);
      }
    }
    if (json()) {
      ObjectNode answer = Json.mapper().createObjectNode();
      answer.put("upgradeId", upgradeId);
      answer.put("format", format);
      if (file != null) {
        answer.put("file", file.toAbsolutePath().toString());
      } else {
        answer.put("content", report);
      }
      printJson(answer);
    } else if (file != null) {
      out().println("post-mortem of " + upgradeId + " written to " + file.toAbsolutePath());
    } else {
      out().print(report.endsWith("\n") ? report : report + "\n");
    }
    out().flush();
    return ExitCodes.OK;
  }
}
