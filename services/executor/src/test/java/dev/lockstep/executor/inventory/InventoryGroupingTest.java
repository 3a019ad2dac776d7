package dev.lockstep.executor.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.v1.InventoryComponent;
import dev.lockstep.events.v1.InventoryObserved;
import dev.lockstep.events.v1.ObservedWorkload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How workloads become components: by annotation, then label, then name; versions likewise. */
class InventoryGroupingTest {
  private static InventoryBuilder.Seen seen(
      String name, String image, Map<String, String> annotations, Map<String, String> labels) {
    return new InventoryBuilder.Seen(
        new ObservedWorkload("Deployment", "core", name, Map.of(name, image), 1, 1, annotations),
        labels);
  }

  @Test
  void workloadsAreGroupedIntoComponentsWithTheirVersions() {
    InventoryObserved inventory =
        InventoryBuilder.build(
            "p",
            List.of(
                seen(
                    "metis",
                    "r/metis:2.3.1",
                    Map.of(
                        "lockstep.dev/component",
                        "metis",
                        "lockstep.dev/version",
                        "2.3.2",
                        "lockstep.dev/layer",
                        "core-kernel",
                        "lockstep.dev/requires",
                        "{\"postgres\":\">=15.0.0\"}"),
                    Map.of()),
                seen(
                    "metis-operator",
                    "r/op:9",
                    Map.of("lockstep.dev/component", "metis"),
                    Map.of()),
                seen(
                    "poros-api",
                    "r/poros:1.9.0",
                    Map.of(),
                    Map.of("app.kubernetes.io/name", "poros")),
                seen(
                    "ui",
                    "registry:5000/ui@sha256:abc",
                    Map.of(),
                    Map.of("app.kubernetes.io/version", "3.0.0"))),
            Instant.parse("2026-11-22T10:00:00Z"));

    assertThat(inventory.components())
        .extracting(InventoryComponent::name)
        .containsExactly("metis", "poros", "ui");
    InventoryComponent metis = inventory.components().get(0);
    assertThat(metis.version()).isEqualTo("2.3.2");
    assertThat(metis.layer()).isEqualTo("core-kernel");
    assertThat(metis.requires()).containsEntry("postgres", ">=15.0.0");
    assertThat(metis.workloads())
        .extracting(ObservedWorkload::name)
        .containsExactly("metis", "metis-operator");
    assertThat(inventory.components().get(1).version()).as("from the image tag").isEqualTo("1.9.0");
    assertThat(inventory.components().get(2).version()).as("from the label").isEqualTo("3.0.0");
  }

  /** The platform's release is the one every workload declares, and no other. */
  @Test
  void theReleaseIsTheOneEveryWorkloadDeclares() {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    Map<String, String> release103 = Map.of("lockstep.dev/release", "1.0.3");
    InventoryBuilder.Seen metis = seen("metis", "r/metis:2.3.1", release103, Map.of());
    InventoryBuilder.Seen poros = seen("poros", "r/poros:1.9.0", release103, Map.of());

    assertThat(InventoryBuilder.build("p", List.of(metis, poros), now).release())
        .isEqualTo("1.0.3");
    assertThat(
            InventoryBuilder.build(
                    "p",
                    List.of(
                        metis,
                        seen("ui", "r/ui:3", Map.of("lockstep.dev/release", "2.0.0"), Map.of())),
                    now)
                .release())
        .as("part-way through a change")
        .isNull();
    assertThat(
            InventoryBuilder.build(
                    "p", List.of(metis, seen("ui", "r/ui:3", Map.of(), Map.of())), now)
                .release())
        .as("one declares none")
        .isNull();
  }
}
