package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.GatePassed;
import dev.lockstep.events.v1.StepStarted;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.prometheus.PrometheusProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The services' {@code lockstep_*} metrics as a real Prometheus scrapes them during an upgrade. */
final class ScrapedMetrics {
  private ScrapedMetrics() {}

  /** The five services that talk through Kafka, each with consumer groups of its own. */
  private static final List<LockstepService> EVENT_SERVICES =
      List.of(
          LockstepService.PLANNER,
          LockstepService.EXECUTOR,
          LockstepService.VALIDATOR,
          LockstepService.NOTIFIER,
          LockstepService.RECORDER);

  /** A real Prometheus scraping the {@code /prometheus} of the five services every second. */
  static PrometheusProcess scrapeEveryService(LocalMode local) {
    List<PrometheusProcess.Scrape> scrapes = new ArrayList<>();
    for (LockstepService service : EVENT_SERVICES) {
      scrapes.add(
          new PrometheusProcess.Scrape(
              "lockstep-" + service.id(),
              "/prometheus",
              List.of(local.services().url(service).getAuthority())));
    }
    return PrometheusProcess.start(scrapes, List.of());
  }

  /**
   * What an operator's Prometheus shows of the completed upgrade, queried back through its API: the
   * upgrade counted as completed on its platform, every step and gate in the duration histograms,
   * gate verdicts, notifications delivered, the recorder's ingest, consumer lag per group, and no
   * running-upgrade gauge left.
   */
  static void assertTheUpgradeIsInTheMetrics(
      LocalMode local, PrometheusProcess prometheus, List<EventEnvelope> events) {
    String platform = "platform=\"" + local.platform() + "\"";
    Eventually.until(
        "Prometheus has scraped the completed upgrade",
        Duration.ofSeconds(30),
        () ->
            prometheus.value("sum(lockstep_upgrades_total{" + platform + ",outcome=\"completed\"})")
                == 1);
    long steps =
        events.stream()
            .filter(e -> e.data() instanceof StepStarted)
            .map(e -> ((StepStarted) e.data()).stepId())
            .distinct()
            .count();
    long gates =
        events.stream()
            .filter(e -> e.data() instanceof GatePassed)
            .map(e -> ((GatePassed) e.data()).gateId())
            .distinct()
            .count();
    assertThat(steps).isPositive();
    assertThat(gates).isPositive();
    assertThat(
            prometheus.value(
                "sum(lockstep_upgrades_total{" + platform + ",outcome!=\"completed\"})"))
        .as("nothing else ended")
        .isNaN();
    assertThat(prometheus.value("sum(lockstep_step_duration_seconds_count{outcome=\"succeeded\"})"))
        .isEqualTo(steps);
    assertThat(prometheus.value("sum(lockstep_step_duration_seconds_bucket{le=\"+Inf\"})"))
        .isEqualTo(steps);
    assertThat(prometheus.value("sum(lockstep_gate_verdicts_total{verdict=\"passed\"})"))
        .isEqualTo(gates);
    assertThat(prometheus.value("sum(lockstep_gate_duration_seconds_count)")).isEqualTo(gates);
    assertThat(prometheus.value("sum(lockstep_step_duration_seconds_sum)"))
        .as("the steps took time")
        .isPositive();
    assertThat(prometheus.value("sum(lockstep_notifications_total{outcome=\"delivered\"})"))
        .isPositive();
    assertThat(prometheus.value("sum(lockstep_recorder_events_ingested_total)"))
        .as("the recorder took in at least the upgrade's events")
        .isGreaterThanOrEqualTo(events.size());
    assertThat(prometheus.value("sum(lockstep_recorder_batch_size_events_count)")).isPositive();
    assertThat(prometheus.value("min(lockstep_consumer_ready)"))
        .as("every consumer is ready")
        .isEqualTo(1);
    assertThat(
            prometheus.value(
                "count(count by (group) (lockstep_consumer_lag_records{job=~\"lockstep-.*\"}))"))
        .as("every service's consumer groups report their lag")
        .isGreaterThanOrEqualTo(EVENT_SERVICES.size());
    assertThat(prometheus.query("lockstep_upgrade_started_timestamp_seconds{" + platform + "}"))
        .as("no running-upgrade gauge outlives the upgrade")
        .isEmpty();
  }
}
