package dev.lockstep.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.http.Call;
import dev.lockstep.cli.http.Service;
import dev.lockstep.cli.http.ServiceClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lockstep inventory}: what runs on a platform, as the executor last observed it. */
@Command(
    name = "inventory",
    description = "What runs on a platform, as the executor last observed it.",
    subcommands = {InventoryCommand.Export.class})
public final class InventoryCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(
        spec.commandLine(), "name what to do: lockstep inventory export -p PLATFORM");
  }

  /**
   * {@code lockstep inventory export}: the platform's observed workloads as a cluster file that
   * {@code lockstep local --cluster FILE} seeds, to rehearse a release on what really runs.
   */
  @Command(
      name = "export",
      description =
          "Writes what the executor last observed on a platform as a cluster file (Kubernetes"
              + " YAML: its namespaces and workloads with their images, replicas and lockstep.dev"
              + " annotations), for `lockstep local --cluster FILE`.")
  public static final class Export extends ServiceCommand {
    @Option(
        names = {"-p", "--platform"},
        required = true,
        description = "the platform")
    String platform;

    @Option(
        names = {"-f", "--file"},
        description = "where to write the cluster file (default: standard output)")
    Path file;

    @Override
    protected int run() {
      JsonNode observed =
          client()
              .send(
                  Call.get(
                      Service.PLANNER,
                      "/api/v1/platforms/" + ServiceClient.segment(platform) + "/inventory",
                      Roles.VIEWER))
              .json();
      if (json()) {
        printJson(observed);
        return ExitCodes.OK;
      }
      String yaml = InventoryExport.clusterFile(observed);
      if (file == null) {
        out().print(yaml);
        out().flush();
        return ExitCodes.OK;
      }
      try {
        Files.writeString(file, yaml);
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.USAGE, "cannot write " + file + ": " + e.getMessage(), "check the path");
      }
      note(
          "wrote "
              + file
              + ": "
              + observed.path("components").size()
              + " components of "
              + platform
              + " as observed at "
              + observed.path("observedAt").asText("?"));
      return ExitCodes.OK;
    }
  }
}
