package dev.lockstep.validator.http;

import static dev.lockstep.validator.TestingValidator.awaitVerdict;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.measured;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GateMeasured;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.manifest.Gate;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.TestingValidator.Verdict;
import io.micronaut.context.ApplicationContext;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * http gates against a real HTTP server, and the analysis semantics end to end: failureLimit,
 * consecutive successes, the error limit (an unreachable server fails closed), per-request and
 * overall timeouts, secret headers, many gates at once, and a repeated request.
 */
class HttpGateIT {
  private static TestingHttpServer server;
  private static ApplicationContext validator;

  @BeforeAll
  static void start() throws Exception {
    server = new TestingHttpServer();
    validator =
        TestingValidator.start(
            Map.of("lockstep.validator.secrets.gates-api-token", TestingHttpServer.TOKEN));
  }

  @AfterAll
  static void stop() {
    if (validator != null) {
      validator.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static Gate.HttpCheck get(String url, String jsonPath, String expectBody) {
    return new Gate.HttpCheck(url, null, 200, jsonPath, expectBody, null, null);
  }

  /**
   * Lets the platform's gates ask any port of 127.0.0.1 (the test server, and a closed port), with
   * the secrets bound to the test server.
   */
  private static String allowed(String prefix) {
    String platform = TestingValidator.platform(prefix);
    String self = server.url("").substring("http://".length());
    TestingValidator.reach(
        platform,
        Map.of(
            "http-hosts", List.of("127.0.0.1"),
            "secret-hosts.gates-api-token", List.of(self),
            "secret-hosts.gates-missing", List.of(self)),
        validator);
    return platform;
  }

  private static Verdict run(Gate gate) {
    String platform = allowed("http");
    request(platform, "u-" + platform, gate, GatePurpose.VERIFY, Instant.now());
    return awaitVerdict(platform);
  }

  @Test
  void passesWhenTheStatusAndTheJsonPathValueMatch() {
    Verdict verdict =
        run(
            gate(
                "health",
                null,
                get(server.url("/health"), "$.status", "^UP$"),
                null,
                null,
                "100ms",
                2,
                null,
                null,
                null,
                null));

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.asPassed().measurements())
        .hasSize(2)
        .allSatisfy(
            m -> {
              assertThat(m.phase()).isEqualTo(MeasurementPhase.SUCCESSFUL);
              assertThat(m.value()).isEqualTo("UP");
            });
    assertThat(measured(verdict.all()))
        .extracting(m -> m.measurement().index())
        .containsExactly(0, 1);
  }

  @Test
  void failsWithAReasonWhenTheBodyDoesNotMatch() {
    Verdict verdict =
        run(
            gate(
                "health",
                null,
                get(server.url("/degraded"), "$.status", "^UP$"),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason())
        .contains("$.status = 'DOWN'")
        .contains("does not match");
    assertThat(verdict.asFailed().measurements())
        .singleElement()
        .satisfies(m -> assertThat(m.phase()).isEqualTo(MeasurementPhase.FAILED));
  }

  @Test
  void failureLimitToleratesThatManyFailuresAndNoMore() {
    Verdict tolerated =
        run(
            gate(
                "flaky",
                null,
                get(server.sequence("tolerated", List.of(500, 200, 200, 200)), null, null),
                null,
                null,
                "100ms",
                4,
                1,
                null,
                null,
                null));
    Verdict exceeded =
        run(
            gate(
                "flaky",
                null,
                get(server.sequence("exceeded", List.of(500, 200, 500, 200)), null, null),
                null,
                null,
                "100ms",
                4,
                1,
                null,
                null,
                null));

    assertThat(tolerated.passed()).isTrue();
    assertThat(tolerated.asPassed().measurements()).hasSize(4);
    assertThat(exceeded.passed()).isFalse();
    assertThat(exceeded.asFailed().measurements()).hasSize(3);
    assertThat(exceeded.asFailed().reason()).contains("2 failed").contains("failure limit of 1");
  }

  @Test
  void consecutiveSuccessesPassTheGateEarly() {
    Verdict verdict =
        run(
            gate(
                "warmup",
                null,
                get(server.sequence("warmup", List.of(503, 503, 200)), null, null),
                null,
                null,
                "100ms",
                20,
                20,
                2,
                null,
                null));

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.asPassed().measurements())
        .extracting(m -> m.phase())
        .containsExactly(
            MeasurementPhase.FAILED,
            MeasurementPhase.FAILED,
            MeasurementPhase.SUCCESSFUL,
            MeasurementPhase.SUCCESSFUL);
  }

  @Test
  void anUnreachableServerIsAnErrorAndTooManyErrorsFailTheGate() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Verdict verdict =
        run(
            gate(
                "down",
                null,
                get("http://127.0.0.1:" + closedPort + "/health", null, null),
                null,
                null,
                "100ms",
                1,
                null,
                null,
                2,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements())
        .hasSize(3)
        .allSatisfy(m -> assertThat(m.phase()).isEqualTo(MeasurementPhase.ERROR));
    assertThat(verdict.asFailed().reason())
        .contains("3 consecutive measurements could not be taken (limit 2)")
        .contains("ConnectException");
  }

  @Test
  void aRequestThatOutlastsItsTimeoutIsAnError() {
    Verdict verdict =
        run(
            gate(
                "slow",
                null,
                new Gate.HttpCheck(server.url("/hang"), null, 200, null, null, null, "200ms"),
                null,
                null,
                "100ms",
                1,
                null,
                null,
                0,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.phase()).isEqualTo(MeasurementPhase.ERROR);
              assertThat(m.message()).contains("HttpTimeoutException");
            });
  }

  @Test
  void theOverallTimeoutFailsAGateThatHasNotDecided() {
    Verdict verdict =
        run(
            gate(
                "endless",
                null,
                get(server.url("/health"), null, null),
                null,
                null,
                "200ms",
                1000,
                null,
                null,
                null,
                "1s"));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason()).startsWith("timed out after 1s");
    assertThat(verdict.asFailed().measurements()).isNotEmpty();
  }

  @Test
  void secretHeadersAreResolvedFromConfigurationAndNeverWritten() throws Exception {
    Gate.HttpCheck check =
        new Gate.HttpCheck(
            server.url("/secure"),
            null,
            200,
            null,
            null,
            Map.of("Authorization", "secret:gates/api-token"),
            null);
    Verdict verdict =
        run(gate("secure", null, check, null, null, null, null, null, null, null, null));

    assertThat(verdict.passed()).isTrue();
    for (EventEnvelope event : verdict.all()) {
      assertThat(Json.mapper().writeValueAsString(event.data())).doesNotContain("s3cr3t");
    }
  }

  @Test
  void anUnconfiguredSecretIsAnErrorThatNamesTheKeyNotAValue() {
    Gate.HttpCheck check =
        new Gate.HttpCheck(
            server.url("/secure"),
            null,
            200,
            null,
            null,
            Map.of("Authorization", "secret:gates/missing"),
            null);
    Verdict verdict =
        run(gate("secure", null, check, null, null, "100ms", null, null, null, 0, null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements().get(0).message())
        .contains("lockstep.validator.secrets.gates-missing");
  }

  @Test
  void manyGatesAreEvaluatedAtOnce() {
    int gates = 12;
    server.barrier(gates);
    List<String> platforms = new ArrayList<>();
    for (int i = 0; i < gates; i++) {
      String platform = allowed("many");
      platforms.add(platform);
      request(
          platform,
          "u-" + platform,
          gate(
              "together",
              null,
              new Gate.HttpCheck(server.url("/barrier"), null, 200, null, null, null, "30s"),
              null,
              null,
              null,
              null,
              null,
              null,
              0,
              null),
          GatePurpose.VERIFY,
          Instant.now());
    }

    // The barrier answers 200 only while all twelve requests are in flight together.
    for (String platform : platforms) {
      assertThat(awaitVerdict(platform).passed()).as(platform).isTrue();
    }
  }

  @Test
  void aRepeatedRequestIsEvaluatedOnce() {
    String platform = allowed("dup");
    Gate first =
        gate(
            "first",
            null,
            get(server.url("/health"), null, null),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null);
    EventEnvelope request =
        request(platform, "u-" + platform, first, GatePurpose.VERIFY, Instant.now());
    TestingValidator.publish(request);
    Gate later =
        gate(
            "later",
            null,
            get(server.url("/health"), null, null),
            null,
            null,
            "200ms",
            3,
            null,
            null,
            null,
            null);
    request(platform, "u-" + platform, later, GatePurpose.VERIFY, Instant.now());

    List<EventEnvelope> events =
        TestingValidator.awaitGateEvents(
            platform,
            list ->
                list.stream()
                    .anyMatch(
                        e ->
                            TestingValidator.isVerdict(e)
                                && e.data().toString().contains("w0-later")));

    assertThat(events.stream().filter(TestingValidator::isVerdict)).hasSize(2);
    assertThat(
            measured(events).stream()
                .filter(m -> m.gateId().equals("w0-first"))
                .map(GateMeasured::measurement))
        .hasSize(1);
  }
}
