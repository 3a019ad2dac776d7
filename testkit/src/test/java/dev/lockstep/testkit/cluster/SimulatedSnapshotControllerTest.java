package dev.lockstep.testkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VolumeSnapshots in the simulated cluster become ready to use as a CSI snapshotter makes them, or
 * report an error when their claim is missing or a fault is injected; the controller's writes are
 * the simulator's, never the code under test's.
 */
class SimulatedSnapshotControllerTest {

  private static final String NAMESPACE = "storage";

  private SimulatedCluster cluster;
  private SimulatedSnapshotController snapshots;
  private KubernetesClient service;

  @BeforeEach
  void start() {
    cluster = new SimulatedCluster().start();
    service = cluster.client();
    snapshots = new SimulatedSnapshotController(cluster);
  }

  @AfterEach
  void stop() {
    snapshots.close();
    cluster.close();
  }

  @Test
  void snapshotOfAClaimBecomesReadyWithTheClaimsSize() {
    snapshots.start();
    createClaim("data-postgres-0", "10Gi");

    createSnapshot("data-postgres-0-snap", "data-postgres-0");
    GenericKubernetesResource ready = awaitStatus("data-postgres-0-snap");

    Map<String, Object> status = status(ready);
    assertThat(status)
        .containsEntry("readyToUse", true)
        .containsEntry("restoreSize", "10Gi")
        .containsEntry(
            "boundVolumeSnapshotContentName", "snapcontent-" + ready.getMetadata().getUid())
        .containsKey("creationTime")
        .doesNotContainKey("error");
    assertThat(
            cluster
                .operations()
                .query()
                .byCodeUnderTest()
                .resource("volumesnapshots")
                .method("POST")
                .count())
        .isEqualTo(1);
    assertThat(cluster.operations().query().byCodeUnderTest().resource("volumesnapshots").count())
        .as("the status write is the simulator's")
        .isEqualTo(1);
    assertThat(
            cluster.operations().bySimulator().stream()
                .filter(op -> op.actor().equals(SimulatedSnapshotController.ACTOR)))
        .isNotEmpty();
  }

  @Test
  void snapshotsThatExistedBeforeTheStartAreHandledToo() {
    createClaim("data-postgres-0", "5Gi");
    createSnapshot("early", "data-postgres-0");

    snapshots.start();

    assertThat(status(awaitStatus("early")))
        .containsEntry("readyToUse", true)
        .containsEntry("restoreSize", "5Gi");
  }

  @Test
  void snapshotOfAMissingClaimReportsAnErrorAndNeverBecomesReady() {
    snapshots.start();

    createSnapshot("orphan", "no-such-claim");

    Map<String, Object> status = status(awaitStatus("orphan"));
    assertThat(status).containsEntry("readyToUse", false);
    assertThat(status.get("error").toString()).contains("no-such-claim", "not found");
  }

  @Test
  void anInjectedFaultFailsTheMatchingSnapshotsOnly() {
    snapshots
        .failSnapshots(snapshot -> snapshot.getMetadata().getName().startsWith("broken"))
        .start();
    createClaim("data-postgres-0", "10Gi");

    createSnapshot("broken-1", "data-postgres-0");
    createSnapshot("fine-1", "data-postgres-0");

    assertThat(status(awaitStatus("broken-1")))
        .containsEntry("readyToUse", false)
        .containsKey("error");
    assertThat(status(awaitStatus("fine-1"))).containsEntry("readyToUse", true);
  }

  @Test
  void aSnapshotKeepsWhatTheVolumeHeldAndAClaimCreatedFromItGetsItBack() {
    // the volume's contents: a list of rows, kept per snapshot
    java.util.List<String> rows = new java.util.concurrent.CopyOnWriteArrayList<>();
    Map<String, java.util.List<String>> kept = new java.util.concurrent.ConcurrentHashMap<>();
    rows.addAll(java.util.List.of("a", "b", "c"));
    snapshots
        .volumeData(
            NAMESPACE,
            "data-postgres-0",
            new SimulatedSnapshotController.VolumeData() {
              @Override
              public void snapshot(String snapshot) {
                kept.put(snapshot, java.util.List.copyOf(rows));
              }

              @Override
              public void restore(String snapshot) {
                rows.clear();
                rows.addAll(kept.get(snapshot));
              }
            })
        .start();
    createClaim("data-postgres-0", "10Gi");
    createSnapshot("before", "data-postgres-0");
    assertThat(status(awaitStatus("before"))).containsEntry("readyToUse", true);
    assertThat(kept).containsEntry("before", java.util.List.of("a", "b", "c"));

    rows.remove("b");
    service.persistentVolumeClaims().inNamespace(NAMESPACE).withName("data-postgres-0").delete();
    service
        .persistentVolumeClaims()
        .inNamespace(NAMESPACE)
        .resource(
            claim("data-postgres-0")
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewDataSource()
                .withApiGroup("snapshot.storage.k8s.io")
                .withKind("VolumeSnapshot")
                .withName("before")
                .endDataSource()
                .endSpec()
                .build())
        .create();

    dev.lockstep.testkit.Eventually.until(
        "the claim holds the snapshot's rows",
        java.time.Duration.ofSeconds(10),
        () -> rows.size() == 3);
    assertThat(rows).containsExactly("a", "b", "c");
  }

  private static PersistentVolumeClaimBuilder claim(String name) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NAMESPACE)
        .endMetadata();
  }

  private void createClaim(String name, String size) {
    service
        .persistentVolumeClaims()
        .inNamespace(NAMESPACE)
        .resource(
            claim(name)
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity(size))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  private void createSnapshot(String name, String claim) {
    GenericKubernetesResource snapshot = new GenericKubernetesResource();
    snapshot.setApiVersion("snapshot.storage.k8s.io/v1");
    snapshot.setKind("VolumeSnapshot");
    snapshot.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("volumeSnapshotClassName", "csi-snapclass");
    spec.put("source", Map.of("persistentVolumeClaimName", claim));
    snapshot.getAdditionalProperties().put("spec", spec);
    snapshotResource(name).create(snapshot);
  }

  private GenericKubernetesResource awaitStatus(String name) {
    return snapshotResource(name)
        .waitUntilCondition(
            snapshot -> snapshot != null && status(snapshot) != null, 10, TimeUnit.SECONDS);
  }

  private Resource<GenericKubernetesResource> snapshotResource(String name) {
    return service
        .genericKubernetesResources(SimulatedSnapshotController.VOLUME_SNAPSHOTS)
        .inNamespace(NAMESPACE)
        .withName(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource snapshot) {
    return (Map<String, Object>) snapshot.getAdditionalProperties().get("status");
  }
}
