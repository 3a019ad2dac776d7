package dev.lockstep.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.lockstep.events.ErrorDetail;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The four ways of delivering a component (DESIGN section 4) as a release manifest writes them:
 * bundles inline, as YAML text or from a file, charts and custom resources, and every problem of
 * them at once.
 */
class ComponentDeliveryTest {
  private static final ManifestFiles FILES =
      ManifestFiles.under(Path.of("src/test/resources/manifests"));

  private static String release(String components) {
    return """
        apiVersion: lockstep.dev/v1
        kind: Release
        metadata: { name: rok, version: 2.0.0 }
        spec:
          layers: [core]
          components:
        """
        + components.indent(4);
  }

  @Test
  void aBundleReadsTheSameInlineAsYamlTextAndFromAFile() {
    String inline =
        release(
            """
            - name: rok-operator
              layer: core
              version: 2.0.0
              manifests:
                - apiVersion: v1
                  kind: ServiceAccount
                  metadata: { name: rok-operator, namespace: rok }
            """);
    String text =
        release(
            """
            - name: rok-operator
              layer: core
              version: 2.0.0
              manifests: |
                apiVersion: v1
                kind: ServiceAccount
                metadata: { name: rok-operator, namespace: rok }
                ---
            """);
    String file =
        release(
            """
            - name: rok-operator
              layer: core
              version: 2.0.0
              manifests: { file: bundles/rok-operator.yaml }
            """);

    Component fromInline = only(ReleaseParser.parseYaml(inline));
    Component fromText = only(ReleaseParser.parseYaml(text));
    Component fromFile = only(ReleaseParser.parseYaml(file, FILES));

    Map<String, Object> account =
        Map.of(
            "apiVersion",
            "v1",
            "kind",
            "ServiceAccount",
            "metadata",
            Map.of("name", "rok-operator", "namespace", "rok"));
    assertThat(fromInline.delivery()).isEqualTo(Delivery.MANIFESTS);
    assertThat(fromInline.manifests()).containsExactly(account);
    assertThat(fromText.manifests()).containsExactly(account);
    assertThat(fromFile.manifests())
        .extracting(o -> o.get("kind"))
        .containsExactly("CustomResourceDefinition", "ServiceAccount", "Deployment");
    assertThat(fromFile.manifests().get(1)).isEqualTo(account);
  }

  @Test
  void everyProblemOfEveryDeliveryIsReportedAtOnceWithItsPath() {
    String yaml =
        release(
            """
            - name: bundle
              layer: core
              version: 2.0.0
              manifests:
                - kind: ConfigMap
                  metadata: { namespace: rok }
                - apiVersion: apps/v1
                  kind: Deployment
                  metadata: { name: rok-api }
                - apiVersion: v1
                  kind: Namespace
                  metadata: { name: rok }
                - apiVersion: rbac.authorization.k8s.io/v1
                  kind: ClusterRole
                  metadata: { name: rok-reader }
                - apiVersion: apiextensions.k8s.io/v1
                  kind: CustomResourceDefinition
                  metadata: { name: rokzones.rok.example.com }
                  spec: { scope: Cluster, names: { kind: RokZone } }
                - apiVersion: rok.example.com/v1
                  kind: RokZone
                  metadata: { name: eu-1 }
                - apiVersion: v1
                  kind: Namespace
                  metadata: { name: rok }
                - apiVersion: v1
                  kind: Secret
                  metadata: { name: rok-password, namespace: rok }
                  stringData: { password: hunter2 }
            - name: empty
              layer: core
              version: 2.0.0
              manifests: []
            - name: missing-file
              layer: core
              version: 2.0.0
              manifests: { file: bundles/nope.yaml }
            - name: escaping-file
              layer: core
              version: 2.0.0
              manifests: { file: ../../../pom.xml }
            - name: two-ways
              layer: core
              version: 2.0.0
              helm: { chart: rok-api, version: 1.0.0 }
              customResource:
                apiVersion: rok.example.com/v1
                kind: RokCluster
                namespace: rok
                name: main
                set:
                  "status.version": 2.0.0
                  "metadata.labels.tier": gold
                  "spec..version": 2.0.0
                readyWhen: { "status version": 2.0.0 }
            """);

    List<ErrorDetail> errors = ReleaseParser.parseYaml(yaml, FILES).errors();

    assertThat(errors)
        .extracting(ErrorDetail::code, ErrorDetail::path)
        .containsExactlyInAnyOrder(
            tuple("invalid-manifest", "spec.components[0].manifests[0].apiVersion"),
            tuple("invalid-manifest", "spec.components[0].manifests[0].metadata.name"),
            tuple("invalid-manifest", "spec.components[0].manifests[1].metadata.namespace"),
            tuple("invalid-manifest", "spec.components[0].manifests[6]"),
            tuple("invalid-manifest", "spec.components[0].manifests[7]"),
            tuple("invalid-manifest", "spec.components[1].manifests"),
            tuple("invalid-manifest", "spec.components[2].manifests.file"),
            tuple("invalid-manifest", "spec.components[3].manifests.file"),
            tuple("invalid-manifest", "spec.components[4]"),
            tuple("invalid-manifest", "spec.components[4].customResource.set.status.version"),
            tuple("invalid-manifest", "spec.components[4].customResource.set.metadata.labels.tier"),
            tuple("invalid-manifest", "spec.components[4].customResource.set.spec..version"),
            tuple(
                "invalid-manifest", "spec.components[4].customResource.readyWhen.status version"));
    assertThat(errors)
        .extracting(ErrorDetail::message)
        .contains(
            "component 'bundle': Deployment 'rok-api' is of a namespaced kind and names no"
                + " metadata.namespace",
            "component 'bundle': Namespace rok is in the bundle twice (also at manifests[2])",
            "component 'empty': manifests hold no object",
            "component 'bundle': Secret 'rok-password' would put its values into Lockstep's events"
                + " (releases and plans are events); create it outside Lockstep and refer to it",
            "component 'two-ways' must be delivered in exactly one way (image with workload,"
                + " manifests, helm or customResource); it has [helm, customResource]",
            "component 'two-ways': set path 'status.version' is in the status, which the operator"
                + " writes; set the spec and wait for the status with readyWhen");
    assertThat(errors)
        .filteredOn(e -> e.path().equals("spec.components[3].manifests.file"))
        .extracting(ErrorDetail::message)
        .singleElement()
        .asString()
        .contains("is outside the manifests directory");
  }

  @Test
  void aReaderWithoutFilesRefusesAFileReferenceAndSaysWhoReadsIt() {
    String yaml =
        release(
            """
            - name: rok-operator
              layer: core
              version: 2.0.0
              manifests: { file: bundles/rok-operator.yaml }
            """);

    assertThat(ReleaseParser.parseYaml(yaml).errors())
        .extracting(ErrorDetail::path, ErrorDetail::message)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.toList().get(0)).isEqualTo("spec.components[0].manifests.file");
              assertThat((String) e.toList().get(1)).contains("send it to the planner");
            });
  }

  @Test
  void onlyTheBuiltInClusterScopedKindsNeedNoNamespace() {
    assertThat(KubernetesKinds.namespaced("Deployment")).isTrue();
    assertThat(KubernetesKinds.namespaced("RokCluster")).isTrue();
    assertThat(KubernetesKinds.namespaced("ClusterRoleBinding")).isFalse();
    assertThat(KubernetesKinds.namespaced("RokZone", java.util.Set.of("RokZone"))).isFalse();
  }

  private static Component only(ReleaseParser.Result result) {
    assertThat(result.errors()).isEmpty();
    return result.release().spec().components().get(0);
  }
}
