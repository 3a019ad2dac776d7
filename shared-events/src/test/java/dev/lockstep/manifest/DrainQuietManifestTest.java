package dev.lockstep.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.ErrorDetail;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A drain's {@code quiet}: read into the model, and every problem of a bad one listed at once. */
class DrainQuietManifestTest {
  private static final String HEAD =
      """
      apiVersion: lockstep.dev/v1
      kind: Release
      metadata: { name: dataos, version: 2.0.0 }
      spec:
        layers: [core, user]
        components:
          - name: rok
            layer: user
            version: 1.5.0
            workload: { kind: StatefulSet, namespace: apps, name: rok }
            image: registry.example.com/rok:1.5.0
          - name: rok-cluster
            layer: user
            version: 1.5.0
            customResource: { apiVersion: data.example.com/v1, kind: RokCluster, namespace: apps, name: rok, set: { spec.version: 1.5.0 } }
          - name: poros
            layer: core
            version: 1.10.0
            workload: { kind: Deployment, namespace: core, name: poros }
            image: registry.example.com/poros:1.10.0
            drain:
              - { kind: StatefulSet, namespace: core, name: poros-workers }
      """;

  @Test
  void aQuietDrainReadsWithItsDefaultDeadline() {
    ReleaseParser.Result result =
        ReleaseParser.parseYaml(HEAD + "      quiet: { components: [rok, poros], period: 10s }\n");

    assertThat(result.errors()).isEmpty();
    Quiet quiet = result.release().component("poros").orElseThrow().quiet();
    assertThat(quiet.components()).containsExactly("rok", "poros");
    assertThat(quiet.period()).isEqualTo("10s");
    assertThat(quiet.deadline()).isNull();
    assertThat(quiet.deadlineOrDefault()).isEqualTo(Duration.ofMinutes(5));
    assertThat(result.release().component("rok").orElseThrow().quiet()).isNull();
  }

  @Test
  void everyProblemOfABadQuietIsListedAtOnce() {
    ReleaseParser.Result result =
        ReleaseParser.parseYaml(
            HEAD
                + "      quiet: { components: [rok, kafka, rok-cluster, 7], period: 0s,"
                + " deadline: soon, flush: true }\n");

    assertThat(result.errors())
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactlyInAnyOrder(
            tuple("invalid-manifest", "spec.components[2].quiet.flush"),
            tuple("unknown-dependency", "spec.components[2].quiet.components[1]"),
            tuple("invalid-manifest", "spec.components[2].quiet.components[2]"),
            tuple("invalid-manifest", "spec.components[2].quiet.components[3]"),
            tuple("invalid-manifest", "spec.components[2].quiet.period"),
            tuple("invalid-manifest", "spec.components[2].quiet.deadline"));
    assertThat(result.errors())
        .extracting(ErrorDetail::message)
        .contains(
            "component 'poros' waits on 'kafka', which the release does not contain",
            "component 'poros' waits on 'rok-cluster', which has no workload whose pods' logs"
                + " could be read",
            "the quiet period of component 'poros' must be longer than 0s",
            "deadline 'soon' is not a duration such as 30s, 5m or 1h30m");
  }

  @Test
  void aDeadlineShorterThanThePeriodAndAMissingPeriodAreRefused() {
    ReleaseParser.Result shorter =
        ReleaseParser.parseYaml(
            HEAD + "      quiet: { components: [rok], period: 2m, deadline: 30s }\n");
    ReleaseParser.Result missing =
        ReleaseParser.parseYaml(HEAD + "      quiet: { components: [] }\n");

    assertThat(shorter.errors())
        .extracting(ErrorDetail::path, ErrorDetail::message)
        .containsExactly(
            tuple(
                "spec.components[2].quiet.deadline",
                "the quiet deadline 30s of component 'poros' is shorter than its quiet period 2m"));
    assertThat(missing.errors())
        .extracting(ErrorDetail::path)
        .containsExactlyInAnyOrder(
            "spec.components[2].quiet.components", "spec.components[2].quiet.period");
  }
}
