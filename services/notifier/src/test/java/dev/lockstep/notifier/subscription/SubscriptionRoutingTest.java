package dev.lockstep.notifier.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.ErrorDetail;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who hears about what: the sample subscriptions, filters, and what a document may not say. */
class SubscriptionRoutingTest {
  private static SubscriptionConfig sample;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in =
        SubscriptionRoutingTest.class.getClassLoader().getResourceAsStream("subscriptions.yml")) {
      sample = SubscriptionStore.parseYaml(in);
    }
  }

  private static List<String> teams(String type, Severity severity) {
    return sample.teamsFor("dataos-prod", type, severity, null, null);
  }

  @Test
  void theSampleIsValid() {
    assertThat(sample.validate()).isEmpty();
  }

  @Test
  void operatorsHearEverything() {
    assertThat(teams("step.failed", Severity.WARNING)).contains("operators");
    assertThat(teams("release.published", Severity.INFO)).contains("operators");
    assertThat(teams("upgrade.completed", Severity.INFO)).contains("operators");
  }

  @Test
  void consumersHearWindowsStartEndAndRollbacksOnly() {
    assertThat(teams("plan.created", Severity.INFO)).contains("consumers");
    assertThat(teams("upgrade.upcoming", Severity.INFO)).contains("consumers");
    assertThat(teams("upgrade.started", Severity.INFO)).contains("consumers");
    assertThat(teams("upgrade.completed", Severity.INFO)).contains("consumers");
    assertThat(teams("rollback.completed", Severity.WARNING)).contains("consumers");
    assertThat(teams("gate.failed", Severity.WARNING)).doesNotContain("consumers");
    assertThat(teams("approval.requested", Severity.WARNING)).doesNotContain("consumers");
  }

  @Test
  void developersHearFailuresAndPostMortems() {
    assertThat(teams("gate.failed", Severity.WARNING)).contains("developers");
    assertThat(teams("upgrade.failed", Severity.CRITICAL)).contains("developers");
    assertThat(teams("rollback.completed", Severity.WARNING)).contains("developers");
    assertThat(teams("upgrade.started", Severity.INFO)).doesNotContain("developers");
    assertThat(teams("plan.created", Severity.INFO)).doesNotContain("developers");
  }

  @Test
  void aTeamWithTwoMatchingSubscriptionsGetsEachChannelOnce() {
    List<Route> routes =
        sample.routesFor("dataos-prod", "upgrade.started", Severity.INFO, null, null);

    assertThat(routes.stream().map(r -> r.team() + "/" + r.channel().name()))
        .containsExactlyInAnyOrder(
            "operators/ops-slack",
            "operators/ops-webhook",
            "operators/ops-grafana",
            "consumers/consumers-email");
  }

  @Test
  void filtersOnSeverityPlatformAndComponents() {
    Filter filter =
        new Filter(List.of("dataos-*"), List.of(), Severity.WARNING, List.of(), List.of("metis"));

    assertThat(
            filter.matches("dataos-prod", "gate.failed", Severity.WARNING, null, Set.of("metis")))
        .isTrue();
    assertThat(filter.matches("dataos-prod", "upgrade.started", Severity.INFO, null, null))
        .as("below the severity")
        .isFalse();
    assertThat(filter.matches("other-prod", "gate.failed", Severity.CRITICAL, null, null))
        .as("another platform")
        .isFalse();
    assertThat(
            filter.matches("dataos-dev", "gate.failed", Severity.CRITICAL, null, Set.of("poros")))
        .as("an upgrade that does not touch metis")
        .isFalse();
    assertThat(filter.matches("dataos-dev", "gate.failed", Severity.CRITICAL, null, null))
        .as("an upgrade whose components are unknown is not withheld")
        .isTrue();
  }

  @Test
  void aDocumentWithASecretValueOrAnUnknownChannelIsRefusedWithPaths() {
    SubscriptionConfig bad =
        new SubscriptionConfig(
            List.of(
                new ChannelConfig(
                    "hook", "webhook", Map.of("url", "https://hooks.example.com/x"), Map.of()),
                new ChannelConfig("pager", "pager", Map.of(), Map.of())),
            List.of(new Subscription("ops", null, List.of("hook", "missing"))));

    List<ErrorDetail> errors = bad.validate();

    assertThat(errors)
        .extracting(ErrorDetail::path)
        .contains(
            "channels[0].settings.url",
            "channels[0].secretRefs.url",
            "channels[1].type",
            "subscriptions[0].channels[1]");
    assertThat(errors.toString()).doesNotContain("hooks.example.com");
  }
}
