package dev.lockstep.cli;

import dev.lockstep.cli.commands.ApproveCommand;
import dev.lockstep.cli.commands.AvailableCommand;
import dev.lockstep.cli.commands.CancelCommand;
import dev.lockstep.cli.commands.InventoryCommand;
import dev.lockstep.cli.commands.PauseCommands;
import dev.lockstep.cli.commands.PlanCommand;
import dev.lockstep.cli.commands.PostmortemCommand;
import dev.lockstep.cli.commands.ReplayCommand;
import dev.lockstep.cli.commands.RetryCommand;
import dev.lockstep.cli.commands.RollbackCommand;
import dev.lockstep.cli.commands.StatusCommand;
import dev.lockstep.cli.commands.SubmitCommand;
import dev.lockstep.cli.commands.WatchCommand;
import dev.lockstep.cli.config.CliConfig;
import dev.lockstep.cli.local.LocalCommand;
import dev.lockstep.cli.watch.Watcher;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lockstep} command. Every client subcommand reads its configuration ({@link CliConfig})
 * from the environment map this command is built with, and writes to picocli's out and err, so a
 * test runs any of them in-process against given URLs:
 *
 * <pre>{@code
 * int code = new CommandLine(new LockstepCommand(Map.of("LOCKSTEP_PLANNER_URL", planner, ...)))
 *     .setOut(out).setErr(err).execute("status", upgradeId, "--output", "json");
 * }</pre>
 */
@Command(
    name = "lockstep",
    mixinStandardHelpOptions = true,
    versionProvider = LockstepCommand.Version.class,
    description = "Plans, runs, gates and rolls back upgrades of platforms on Kubernetes.",
    footer = {
      "",
      "Configuration: LOCKSTEP_TOKEN, LOCKSTEP_PLANNER_URL, LOCKSTEP_RECORDER_URL,",
      "LOCKSTEP_NOTIFIER_URL, else the file LOCKSTEP_CONFIG (default ~/.lockstep/config.json),",
      "else http://127.0.0.1:8081 (planner), :8085 (rca-recorder), :8084 (notifier).",
      "Exit codes: 0 ok, 1 upgrade not completed, 2 usage, 3 rejected, 4 not authorized,",
      "5 not found, 6 service unavailable, 7 rollback failed, 8 timeout (see cli/README.md)."
    },
    subcommands = {
      LocalCommand.class,
      SubmitCommand.class,
      PlanCommand.class,
      StatusCommand.class,
      WatchCommand.class,
      ApproveCommand.class,
      CancelCommand.class,
      PauseCommands.Pause.class,
      PauseCommands.Resume.class,
      RetryCommand.class,
      RollbackCommand.class,
      AvailableCommand.class,
      InventoryCommand.class,
      ReplayCommand.class,
      PostmortemCommand.class,
      dev.lockstep.cli.soak.SoakCommand.class
    })
public final class LockstepCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private final Map<String, String> env;
  private CliConfig config;

  /** The command configured from the process's environment. */
  public LockstepCommand() {
    this(System.getenv());
  }

  /** The command configured from an environment map (tests, the local mode). */
  public LockstepCommand(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LockstepCommand()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The environment the command was built with. */
  public Map<String, String> env() {
    return env;
  }

  /** The configuration: the environment, then the config file, then the defaults. */
  public CliConfig config() {
    if (config == null) {
      config = CliConfig.load(env);
    }
    return config;
  }

  /** The config file of the environment. */
  public Path configFile() {
    return CliConfig.path(env);
  }

  /** The clock of progress and timeouts. */
  public Clock clock() {
    return Clock.systemUTC();
  }

  /** The zone in which times of day are shown. */
  public ZoneId zone() {
    return ZoneId.systemDefault();
  }

  /** How {@code watch} waits between looks. */
  public Watcher.Sleeper sleeper() {
    return Watcher.Sleeper.REAL;
  }

  /** True when the process's output is a terminal (progress is then redrawn in place). */
  public boolean isTerminal() {
    return System.console() != null;
  }

  /** The terminal's width: {@code COLUMNS}, else 120. */
  public int columns() {
    try {
      return Integer.parseInt(env.getOrDefault("COLUMNS", "120").trim());
    } catch (NumberFormatException e) {
      return 120;
    }
  }

  /** Where {@code -} reads from. */
  public InputStream stdin() {
    return System.in;
  }

  /** The version of the build, from the jar's manifest or the build's properties. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = LockstepCommand.class.getPackage().getImplementationVersion();
      return new String[] {"lockstep " + (version == null ? "development build" : version)};
    }
  }
}
