package dev.lockstep.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The command line's contract, run in-process as a script would see it: usage errors exit with 2
 * before anything is sent, every command takes {@code --output}, and a service that cannot be
 * reached exits with 6 and a hint, without ever showing the token.
 */
class CommandLineContractTest {
  private static final String TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-token-value.sig";
  private static final List<String> CLIENT_COMMANDS =
      List.of(
          "submit",
          "plan",
          "status",
          "watch",
          "approve",
          "cancel",
          "pause",
          "resume",
          "retry",
          "rollback",
          "available",
          "replay",
          "postmortem");

  @TempDir Path dir;
  private Map<String, String> env;
  private Path release;
  private int closedPort;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void nothingListensOnTheConfiguredPorts() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String url = "http://127.0.0.1:" + closedPort;
    env = new HashMap<>();
    env.put("LOCKSTEP_CONFIG", dir.resolve("config.json").toString());
    env.put("LOCKSTEP_TOKEN", TOKEN);
    env.put("LOCKSTEP_PLANNER_URL", url);
    env.put("LOCKSTEP_RECORDER_URL", url);
    env.put("LOCKSTEP_NOTIFIER_URL", url);
    release = dir.resolve("release.yaml");
    Files.writeString(
        release,
        "apiVersion: lockstep.dev/v1\nkind: Release\nmetadata: {name: dataos, version: 2.4.0}\n"
            + "spec: {layers: [core], components: []}\n");
  }

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new LockstepCommand(env))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void theHelpListsEveryCommandAndTheExitCodes() {
    Result help = run("--help");

    assertThat(help.code()).isZero();
    for (String command : CLIENT_COMMANDS) {
      assertThat(help.out()).contains("  " + command + " ");
    }
    assertThat(help.out()).contains("Exit codes: 0 ok, 1 upgrade not completed, 2 usage");
  }

  /**
   * {@code plan --offline} needs nothing running (every service URL here is a closed port): the
   * sample release is planned with the planner's rules, and a broken one exits 3 with every problem
   * and its path, as a CI job that checks a release would use it.
   */
  @Test
  void planningOfflineNeedsNoServiceAndExits3WithEveryProblemOfABadRelease() throws IOException {
    Path sample = Path.of("../docs/examples/sample-platform/release-2.0.0.yaml");

    Result planned = run("plan", "--offline", sample.toString());
    Result asJson = run("plan", "--offline", sample.toString(), "--output", "json");
    Result broken =
        run(
            "plan",
            "--offline",
            "../shared-events/src/test/resources/manifests/broken.yaml",
            "--namespaces",
            "core");
    Result outside = run("plan", "--offline", sample.toString(), "--namespaces", "core");

    assertThat(planned.code()).as(planned.err()).isZero();
    assertThat(planned.out()).contains("dataos 2.0.0").contains("workbench");
    assertThat(asJson.code()).isZero();
    assertThat(Json.mapper().readTree(asJson.out()).path("waves").size()).isPositive();
    assertThat(broken.code()).isEqualTo(ExitCodes.REJECTED);
    assertThat(broken.out()).isEmpty();
    assertThat(broken.err())
        .contains("invalid-manifest at release.apiVersion")
        .contains("invalid-range at release.spec.components[1].requires.postgres")
        .contains("duplicate-component at release.spec.components[2].name");
    assertThat(outside.code()).isEqualTo(ExitCodes.REJECTED);
    assertThat(outside.err()).contains("namespace-not-allowed");
    assertUsage(
        run("plan", sample.toString(), "--namespaces", "core", "-p", "p"), "go with --offline");
  }

  @Test
  void everyClientCommandTakesOutputTextOrJson() {
    CommandLine root = new CommandLine(new LockstepCommand(env));

    for (String command : CLIENT_COMMANDS) {
      CommandLine.Model.OptionSpec output =
          root.getSubcommands().get(command).getCommandSpec().findOption("--output");
      assertThat(output).as(command).isNotNull();
      assertThat(output.shortestName()).as(command).isEqualTo("-o");
    }
  }

  @Test
  void usageErrorsExitWith2AndSendNothing() throws IOException {
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "spec: [unclosed\n");

    assertUsage(run("submit", release.toString()), "--platform is required with a RELEASE file");
    assertUsage(
        run("submit", "--request", release.toString(), "--platform", "p"),
        "a --request file carries its own platform");
    assertUsage(run("submit", "-p", "p"), "give the RELEASE file to upgrade to");
    assertUsage(run("submit", dir.resolve("missing.yaml").toString(), "-p", "p"), "cannot read");
    assertUsage(
        run("submit", release.toString(), "-p", "p", "--not-before", "tomorrow"),
        "--not-before 'tomorrow' is not an instant");
    assertUsage(run("plan", broken.toString(), "-p", "p"), "broken.yaml is not valid YAML");
    assertUsage(
        run("status", "--output", "yaml"), "'yaml' is not an output format: use text or json");
    assertUsage(run("status", "up-1", "--platform", "p"), "filter the list; give no UPGRADE");
    assertUsage(run("watch"), "Missing required parameter: 'UPGRADE'");
    assertUsage(run("watch", "up-1", "--interval", "soon"), "'soon' is not a duration");
    assertUsage(run("approve", "up-1"), "Missing required parameter: 'STEP'");
    assertUsage(run("rollback"), "give --platform (its newest completed upgrade) or --upgrade");
    assertUsage(run("available"), "Missing required option: '--platform");
    assertUsage(run("inventory", "export"), "Missing required option: '--platform");
    assertUsage(run("inventory"), "lockstep inventory export -p PLATFORM");
    assertUsage(run("replay", "up-1", "--speed", "0"), "--speed is a number above 0");
    assertUsage(run("postmortem", "up-1", "--format", "pdf"), "--format is markdown or html");
    assertUsage(run("frobnicate"), "Unmatched argument at index 0: 'frobnicate'");
  }

  private static void assertUsage(Result result, String message) {
    assertThat(result.code()).as(result.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains(message).doesNotContain("cannot reach");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void aBrokenConfigFileIsAUsageErrorThatNamesIt() throws IOException {
    env.remove("LOCKSTEP_TOKEN");
    Files.writeString(dir.resolve("config.json"), "[\"not an object\"]");

    Result result = run("status");

    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .startsWith("error: cannot read the config file " + dir.resolve("config.json"))
        .contains("hint: fix or delete it");
  }

  @Test
  void anUnreachableServiceExitsWith6AndSaysWhatToCheck() {
    Result result = run("status", "up-1");

    assertThat(result.code()).isEqualTo(ExitCodes.UNAVAILABLE).isEqualTo(6);
    assertThat(result.out()).isEmpty();
    assertThat(result.err().lines().toList())
        .containsExactly(
            "error: cannot reach the rca-recorder at http://127.0.0.1:"
                + closedPort
                + ": connection refused",
            "hint: is `lockstep local` running? set LOCKSTEP_RECORDER_URL to the rca-recorder's"
                + " URL");
  }

  @Test
  void everyCommandReachesForItsServiceAndNoneShowsTheToken() throws IOException {
    Path request = dir.resolve("request.json");
    Files.writeString(
        request,
        "{\"platform\":\"dataos-prod\",\"releaseRef\":{\"product\":\"dataos\",\"version\":\"2.4.0\"}}");
    Map<String, String[]> commands =
        Map.of(
            "submit yaml", new String[] {"submit", release.toString(), "-p", "dataos-prod"},
            "submit json",
                new String[] {
                  "submit", release.toString(), "-p", "dataos-prod", "--reason", "why", "--watch"
                },
            "submit request",
                new String[] {"submit", "--request", request.toString(), "-o", "json"},
            "plan", new String[] {"plan", release.toString(), "-p", "dataos-prod"},
            "status list", new String[] {"status", "--platform", "dataos-prod", "-o", "json"},
            "watch", new String[] {"watch", "up-1", "--no-tty"},
            "approve", new String[] {"approve", "up-1", "s-2-1", "--comment", "ok"},
            "cancel", new String[] {"cancel", "up-1"},
            "rollback", new String[] {"rollback", "--platform", "dataos-prod"},
            "available", new String[] {"available", "-p", "dataos-prod"});
    Map<String, String[]> more =
        Map.of(
            "replay", new String[] {"replay", "up-1", "--speed", "10"},
            "pause", new String[] {"pause", "up-1", "--reason", "peak"},
            "resume", new String[] {"resume", "up-1"},
            "retry", new String[] {"retry", "up-1", "--watch", "--no-tty"},
            "inventory export", new String[] {"inventory", "export", "-p", "dataos-prod"},
            "postmortem", new String[] {"postmortem", "up-1", "--format", "html", "-o", "json"});
    Map<String, String[]> all = new HashMap<>(commands);
    all.putAll(more);

    all.forEach(
        (name, args) -> {
          Result result = run(args);
          assertThat(result.code()).as(name + ": " + result.err()).isEqualTo(ExitCodes.UNAVAILABLE);
          assertThat(result.err())
              .as(name)
              .startsWith("error: cannot reach the ")
              .contains("hint: ");
          assertThat(result.out() + result.err()).as(name).doesNotContain(TOKEN);
        });
  }

  @Test
  void withJsonOutputAFailurePrintsNothingOnStdout() {
    Result result = run("plan", release.toString(), "-p", "dataos-prod", "--output", "json");

    assertThat(result.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains("cannot reach the planner");
  }
}
