package dev.lockstep.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.Json;
import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code lockstep inventory export} writes what the executor observed as Kubernetes objects that
 * the local mode seeds: the namespaces, and each workload with its images, replicas and the
 * annotations the executor's inventory reads back.
 */
class InventoryExportTest {
  private static final InventoryObserved OBSERVED =
      new InventoryObserved(
          "dataos-prod",
          Instant.parse("2026-12-06T20:00:00Z"),
          List.of(
              new InventoryComponent(
                  "postgres",
                  "cloud-kernel",
                  "15.3.0",
                  Map.of(),
                  List.of(
                      new ObservedWorkload(
                          "StatefulSet",
                          "storage",
                          "postgres",
                          Map.of("postgres", "registry.example.com/postgres:15.3.0"),
                          3,
                          3,
                          Map.of("lockstep.dev/component", "postgres")))),
              new InventoryComponent(
                  "metis",
                  "core-kernel",
                  "2.3.1",
                  Map.of("postgres", "^15.0.0"),
                  List.of(
                      new ObservedWorkload(
                          "Deployment",
                          "core",
                          "metis",
                          Map.of("metis", "registry.example.com/metis:2.3.1"),
                          2,
                          1,
                          Map.of())))),
          "1.0.3");

  private static List<HasMetadata> export() {
    String yaml = InventoryExport.clusterFile(Json.mapper().valueToTree(OBSERVED));
    return Serialization.unmarshal(
        new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void everyNamespaceIsLabelledWithThePlatformAndEveryWorkloadKeepsItsImagesAndReplicas() {
    List<HasMetadata> objects = export();

    assertThat(objects)
        .extracting(o -> o.getKind() + " " + o.getMetadata().getName())
        .containsExactly(
            "Namespace core", "Namespace storage", "StatefulSet postgres", "Deployment metis");
    assertThat(objects.get(0).getMetadata().getLabels())
        .containsEntry("lockstep.dev/platform", "dataos-prod");
    StatefulSet postgres = (StatefulSet) objects.get(2);
    assertThat(postgres.getSpec().getReplicas()).isEqualTo(3);
    assertThat(postgres.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/postgres:15.3.0");
    Deployment metis = (Deployment) objects.get(3);
    assertThat(metis.getMetadata().getNamespace()).isEqualTo("core");
    assertThat(metis.getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void theAnnotationsSayWhatTheInventoryReadsBackAndObservedOnesAreKept() {
    Deployment metis = (Deployment) export().get(3);

    assertThat(metis.getMetadata().getAnnotations())
        .containsEntry("lockstep.dev/component", "metis")
        .containsEntry("lockstep.dev/layer", "core-kernel")
        .containsEntry("lockstep.dev/version", "2.3.1")
        .containsEntry("lockstep.dev/requires", "{\"postgres\":\"^15.0.0\"}")
        .containsEntry("lockstep.dev/release", "1.0.3");
    assertThat(export().get(2).getMetadata().getAnnotations())
        .containsEntry("lockstep.dev/component", "postgres")
        .containsEntry("lockstep.dev/version", "15.3.0");
  }
}
