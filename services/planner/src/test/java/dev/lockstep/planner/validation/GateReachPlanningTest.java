package dev.lockstep.planner.validation;

import static dev.lockstep.planner.TestingReleases.image;
import static dev.lockstep.planner.TestingReleases.release;
import static dev.lockstep.planner.TestingReleases.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.Release;
import dev.lockstep.planner.model.PlanningResult;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.platforms.PlannerCore;
import dev.lockstep.planner.platforms.PlatformPolicy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a release's gates may reach is the operator's choice: the planner, configured as an operator
 * writes {@code lockstep.platforms.<id>.gates}, rejects a release whose gates aim at a metadata
 * address, write, ask a host off the allow-list, name a Prometheus URL or an unknown datasource, or
 * send a secret where it is not bound, listing every violation with its path.
 */
class GateReachPlanningTest {
  private static final String P = "dataos-prod";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-03-02T10:00:00Z"), ZoneOffset.UTC);

  /** The configuration tree under {@code lockstep.platforms}, as the YAML of docs/gates.md. */
  private static final Map<String, Object> CONFIGURATION =
      Map.of(
          P,
          Map.of(
              "namespaces",
              List.of("core"),
              "gates",
              Map.of(
                  "http-hosts",
                  List.of("*.core.svc.cluster.local", "metis.core:8080", "127.0.0.1:8089"),
                  "secret-hosts",
                  Map.of("gates-metis-token", List.of("metis.core:8080")),
                  "prometheus-servers",
                  List.of("main"),
                  "datasources",
                  List.of("orders"))));

  private static Gate http(String name, String url, String method, Map<String, String> headers) {
    return gate(name, new Gate.HttpCheck(url, method, 200, null, null, headers, null), null, null);
  }

  private static Gate gate(
      String name, Gate.HttpCheck http, Gate.PrometheusCheck prometheus, Gate.SqlCheck sql) {
    return new Gate(name, null, http, prometheus, sql, null, null, null, null, null, null, null);
  }

  private static Component metis(List<Gate> gates) {
    Component c = image("metis", "core-kernel", "2.4.0", Map.of());
    return new Component(
        c.name(),
        c.layer(),
        c.version(),
        c.requires(),
        c.workload(),
        c.image(),
        c.drain(),
        c.migration(),
        c.backup(),
        gates,
        c.manifests(),
        c.helm(),
        c.customResource());
  }

  private static PlanningResult plan(Map<String, Object> configuration, Release release) {
    PlannerCore core = new PlannerCore(PlatformPolicy.fromTree(configuration), CLOCK);
    return UpgradePlanner.plan(
        core.previewRequest(
            P, release, List.of(running("metis", "core-kernel", "2.3.1", Map.of())), null),
        CLOCK);
  }

  @Test
  void everyGateThatReachesFurtherThanThePlatformAllowsIsRejectedWithItsPath() {
    List<Gate> gates = new ArrayList<>();
    gates.add(http("metadata", "http://169.254.169.254/latest/meta-data/iam/", null, null));
    gates.add(http("writes", "http://metis.core:8080/admin/reset", "POST", null));
    gates.add(http("elsewhere", "https://attacker.example.com/collect", null, null));
    gates.add(
        gate(
            "prom-url",
            null,
            new Gate.PrometheusCheck("http://169.254.169.254:80", "up", null, null),
            null));
    gates.add(
        gate("prom-unknown", null, new Gate.PrometheusCheck("other", "up", null, null), null));
    gates.add(gate("billing", null, null, new Gate.SqlCheck("billing", "select 1", "1", false)));
    gates.add(
        http(
            "leak",
            "http://web.core.svc.cluster.local/health",
            null,
            Map.of("Authorization", "secret:gates/metis-token")));
    gates.add(http("ec2-v6", "http://[fd00:ec2::254]/latest/", null, null));
    gates.add(http("loopback", "http://localhost:8089/", null, null));
    gates.add(http("other-port", "http://127.0.0.1:9000/", null, null));
    Release release =
        release(
            "2.4.0",
            gates,
            metis(List.of(http("metis-health", "http://10.0.0.7:8080/health", null, null))));

    PlanningResult result = plan(CONFIGURATION, release);

    assertThat(result).isInstanceOf(PlanningResult.Rejected.class);
    List<ErrorDetail> errors = ((PlanningResult.Rejected) result).errors();
    assertThat(errors).allSatisfy(e -> assertThat(e.code()).isEqualTo("gate-not-allowed"));
    assertThat(errors)
        .extracting(ErrorDetail::path)
        .containsExactlyInAnyOrder(
            "release.spec.components[0].gates[0].http.url",
            "release.spec.gates[0].http.url",
            "release.spec.gates[1].http.method",
            "release.spec.gates[2].http.url",
            "release.spec.gates[3].prometheus.address",
            "release.spec.gates[4].prometheus.address",
            "release.spec.gates[5].sql.datasource",
            "release.spec.gates[6].http.headers.Authorization",
            "release.spec.gates[7].http.url",
            "release.spec.gates[8].http.url",
            "release.spec.gates[9].http.url");
    assertThat(errors)
        .anySatisfy(
            e ->
                assertThat(e.message())
                    .contains("gate metadata")
                    .contains("169.254.169.254 is a cloud metadata address"))
        .anySatisfy(e -> assertThat(e.message()).contains("method POST is not allowed"))
        .anySatisfy(
            e ->
                assertThat(e.message())
                    .contains("attacker.example.com:443 is not on the platform's allow-list"))
        .anySatisfy(
            e -> assertThat(e.message()).contains("must name a Prometheus server", "not a URL"))
        .anySatisfy(e -> assertThat(e.message()).contains("the datasource 'billing'"))
        .anySatisfy(
            e ->
                assertThat(e.message())
                    .contains("the secret gates-metis-token is not bound to")
                    .contains("web.core.svc.cluster.local:80"));
  }

  @Test
  void gatesWithinWhatThePlatformAllowsArePlanned() {
    Release release =
        release(
            "2.4.0",
            List.of(
                http(
                    "metis-health",
                    "http://metis.core:8080/health",
                    "HEAD",
                    Map.of("Authorization", "secret:gates/metis-token")),
                http("web", "https://web.core.svc.cluster.local/health", null, null),
                http("local", "http://127.0.0.1:8089/apps/web/health", "get", null),
                gate("rate", null, new Gate.PrometheusCheck("main", "up", null, null), null),
                gate("default-prom", null, new Gate.PrometheusCheck(null, "up", null, null), null),
                gate("orders", null, null, new Gate.SqlCheck("orders", "select 1", "1", false))),
            metis(List.of()));

    PlanningResult result = plan(CONFIGURATION, release);

    assertThat(result).isInstanceOf(PlanningResult.Planned.class);
  }

  @Test
  void aPlatformWithoutGateSettingsLetsHttpGatesReachNothing() {
    Release release =
        release(
            "2.4.0",
            List.of(http("metis-health", "http://metis.core:8080/health", null, null)),
            metis(List.of()));

    PlanningResult result = plan(Map.of(P, Map.of("namespaces", List.of("core"))), release);

    assertThat(result).isInstanceOf(PlanningResult.Rejected.class);
    assertThat(((PlanningResult.Rejected) result).errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path()).isEqualTo("release.spec.gates[0].http.url");
              assertThat(e.message())
                  .contains("metis.core:8080 is not on the platform's allow-list");
            });
  }
}
