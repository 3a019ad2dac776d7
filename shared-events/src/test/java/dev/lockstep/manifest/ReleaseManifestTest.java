package dev.lockstep.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.ErrorDetail;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reading release manifests: the design's example reads; a broken one lists every problem. */
class ReleaseManifestTest {
  @Test
  void theDesignsExampleReadsIntoTheModel() throws IOException {
    ReleaseParser.Result result = ReleaseParser.parseYaml(manifest("dataos-2.4.0.yaml"));

    assertThat(result.errors()).isEmpty();
    Release release = result.release();
    assertThat(release.metadata().version()).isEqualTo("2.4.0");
    assertThat(release.layers()).containsExactly("cloud-kernel", "core-kernel", "user-space");
    Component metis = release.component("metis").orElseThrow();
    assertThat(metis.requires()).containsEntry("poros", "^1.9.0");
    assertThat(metis.delivery()).isEqualTo(Delivery.IMAGE);
    assertThat(metis.drain())
        .containsExactly(ObjectRef.of("StatefulSet", "core", "metis-operator"));
    assertThat(metis.migration().args()).containsExactly("--to", "2.4.0");
    assertThat(metis.gates().get(0).kind()).isEqualTo("http");
    assertThat(release.component("postgres").orElseThrow().stateful()).isTrue();
    Gate errorRate = release.spec().gates().get(0);
    assertThat(errorRate.kind()).isEqualTo("prometheus");
    assertThat(errorRate.count()).isEqualTo(3);
    assertThat(GoDuration.parse(errorRate.interval())).contains(Duration.ofSeconds(10));
  }

  @Test
  void everyProblemOfABrokenManifestIsReportedAtOnce() throws IOException {
    ReleaseParser.Result result = ReleaseParser.parseYaml(manifest("broken.yaml"));

    assertThat(result.ok()).isFalse();
    assertThat(result.errors())
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactlyInAnyOrder(
            tuple("invalid-manifest", "apiVersion"),
            tuple("invalid-version", "metadata.version"),
            tuple("duplicate-component", "spec.components[2].name"),
            tuple("unknown-layer", "spec.components[1].layer"),
            tuple("invalid-manifest", "spec.components[1].requries"),
            tuple("invalid-range", "spec.components[1].requires.postgres"),
            tuple("unknown-dependency", "spec.components[1].requires.kafka"),
            tuple("invalid-manifest", "spec.gates[0].prometheus"),
            tuple("invalid-manifest", "spec.gates[0].interval"));
    assertThat(result.errors())
        .filteredOn(e -> e.code().equals("unknown-dependency"))
        .first()
        .extracting(ErrorDetail::message)
        .isEqualTo("component 'metis' requires 'kafka', which the release does not contain");
  }

  @Test
  void aComponentMustBeDeliveredInExactlyOneWay() {
    String yaml =
        """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: dataos, version: 1.0.0 }
        spec:
          layers: [core]
          components:
            - name: both
              layer: core
              version: 1.0.0
              image: registry.example.com/both:1.0.0
              workload: { kind: Deployment, namespace: core, name: both }
              helm: { chart: charts/both, version: 1.0.0 }
            - name: none
              layer: core
              version: 1.0.0
            - name: orphan-image
              layer: core
              version: 1.0.0
              image: registry.example.com/orphan:1.0.0
        """;

    assertThat(ReleaseParser.parseYaml(yaml).errors())
        .extracting(ErrorDetail::path, ErrorDetail::message)
        .contains(
            tuple(
                "spec.components[0]",
                "component 'both' must be delivered in exactly one way (image with workload,"
                    + " manifests, helm or customResource); it has [image, helm]"),
            tuple(
                "spec.components[1]",
                "component 'none' must be delivered in exactly one way (image with workload,"
                    + " manifests, helm or customResource); it has none"),
            tuple(
                "spec.components[2].workload",
                "component 'orphan-image' sets an image but names no workload"));
  }

  @Test
  void retriesAreAWholeNumberFromZeroToTenAndEveryBadOneIsReported() {
    String yaml =
        """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: dataos, version: 1.0.0 }
        spec:
          layers: [core]
          components:
            - { name: ok, layer: core, version: 1.0.0, retries: 3,
                image: "r/ok:1", workload: { kind: Deployment, namespace: core, name: ok } }
            - { name: many, layer: core, version: 1.0.0, retries: 11,
                image: "r/m:1", workload: { kind: Deployment, namespace: core, name: many } }
            - { name: negative, layer: core, version: 1.0.0, retries: -1,
                image: "r/n:1", workload: { kind: Deployment, namespace: core, name: negative } }
            - { name: text, layer: core, version: 1.0.0, retries: twice,
                image: "r/t:1", workload: { kind: Deployment, namespace: core, name: text } }
            - { name: half, layer: core, version: 1.0.0, retries: 1.5,
                image: "r/h:1", workload: { kind: Deployment, namespace: core, name: half } }
        """;

    ReleaseParser.Result result = ReleaseParser.parseYaml(yaml);

    assertThat(result.errors())
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactlyInAnyOrder(
            tuple("invalid-manifest", "spec.components[1].retries"),
            tuple("invalid-manifest", "spec.components[2].retries"),
            tuple("invalid-manifest", "spec.components[3].retries"),
            tuple("invalid-manifest", "spec.components[4].retries"));
    assertThat(result.errors().get(0).message())
        .isEqualTo("component 'many' has retries 11; retries must be a whole number from 0 to 10");
    Release release =
        ReleaseParser.parseYaml(yaml.substring(0, yaml.indexOf("    - { name: many"))).release();
    assertThat(release.component("ok").orElseThrow().retriesOrZero()).isEqualTo(3);
  }

  @Test
  void yamlThatDoesNotParseSaysWhere() {
    ReleaseParser.Result result = ReleaseParser.parseYaml("spec: [unclosed\n  layers: x");

    assertThat(result.errors()).hasSize(1);
    assertThat(result.errors().get(0).code()).isEqualTo("invalid-manifest");
    assertThat(result.errors().get(0).message()).contains("not valid YAML at line");
  }

  @Test
  void pathsOfAnEmbeddedReleaseStartAtItsField() {
    ReleaseParser.Result result =
        ReleaseParser.parse(
            dev.lockstep.events.Json.mapper().createObjectNode().put("kind", "Release"), "release");

    assertThat(result.errors())
        .extracting(ErrorDetail::path)
        .containsExactlyInAnyOrder("release.apiVersion", "release.metadata", "release.spec");
  }

  @Test
  void versionsAndRangesAreCheckedBySemver() {
    assertThat(Semver.version("2.4.0")).isPresent();
    assertThat(Semver.version("2.4.0-rc.1")).isPresent();
    assertThat(Semver.version("2.4")).isEmpty();
    assertThat(Semver.range("^1.9.0")).isPresent();
    assertThat(Semver.range(">=15.0.0 <16.0.0")).isPresent();
    assertThat(Semver.range("banana")).isEmpty();
    assertThat(Semver.satisfies("1.9.5", "^1.9.0")).isTrue();
    assertThat(Semver.satisfies("2.0.0", "^1.9.0")).isFalse();
  }

  private static String manifest(String name) throws IOException {
    return Files.readString(Path.of("src/test/resources/manifests", name));
  }
}
