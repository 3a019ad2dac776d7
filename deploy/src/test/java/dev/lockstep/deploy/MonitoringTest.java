package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules pass {@code promtool check rules}; the chart renders them unchanged as a
 * PrometheusRule and the dashboard in a ConfigMap Grafana's sidecar finds; and every metric the
 * rules and the dashboard query is one the services export, as the Monitoring section of
 * docs/operations.md lists them.
 */
class MonitoringTest {
  private static final Path ALERTS = Manifests.CHART.resolve("files/alerts.yml");
  private static final Path DASHBOARD = Manifests.CHART.resolve("files/dashboard.json");
  private static final Path OPERATIONS = Manifests.ROOT.resolve("docs/operations.md");
  private static final String PROMTOOL =
      System.getenv().getOrDefault("LOCKSTEP_PROMTOOL_BIN", "/usr/bin/promtool");
  private static final Pattern METRIC = Pattern.compile("\\blockstep_[a-z_]+");
  private static final Set<String> ALERT_NAMES =
      Set.of(
          "LockstepUpgradeStuck",
          "LockstepRollbackFailed",
          "LockstepDeadLetters",
          "LockstepConsumerLagGrowing",
          "LockstepServiceNotReady");

  @Test
  void theAlertRulesPassPromtool() throws Exception {
    assertThat(Path.of(PROMTOOL))
        .as("promtool (Debian's prometheus package: apt-get install -y prometheus)")
        .isExecutable();
    Process process =
        new ProcessBuilder(PROMTOOL, "check", "rules", ALERTS.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("SUCCESS: " + ALERT_NAMES.size() + " rules found");
    assertThat(alertNames(Manifests.read(ALERTS))).isEqualTo(new TreeSet<>(ALERT_NAMES));
  }

  @Test
  void theChartRendersThePrometheusRuleFromTheSameFileWhenAskedTo() {
    List<JsonNode> rendered =
        Manifests.render(
            t ->
                t.set("monitoring.prometheusRule.enabled", "true")
                    .set("monitoring.prometheusRule.labels.release", "prometheus"));

    JsonNode rule = Manifests.named(rendered, "PrometheusRule", "lockstep-alerts");
    assertThat(rule).isNotNull();
    assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
    assertThat(rule.path("spec")).isEqualTo(Manifests.read(ALERTS));
    assertThat(Manifests.ofKind(Manifests.render(t -> t), "PrometheusRule"))
        .as("off by default: it needs the Prometheus Operator's CRDs")
        .isEmpty();
  }

  @Test
  void theChartProvisionsTheDashboardInAConfigMapWithGrafanasLabel() throws IOException {
    JsonNode configMap =
        Manifests.named(Manifests.render(t -> t), "ConfigMap", "lockstep-dashboard");

    assertThat(configMap).isNotNull();
    assertThat(configMap.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
    ObjectMapper json = new ObjectMapper();
    JsonNode dashboard = json.readTree(configMap.at("/data/lockstep.json").asText());
    assertThat(dashboard).isEqualTo(json.readTree(DASHBOARD.toFile()));
    assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(10);
    assertThat(
            Manifests.ofKind(
                Manifests.render(t -> t.set("monitoring.dashboard.enabled", "false")), "ConfigMap"))
        .noneMatch(c -> c.at("/metadata/name").asText().equals("lockstep-dashboard"));
  }

  @Test
  void everyQueryOfTheDashboardAndTheRulesUsesOnlyMetricsTheServicesExport() throws IOException {
    Set<String> documented = documentedMetrics();
    assertThat(documented)
        .contains(
            "lockstep_upgrades_total",
            "lockstep_step_duration_seconds",
            "lockstep_gate_duration_seconds",
            "lockstep_dead_letters_total",
            "lockstep_consumer_lag_records");

    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")) {
      assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      panel.path("targets").forEach(target -> expressions.add(target.path("expr").asText()));
    }
    for (JsonNode group : Manifests.read(ALERTS).path("groups")) {
      group.path("rules").forEach(rule -> expressions.add(rule.path("expr").asText()));
    }
    Set<String> used = new TreeSet<>();
    for (String expression : expressions) {
      Matcher matcher = METRIC.matcher(expression);
      assertThat(matcher.find()).as("queries a lockstep metric: " + expression).isTrue();
      do {
        used.add(matcher.group());
      } while (matcher.find());
    }
    Set<String> bases = new TreeSet<>();
    for (String metric : used) {
      String base = metric.replaceAll("_(bucket|sum|count)$", "");
      assertThat(documented).as("%s is a metric the services export", metric).contains(base);
      bases.add(base);
    }
    assertThat(bases)
        .as("every documented metric is on the dashboard or in a rule")
        .isEqualTo(documented);
  }

  /** The metric names of the table in the Monitoring section of docs/operations.md. */
  private static Set<String> documentedMetrics() throws IOException {
    String doc = Files.readString(OPERATIONS);
    int start = doc.indexOf("\n## Monitoring");
    assertThat(start).as("docs/operations.md has a Monitoring section").isPositive();
    Set<String> metrics = new TreeSet<>();
    Matcher row = Pattern.compile("\\n\\| `(lockstep_[a-z_]+)` \\|").matcher(doc);
    row.region(start, doc.length());
    while (row.find()) {
      metrics.add(row.group(1));
    }
    return metrics;
  }

  private static Set<String> alertNames(JsonNode rules) {
    Set<String> names = new TreeSet<>();
    for (JsonNode group : rules.path("groups")) {
      group.path("rules").forEach(rule -> names.add(rule.path("alert").asText()));
    }
    return names;
  }
}
