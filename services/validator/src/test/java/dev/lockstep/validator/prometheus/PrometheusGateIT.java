package dev.lockstep.validator.prometheus;

import static dev.lockstep.validator.TestingValidator.awaitGateEvents;
import static dev.lockstep.validator.TestingValidator.awaitVerdict;
import static dev.lockstep.validator.TestingValidator.gate;
import static dev.lockstep.validator.TestingValidator.measured;
import static dev.lockstep.validator.TestingValidator.platform;
import static dev.lockstep.validator.TestingValidator.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.v1.GatePurpose;
import dev.lockstep.events.v1.MeasurementPhase;
import dev.lockstep.manifest.Gate;
import dev.lockstep.testkit.prometheus.PrometheusProcess;
import dev.lockstep.validator.TestingValidator;
import dev.lockstep.validator.TestingValidator.Verdict;
import io.micronaut.context.ApplicationContext;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * prometheus gates against a real Prometheus scraping a test exporter every second, whose error
 * rates the test sets: a low rate passes, a high one fails, a rate that recovers passes on
 * consecutive successes, vectors with all/any, no data is inconclusive, an unreachable Prometheus
 * and a bad condition fail closed.
 */
class PrometheusGateIT {
  private static final List<String> SERVICES = List.of("calm", "burning", "recovering");
  private static TestingExporter exporter;
  private static PrometheusProcess prometheus;
  private static ApplicationContext validator;

  @BeforeAll
  static void start() throws Exception {
    exporter = new TestingExporter();
    exporter.errorRate("calm", 0.0);
    exporter.errorRate("burning", 0.2);
    exporter.errorRate("recovering", 0.5);
    prometheus =
        PrometheusProcess.start(
            List.of(
                new PrometheusProcess.Scrape("exporter", "/metrics", List.of(exporter.target()))),
            List.of());
    awaitRates();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    validator =
        TestingValidator.start(
            Map.of(
                "lockstep.validator.prometheus.url", prometheus.url(),
                "lockstep.validator.prometheus.servers.main.url", prometheus.url(),
                "lockstep.validator.prometheus.servers.down.url",
                    "http://127.0.0.1:" + closedPort));
  }

  @AfterAll
  static void stop() {
    if (validator != null) {
      validator.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
    if (exporter != null) {
      exporter.close();
    }
  }

  /** Waits until Prometheus has enough samples to compute a rate for every service. */
  private static void awaitRates() throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      JsonNode result = prometheus.query("count(rate(app_requests_total[5s]) > 0)");
      if (result.size() == 1 && result.get(0).path("value").path(1).asInt() == SERVICES.size()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Prometheus never had rates for " + SERVICES);
  }

  private static String errorRatio(String service) {
    return "sum(rate(app_errors_total{service=\""
        + service
        + "\"}[5s])) / sum(rate(app_requests_total{service=\""
        + service
        + "\"}[5s]))";
  }

  private static Gate gateOf(
      String name,
      Gate.PrometheusCheck check,
      Integer count,
      Integer failureLimit,
      Integer successLimit,
      Integer errorLimit) {
    return gate(
        name,
        null,
        null,
        check,
        null,
        "500ms",
        count,
        failureLimit,
        successLimit,
        errorLimit,
        null);
  }

  private static Verdict run(Gate gate) {
    return run(gate, List.of("main", "down"));
  }

  /** Runs a gate of a platform whose gates may name these Prometheus servers. */
  private static Verdict run(Gate gate, List<String> servers) {
    String platform = platform("prom");
    TestingValidator.reach(platform, Map.of("prometheus-servers", servers), validator);
    request(platform, "u-" + platform, gate, GatePurpose.VERIFY, Instant.now());
    return awaitVerdict(platform);
  }

  @Test
  void aLowErrorRatePasses() {
    Verdict verdict =
        run(
            gateOf(
                "error-rate",
                new Gate.PrometheusCheck(null, errorRatio("calm"), "result < 0.01", null),
                3,
                0,
                null,
                null));

    assertThat(verdict.passed()).isTrue();
    assertThat(verdict.asPassed().measurements())
        .hasSize(3)
        .allSatisfy(m -> assertThat(m.value()).isEqualTo("0"));
  }

  @Test
  void aHighErrorRateFailsOnceFailuresExceedTheLimit() {
    Verdict verdict =
        run(
            gateOf(
                "error-rate",
                new Gate.PrometheusCheck(null, errorRatio("burning"), "result < 0.01", null),
                5,
                1,
                null,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements()).hasSize(2);
    // The ratio of two rates is 0.2 up to floating-point rounding (0.19999999999999998 happens).
    assertThat(Double.parseDouble(verdict.asFailed().measurements().get(0).value()))
        .isCloseTo(0.2, within(1e-9));
    assertThat(verdict.asFailed().reason()).contains("does not meet 'result < 0.01'");
  }

  @Test
  void aFailureConditionFailsTheMeasurement() {
    Verdict verdict =
        run(
            gateOf(
                "error-rate",
                new Gate.PrometheusCheck(null, errorRatio("burning"), null, "result > 0.1"),
                1,
                0,
                null,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().reason()).contains("meets the failure condition 'result > 0.1'");
  }

  @Test
  void anErrorRateThatRecoversPassesOnConsecutiveSuccesses() {
    String platform = platform("prom");
    request(
        platform,
        "u-" + platform,
        gateOf(
            "error-rate",
            new Gate.PrometheusCheck(null, errorRatio("recovering"), "result < 0.05", null),
            60,
            60,
            2,
            null),
        GatePurpose.VERIFY,
        Instant.now());
    awaitGateEvents(
        platform,
        events ->
            measured(events).stream()
                .anyMatch(m -> m.measurement().phase() == MeasurementPhase.FAILED));
    exporter.errorRate("recovering", 0.0);

    Verdict verdict = awaitVerdict(platform);

    assertThat(verdict.passed()).isTrue();
    List<MeasurementPhase> phases =
        verdict.asPassed().measurements().stream().map(m -> m.phase()).toList();
    assertThat(phases.get(0)).isEqualTo(MeasurementPhase.FAILED);
    assertThat(phases.subList(phases.size() - 2, phases.size()))
        .containsOnly(MeasurementPhase.SUCCESSFUL);
  }

  @Test
  void vectorsAreJudgedWithAllAndAny() {
    String perService =
        "sum by (service) (rate(app_errors_total{service=~\"calm|burning\"}[5s]))"
            + " / sum by (service) (rate(app_requests_total{service=~\"calm|burning\"}[5s]))";

    Verdict all =
        run(
            gateOf(
                "all",
                new Gate.PrometheusCheck(null, perService, "all(result, {# < 0.05})", null),
                1,
                0,
                null,
                null));
    Verdict any =
        run(
            gateOf(
                "any",
                new Gate.PrometheusCheck(null, perService, "any(result, # < 0.05)", null),
                1,
                0,
                null,
                null));

    assertThat(all.passed()).isFalse();
    assertThat(all.asFailed().measurements().get(0).value()).startsWith("[");
    assertThat(any.passed()).isTrue();
  }

  @Test
  void noDataIsInconclusiveAndFailsTheGate() {
    Verdict verdict =
        run(
            gateOf(
                "absent",
                new Gate.PrometheusCheck(null, errorRatio("absent"), "result < 0.01", null),
                3,
                0,
                null,
                null));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements())
        .singleElement()
        .satisfies(m -> assertThat(m.phase()).isEqualTo(MeasurementPhase.INCONCLUSIVE));
    assertThat(verdict.asFailed().reason()).contains("1 inconclusive (no data)");
  }

  @Test
  void anUnreachablePrometheusFailsClosedAfterTheErrorLimit() {
    Verdict verdict =
        run(
            gateOf(
                "error-rate",
                new Gate.PrometheusCheck("down", errorRatio("calm"), "result < 0.01", null),
                1,
                0,
                null,
                1));

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.asFailed().measurements())
        .hasSize(2)
        .allSatisfy(m -> assertThat(m.phase()).isEqualTo(MeasurementPhase.ERROR));
    assertThat(verdict.asFailed().reason()).contains("cannot be queried");
  }

  @Test
  void aGateNamesAConfiguredServerAndAnAddressInTheReleaseIsRefused() {
    Verdict named =
        run(
            gateOf(
                "named",
                new Gate.PrometheusCheck("main", errorRatio("calm"), "result < 0.01", null),
                1,
                0,
                null,
                0));
    Verdict url =
        run(
            gateOf(
                "url",
                new Gate.PrometheusCheck(
                    prometheus.url(), errorRatio("calm"), "result < 0.01", null),
                1,
                0,
                null,
                0));
    Verdict notThisPlatforms =
        run(
            gateOf(
                "other",
                new Gate.PrometheusCheck("main", errorRatio("calm"), "result < 0.01", null),
                1,
                0,
                null,
                0),
            List.of("down"));

    assertThat(named.passed()).isTrue();
    assertThat(url.passed()).isFalse();
    assertThat(url.asFailed().reason())
        .contains("address must name a Prometheus server configured for the platform")
        .contains("not a URL");
    assertThat(notThisPlatforms.passed()).isFalse();
    assertThat(notThisPlatforms.asFailed().reason())
        .contains("the Prometheus server 'main' is not allowed for the platform");
  }

  @Test
  void aBadConditionOrQueryIsAnErrorWithItsExplanation() {
    Verdict condition =
        run(
            gateOf(
                "bad",
                new Gate.PrometheusCheck(null, errorRatio("calm"), "result << 1", null),
                1,
                0,
                null,
                0));
    Verdict query =
        run(
            gateOf(
                "bad",
                new Gate.PrometheusCheck(null, "sum(rate(", "result < 1", null),
                1,
                0,
                null,
                0));

    assertThat(condition.asFailed().reason()).contains("bad condition 'result << 1'");
    assertThat(query.asFailed().reason()).contains("Prometheus answered 400").contains("bad_data");
  }
}
