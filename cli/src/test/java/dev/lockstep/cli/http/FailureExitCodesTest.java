package dev.lockstep.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.CliException;
import dev.lockstep.cli.ExitCodes;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every way a call fails maps to the documented exit code, message and hint. */
class FailureExitCodesTest {
  private static final URI PLANNER = URI.create("http://127.0.0.1:8081");
  private static final Path CONFIG = Path.of("/home/ada/.lockstep/config.json");
  private static final Call APPROVE =
      Call.post(Service.PLANNER, "/api/v1/upgrades/up-1/steps/s-2-1/approve", "{}", "approver");

  private static CliException status(Call call, int status, String body, boolean token) {
    return Failures.ofStatus(call, PLANNER, status, body, token, CONFIG);
  }

  @Test
  void aMissingOrRefusedTokenIsNotAuthorizedAndSaysWhereTheLocalModeStoresOne() {
    CliException none = status(APPROVE, 401, "", false);
    CliException refused = status(APPROVE, 401, "", true);

    assertThat(none.exitCode()).isEqualTo(ExitCodes.NOT_AUTHORIZED).isEqualTo(4);
    assertThat(none.getMessage()).contains("no token is configured").contains("HTTP 401");
    assertThat(refused.getMessage()).contains("not valid or has expired");
    assertThat(none.hint())
        .isEqualTo(
            "set LOCKSTEP_TOKEN, or run `lockstep local`, which stores a token in " + CONFIG);
  }

  @Test
  void aTokenWithoutTheRoleIsNotAuthorizedAndNamesTheRole() {
    CliException e =
        status(
            APPROVE,
            403,
            "{\"errors\":[{\"code\":\"forbidden\",\"path\":\"\",\"message\":\"Forbidden\"}]}",
            true);

    assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_AUTHORIZED);
    assertThat(e.getMessage())
        .isEqualTo("the token does not allow this: it needs the role approver (HTTP 403)");
  }

  @Test
  void anUnknownUpgradeIsNotFoundWithTheServicesMessage() {
    CliException e =
        status(
            APPROVE,
            404,
            "{\"errors\":[{\"code\":\"not-found\",\"path\":\"upgradeId\",\"message\":\"upgrade up-1 is not known\"}]}",
            true);

    assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_FOUND).isEqualTo(5);
    assertThat(e.lines())
        .containsExactly(
            "error: upgrade up-1 is not known", "hint: `lockstep status` lists the upgrades");
  }

  @Test
  void aRouteTheServiceLacksSuggestsTheUrlPointsElsewhere() {
    CliException e = status(APPROVE, 404, "<html>nope</html>", true);

    assertThat(e.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(e.getMessage())
        .isEqualTo("the planner has no POST /api/v1/upgrades/up-1/steps/s-2-1/approve (HTTP 404)");
    assertThat(e.hint())
        .isEqualTo("is http://127.0.0.1:8081 the planner? set LOCKSTEP_PLANNER_URL");
  }

  @Test
  void aRejectedRequestListsEveryErrorWithItsPath() {
    Call submit =
        Call.post(Service.PLANNER, "/api/v1/upgrades", "{}", "submitter")
            .onRejected("`lockstep plan` shows what the planner finds wrong without submitting");
    String body =
        "{\"errors\":["
            + "{\"code\":\"invalid-range\",\"path\":\"release.spec.components[1].requires.postgres\","
            + "\"message\":\"poros requires postgres with something that is not a range\"},"
            + "{\"code\":\"unknown-layer\",\"path\":\"release.spec.components[2].layer\","
            + "\"message\":\"metis is in layer kernel, which the release does not declare\"}]}";

    CliException e = status(submit, 422, body, true);

    assertThat(e.exitCode()).isEqualTo(ExitCodes.REJECTED).isEqualTo(3);
    assertThat(e.lines())
        .containsExactly(
            "error: the planner rejected the request (HTTP 422)",
            "  invalid-range at release.spec.components[1].requires.postgres: poros requires"
                + " postgres with something that is not a range",
            "  unknown-layer at release.spec.components[2].layer: metis is in layer kernel, which"
                + " the release does not declare",
            "hint: `lockstep plan` shows what the planner finds wrong without submitting");
  }

  @Test
  void aConflictIsARejection() {
    CliException e =
        status(
            Call.post(Service.PLANNER, "/api/v1/upgrades/up-1/cancel", "{}", "submitter"),
            409,
            "{\"errors\":[{\"code\":\"conflict\",\"path\":\"id\",\"message\":\"upgrade up-1 is completed and cannot be cancelled\"}]}",
            true);

    assertThat(e.exitCode()).isEqualTo(ExitCodes.REJECTED);
    assertThat(e.errors())
        .extracting(d -> d.message())
        .containsExactly("upgrade up-1 is completed and cannot be cancelled");
  }

  @Test
  void aServerFailureOrNoAnswerIsUnavailableWithAHint() {
    Call status = Call.get(Service.RECORDER, "/api/v1/upgrades/up-1", "viewer");
    URI recorder = URI.create("http://127.0.0.1:8085");

    CliException failed = Failures.ofStatus(status, recorder, 503, "", true, CONFIG);
    CliException refused = Failures.ofIo(status, recorder, new ConnectException());
    CliException slow = Failures.ofIo(status, recorder, new HttpTimeoutException("timed out"));
    CliException other = Failures.ofIo(status, recorder, new IOException("connection reset"));

    assertThat(failed.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE).isEqualTo(6);
    assertThat(failed.getMessage()).isEqualTo("the rca-recorder failed (HTTP 503)");
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(refused.lines())
        .containsExactly(
            "error: cannot reach the rca-recorder at http://127.0.0.1:8085: connection refused",
            "hint: is `lockstep local` running? set LOCKSTEP_RECORDER_URL to the rca-recorder's URL");
    assertThat(slow.getMessage()).endsWith("no answer in time");
    assertThat(other.getMessage()).endsWith("connection reset");
  }

  @Test
  void aBodyThatIsNotAnErrorListGivesNoErrors() {
    assertThat(Failures.errors("<html>bad gateway</html>")).isEmpty();
    assertThat(Failures.errors("{\"message\":\"x\"}")).isEmpty();
    assertThat(Failures.errors(null)).isEmpty();
  }
}
