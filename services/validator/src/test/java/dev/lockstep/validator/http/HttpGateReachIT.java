package dev.lockstep.validator.http;

import static dev.lockstep.validator.TestingValidator.awaitVerdict;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.Measurement;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.manifest.Gate;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.TestingValidator.Verdict;
import io.micronaut.context.ApplicationContext;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an http gate may reach is the operator's allow-list, checked again by the validator when it
 * asks: a release that aims a gate at the cloud metadata address, writes, asks a host off the list,
 * a name that resolves to a loopback address, or sends a secret to a host it is not bound to is
 * refused without a request; an answer reaches the events only as a short, masked excerpt.
 */
class HttpGateReachIT {
  private static TestingHttpServer server;
  private static ApplicationContext validator;
  private static String self;

  @BeforeAll
  static void start() throws Exception {
    server = new TestingHttpServer();
    self = server.url("").substring("http://".length());
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

  private static Verdict run(Map<String, Object> reach, Gate.HttpCheck check) {
    String platform = TestingValidator.platform("reach");
    TestingValidator.reach(platform, reach, validator);
    request(
        platform,
        "u-" + platform,
        gate("probe", null, check, null, null, "100ms", null, null, null, 0, null),
        GatePurpose.VERIFY,
        Instant.now());
    return awaitVerdict(platform);
  }

  private static Measurement onlyMeasurement(Verdict verdict) {
    assertThat(verdict.passed()).isFalse();
    return verdict.asFailed().measurements().get(0);
  }

  @Test
  void aGateAimedAtTheCloudMetadataAddressIsRefusedEvenWhenEveryHostIsAllowed() {
    Verdict verdict =
        run(
            Map.of("http-hosts", List.of("*")),
            new Gate.HttpCheck(
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                null,
                200,
                null,
                null,
                null,
                "2s"));

    Measurement m = onlyMeasurement(verdict);
    assertThat(m.phase()).isEqualTo(MeasurementPhase.ERROR);
    assertThat(m.message())
        .startsWith("refused http://169.254.169.254/latest/meta-data/")
        .contains("a cloud metadata address");
  }

  @Test
  void aGateThatWritesIsRefusedAndNothingIsSent() {
    Verdict verdict =
        run(
            Map.of("http-hosts", List.of(self)),
            new Gate.HttpCheck(server.url("/post-here"), "POST", 200, null, null, null, null));

    assertThat(onlyMeasurement(verdict).message())
        .contains("method POST is not allowed: a gate only reads (GET or HEAD)");
    assertThat(server.hits("/post-here")).isZero();
  }

  @Test
  void aHostOffTheAllowListIsRefusedAndNothingIsSent() {
    Verdict verdict =
        run(
            Map.of("http-hosts", List.of("metis.core:8080", "127.0.0.1:1")),
            new Gate.HttpCheck(server.url("/off-list"), null, 200, null, null, null, null));

    assertThat(onlyMeasurement(verdict).message())
        .contains(self + " is not on the platform's allow-list")
        .contains(".gates.http-hosts");
    assertThat(server.hits("/off-list")).isZero();
  }

  @Test
  void aNameOnTheAllowListThatResolvesToALoopbackAddressIsRefused() throws Exception {
    String name = InetAddress.getLocalHost().getHostName();
    assumeThat(InetAddress.getByName(name).isLoopbackAddress())
        .as("this machine's name resolves to a loopback address")
        .isTrue();
    String url = server.url("/by-name").replace("127.0.0.1", name);

    Verdict verdict =
        run(
            Map.of("http-hosts", List.of(name)),
            new Gate.HttpCheck(url, null, 200, null, null, null, null));

    assertThat(onlyMeasurement(verdict).message())
        .contains("a loopback address, which gates may not reach unless");
    assertThat(server.hits("/by-name")).isZero();
  }

  @Test
  void aSecretIsNotSentToAHostItIsNotBoundTo() throws Exception {
    Verdict verdict =
        run(
            Map.of(
                "http-hosts",
                List.of(self),
                "secret-hosts.gates-api-token",
                List.of("metis.core:8080")),
            new Gate.HttpCheck(
                server.url("/secure"),
                null,
                200,
                null,
                null,
                Map.of("Authorization", "secret:gates/api-token"),
                null));

    assertThat(onlyMeasurement(verdict).message())
        .contains("header Authorization: the secret gates-api-token is not bound to " + self);
    assertThat(server.hits("/secure")).isZero();
  }

  @Test
  void anAnswerReachesTheEventsOnlyAsAShortMaskedExcerpt() throws Exception {
    Verdict verdict =
        run(
            Map.of("http-hosts", List.of(self)),
            new Gate.HttpCheck(server.url("/leak"), null, 200, null, "^nothing$", null, null));

    Measurement m = onlyMeasurement(verdict);
    assertThat(m.phase()).isEqualTo(MeasurementPhase.FAILED);
    assertThat(m.value()).startsWith("{\"status\":\"DOWN\"").hasSizeLessThanOrEqualTo(203);
    for (EventEnvelope event : verdict.all()) {
      assertThat(Json.mapper().writeValueAsString(event.data()))
          .doesNotContain("wJalrXUtnFEMI")
          .doesNotContain("IQoJb3JpZ2luX2VjEXAMPLE")
          .doesNotContain("x".repeat(250));
    }
  }
}
