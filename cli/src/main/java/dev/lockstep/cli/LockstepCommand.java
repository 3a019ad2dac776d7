package dev.lockstep.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lockstep} command. Its subcommands ({@code local}, {@code submit}, {@code plan},
 * {@code status}, ...) arrive with the CLI issue; today it answers {@code --help} and {@code
 * --version}.
 */
@Command(
    name = "lockstep",
    mixinStandardHelpOptions = true,
    versionProvider = LockstepCommand.Version.class,
    description = "Plans, runs, gates and rolls back upgrades of platforms on Kubernetes.")
public final class LockstepCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LockstepCommand()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
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
