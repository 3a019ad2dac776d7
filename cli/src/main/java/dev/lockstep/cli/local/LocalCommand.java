package dev.lockstep.cli.local;

import dev.lockstep.cli.LockstepCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code lockstep local}: the embedded local mode. */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a real Kafka broker, a real PostgreSQL, a simulated Kubernetes cluster with the sample"
          + " platform of docs/examples/sample-platform, and the five services on ports 8081-8085;"
          + " runs the sample scenario and prints it as it happens; then keeps serving until Ctrl-C"
          + " so that the other commands work against it."
    })
public final class LocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand LockstepCommand parent;

  @Option(
      names = "--scenario",
      defaultValue = "failing-gate",
      paramLabel = "NAME[,NAME...]",
      description =
          "failing-gate (default), happy, approval, cancel or data-integrity (the cli README says"
              + " what each does); with --platforms, several comma-separated names are taken in"
              + " turn by the platforms.")
  String scenario;

  @Option(
      names = "--exit",
      description = "Stop once the scenario has ended instead of serving until Ctrl-C.")
  boolean exitAfterScenario;

  @Option(
      names = "--replicas",
      defaultValue = "1",
      paramLabel = "N",
      description =
          "Instances of each service (1 to 5, default 1): the first of each on its port of"
              + " 8081-8085, the others on free ones.")
  int replicas;

  @Option(
      names = "--platforms",
      defaultValue = "1",
      paramLabel = "M",
      description =
          "Copies of the sample platform (1 to 50, default 1): dataos-local-01 to dataos-local-MM,"
              + " each in namespaces of its own; the scenario runs on every one at once.")
  int platforms;

  @Option(
      names = "--checkout",
      description =
          "The built Lockstep checkout (default: the launcher's directory, or the current one).")
  Path checkout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      Scenario.parseAll(scenario);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (replicas < 1 || replicas > LocalMode.Options.MAX_REPLICAS) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--replicas must be 1 to " + LocalMode.Options.MAX_REPLICAS + ", not " + replicas);
    }
    if (platforms < 1 || platforms > LocalMode.Options.MAX_PLATFORMS) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--platforms must be 1 to " + LocalMode.Options.MAX_PLATFORMS + ", not " + platforms);
    }
    Path root = checkout != null ? checkout : defaultCheckout();
    Path directory = root.resolve(".lockstep").resolve("local");
    LocalMode local =
        LocalMode.start(
            new LocalMode.Options(
                root,
                directory,
                scenario,
                SamplePlatform.PLATFORM_ID,
                true,
                null,
                parent.configFile(),
                true,
                replicas,
                platforms),
            out);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              out.println("stopping ...");
              out.flush();
              local.close();
              stopped.countDown();
            },
            "lockstep-local-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    local.runScenario();
    boolean asExpected = local.endedAsExpected();
    if (exitAfterScenario) {
      Runtime.getRuntime().removeShutdownHook(hook);
      local.close();
      return asExpected ? 0 : 1;
    }
    out.println();
    out.println(
        platforms == 1
            ? "serving until Ctrl-C; try: ./lockstep status, ./lockstep plan docs/examples/sample-platform/release-2.0.0.yaml --platform dataos-local"
            : "serving until Ctrl-C; try: ./lockstep status, ./lockstep available -p "
                + local.platform());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static Path defaultCheckout() {
    String home = System.getProperty("lockstep.checkout");
    return Path.of(home != null ? home : ".").toAbsolutePath().normalize();
  }
}
