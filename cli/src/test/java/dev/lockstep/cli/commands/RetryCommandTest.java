package dev.lockstep.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.lockstep.cli.ExitCodes;
import dev.lockstep.cli.LockstepCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code lockstep retry} against a planner that answers as the real one does: the new upgrade's id
 * is printed (alone on stdout, for scripts), and a refusal exits 3 with the planner's reason.
 */
class RetryCommandTest {
  private HttpServer planner;
  private final List<String> asked = new ArrayList<>();
  private int status;
  private String answer;

  @BeforeEach
  void start() throws Exception {
    planner = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    planner.createContext(
        "/",
        exchange -> {
          asked.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    planner.start();
  }

  @AfterEach
  void stop() {
    planner.stop(0);
  }

  private int run(StringWriter out, StringWriter err, String... args) {
    String url = "http://127.0.0.1:" + planner.getAddress().getPort();
    Map<String, String> env =
        Map.of(
            "LOCKSTEP_TOKEN", "t0ken",
            "LOCKSTEP_PLANNER_URL", url,
            "LOCKSTEP_RECORDER_URL", url,
            "LOCKSTEP_NOTIFIER_URL", url,
            "LOCKSTEP_CONFIG", "/nonexistent/config.json");
    return new CommandLine(new LockstepCommand(env))
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  @Test
  void theNewUpgradesIdIsPrinted() {
    status = 202;
    answer = "{\"upgradeId\":\"up-2\",\"retryOf\":\"up-1\",\"status\":\"queued\"}";
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = run(out, err, "retry", "up-1", "--reason", "registry was down");

    assertThat(code).as(err.toString()).isEqualTo(ExitCodes.OK);
    assertThat(out.toString()).isEqualTo("up-2" + System.lineSeparator());
    assertThat(err.toString()).contains("lockstep watch up-2");
    assertThat(asked)
        .containsExactly(
            "POST /api/v1/upgrades/up-1/retry {\"reason\":\"registry was down\"} Bearer t0ken");
  }

  @Test
  void anUpgradeThatHasNotEndedIsRefusedWithExitCode3() {
    status = 409;
    answer =
        "{\"errors\":[{\"code\":\"conflict\",\"path\":\"id\",\"message\":\"upgrade up-1 is"
            + " scheduled: only an upgrade that ended failed, rolled back or cancelled can be"
            + " retried\"}]}";
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = run(out, err, "retry", "up-1");

    assertThat(code).isEqualTo(ExitCodes.REJECTED);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("upgrade up-1 is scheduled");
  }
}
