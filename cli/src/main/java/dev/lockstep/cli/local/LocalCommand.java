package dev.lockstep.cli.local;

import dev.lockstep.cli.LockstepCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
          + " so that the other commands work against it.",
      "With --release (and --cluster), rehearses a release of one's own on an inventory of one's"
          + " own instead; --fault makes a component's new image fail."
    })
public final class LocalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ParentCommand LockstepCommand parent;

  @Option(
      names = "--scenario",
      paramLabel = "NAME[,NAME...]",
      description =
          "failing-gate (default), happy, approval, cancel, data-integrity, window-closes or"
              + " retry (the cli README says what each does); with --platforms, several comma-separated names are taken in"
              + " turn by the platforms. With --release: happy (the default then; --fault makes"
              + " it fail).")
  String scenario;

  @Option(
      names = "--release",
      paramLabel = "FILE",
      description =
          "Rehearse this release (YAML, as `lockstep submit` takes it) instead of the sample's."
              + " http gates on <name>.<namespace> ask that workload's simulated health endpoint;"
              + " prometheus and sql gates, and http gates on other hosts, are refused.")
  Path release;

  @Option(
      names = "--cluster",
      paramLabel = "FILE",
      description =
          "The objects to seed the simulated cluster with (default: the sample's cluster.yaml),"
              + " such as `lockstep inventory export` writes; the platform id is its Namespaces'"
              + " lockstep.dev/platform label when they agree, else dataos-local.")
  Path cluster;

  @Option(
      names = "--fault",
      paramLabel = "COMPONENT:KIND",
      description =
          "COMPONENT:rollout (its new image crash-loops: its rollout fails at the rollout"
              + " timeout, 2m) or COMPONENT:health (its new image answers its health endpoint"
              + " with 503); repeatable; the upgrade should then roll back.")
  List<String> faults = new ArrayList<>();

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
          "Copies of the sample platform (1 to 200, default 1): dataos-local-01 to dataos-local-MM,"
              + " each in namespaces of its own; the scenario runs on every one at once.")
  int platforms;

  @Option(
      names = "--tracing",
      description =
          "Also start a trace viewer (Zipkin's server, on port 9411) that the services send their"
              + " spans to, and print the URL of the upgrade's trace.")
  boolean tracing;

  @Option(
      names = "--checkout",
      description =
          "The built Lockstep checkout (default: the launcher's directory, or the current one).")
  Path checkout;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (scenario == null) {
      scenario = release != null ? Scenario.HAPPY.wire() : Scenario.FAILING_GATE.wire();
    }
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
    Rehearsal rehearsal = rehearsal(root);
    String platformId =
        rehearsal == null ? SamplePlatform.PLATFORM_ID : rehearsal.platform().platformId();
    Path directory = root.resolve(".lockstep").resolve("local");
    LocalMode.Options options =
        new LocalMode.Options(
            root,
            directory,
            scenario,
            platformId,
            true,
            null,
            parent.configFile(),
            true,
            replicas,
            platforms,
            rehearsal);
    LocalMode local =
        LocalMode.start(tracing ? options.withTracing(Tracing.viewer()) : options, out);
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
        rehearsal != null
            ? "serving until Ctrl-C; try: ./lockstep status, ./lockstep inventory export -p "
                + platformId
            : platforms == 1
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

  /**
   * The rehearsal of --release, --cluster and --fault, or null without them; every problem of the
   * files and the faults at once as a usage error.
   */
  private Rehearsal rehearsal(Path root) {
    if (release == null && cluster == null && faults.isEmpty()) {
      return null;
    }
    List<String> problems = new ArrayList<>();
    if (platforms != 1) {
      problems.add(
          "--platforms "
              + platforms
              + " cannot be combined with --release, --cluster or --fault: a rehearsal runs on one"
              + " platform");
    }
    if (release != null && !Scenario.parseAll(scenario).equals(List.of(Scenario.HAPPY))) {
      problems.add(
          "--scenario "
              + scenario
              + " cannot be combined with --release: the other scenarios change the sample's"
              + " release; rehearse with happy and --fault");
    }
    List<Rehearsal.Fault> parsed = new ArrayList<>();
    for (String fault : faults) {
      try {
        parsed.add(Rehearsal.Fault.parse(fault));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    Path sampleDirectory = root.resolve(SamplePlatform.DIRECTORY);
    SamplePlatform platform = null;
    try {
      platform =
          SamplePlatform.rehearsal(
              sampleDirectory,
              release != null ? release : sampleDirectory.resolve(SamplePlatform.RELEASE_FILE),
              cluster != null ? cluster : sampleDirectory.resolve(SamplePlatform.CLUSTER_FILE),
              parsed);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), String.join(System.lineSeparator(), problems));
    }
    return new Rehearsal(platform, parsed);
  }

  private static Path defaultCheckout() {
    String home = System.getProperty("lockstep.checkout");
    return Path.of(home != null ? home : ".").toAbsolutePath().normalize();
  }
}
