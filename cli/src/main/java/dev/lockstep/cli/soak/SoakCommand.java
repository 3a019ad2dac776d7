package dev.lockstep.cli.soak;

import dev.lockstep.cli.ExitCodes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lockstep soak}: upgrades and faults for a while, then the invariants checked. */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the local mode with M copies of the sample platform and several instances of every"
          + " service, on a Kafka broker and a PostgreSQL of its own, through a random mix of"
          + " upgrades (clean, failing gate, approval, cancel) for T minutes while injecting faults"
          + " (kill -9 of any instance, broker restart, PostgreSQL restart, SIGSTOP of an executor"
          + " past its Lease, an instance added or removed); then checks the invariants and writes"
          + " a report (Markdown, also printed, and JSON).",
      "Exit code 0 when no invariant was violated, 1 otherwise."
    })
public final class SoakCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--platforms",
      defaultValue = "20",
      description = "Copies of the sample platform (default 20).")
  int platforms;

  @Option(
      names = "--replicas",
      defaultValue = "2",
      description = "Instances of each service (default 2).")
  int replicas;

  @Option(
      names = "--minutes",
      defaultValue = "30",
      description =
          "How long upgrades are started and faults injected, in minutes; fractions allowed (default 30).")
  double minutes;

  @Option(names = "--seconds", description = "The same in seconds, instead of --minutes.")
  Integer seconds;

  @Option(
      names = "--seed",
      description =
          "The random seed (default: a random one, printed), to reproduce the choices of a run.")
  Long seed;

  @Option(
      names = "--report-dir",
      defaultValue = ".lockstep/soak",
      description =
          "Where soak-report.md and soak-report.json go (default .lockstep/soak/); its work/ holds logs and data.")
  Path reportDirectory;

  @Option(names = "--no-faults", description = "Inject no faults: the upgrades alone.")
  boolean noFaults;

  @Option(
      names = "--give-up-minutes",
      defaultValue = "15",
      description =
          "How long the soak follows an upgrade, its rollbacks included, before it gives up on it,"
              + " in minutes (default 15). Its deadline is derived from its plans.")
  double giveUpMinutes;

  @Option(
      names = "--fault-interval",
      defaultValue = "10-30",
      description = "The wait between two faults, in seconds, as MIN-MAX (default 10-30).")
  String faultInterval;

  @Option(
      names = "--checkout",
      description = "The built Lockstep checkout (default: the launcher's directory).")
  Path checkout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Duration load =
        seconds != null
            ? Duration.ofSeconds(seconds)
            : Duration.ofMillis(Math.round(minutes * 60_000));
    if (load.isNegative() || load.isZero()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "the load's time must be positive");
    }
    if (platforms < 1 || replicas < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--platforms and --replicas must be at least 1");
    }
    String[] interval = faultInterval.split("-");
    Duration faultMin;
    Duration faultMax;
    try {
      faultMin = Duration.ofSeconds(Long.parseLong(interval[0].trim()));
      faultMax = Duration.ofSeconds(Long.parseLong(interval[interval.length - 1].trim()));
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--fault-interval is MIN-MAX in seconds, such as 10-30");
    }
    long chosen = seed != null ? seed : new SecureRandom().nextLong();
    Path root = checkout != null ? checkout : defaultCheckout();
    Path reports = reportDirectory.isAbsolute() ? reportDirectory : root.resolve(reportDirectory);
    SoakReport report =
        new Soak(
                new Soak.Settings(
                    root,
                    reports,
                    platforms,
                    replicas,
                    load,
                    chosen,
                    !noFaults,
                    Duration.ofMillis(Math.round(giveUpMinutes * 60_000)),
                    faultMin,
                    faultMax),
                out)
            .run();
    return report.passed() ? ExitCodes.OK : ExitCodes.UPGRADE_NOT_COMPLETED;
  }

  private static Path defaultCheckout() {
    String home = System.getProperty("lockstep.checkout");
    return Path.of(home != null ? home : ".").toAbsolutePath().normalize();
  }
}
