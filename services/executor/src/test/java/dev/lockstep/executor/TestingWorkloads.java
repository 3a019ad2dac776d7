package dev.lockstep.executor;

import dev.lockstep.executor.cluster.Resources;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/** Creates the workloads a test platform runs, as an operator would have deployed them. */
public final class TestingWorkloads {
  private TestingWorkloads() {}

  /** A Deployment with one container named after it. */
  public static Deployment deployment(
      KubernetesClient client, String namespace, String name, String image, int replicas) {
    return client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withProgressDeadlineSeconds(600)
                .withNewSelector()
                .withMatchLabels(Map.of("app", name))
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(Map.of("app", name))
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName(name)
                .withImage(image)
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /** A StatefulSet with one container named after it and, if asked, a volume claim template. */
  public static StatefulSet statefulSet(
      KubernetesClient client,
      String namespace,
      String name,
      String image,
      int replicas,
      String claimTemplate) {
    StatefulSetBuilder builder =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .withServiceName(name)
            .withNewSelector()
            .withMatchLabels(Map.of("app", name))
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(Map.of("app", name))
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName(name)
            .withImage(image)
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec();
    if (claimTemplate != null) {
      builder
          .editSpec()
          .addNewVolumeClaimTemplate()
          .withNewMetadata()
          .withName(claimTemplate)
          .endMetadata()
          .withNewSpec()
          .withAccessModes("ReadWriteOnce")
          .withNewResources()
          .withRequests(Map.of("storage", new Quantity("1Gi")))
          .endResources()
          .endSpec()
          .endVolumeClaimTemplate()
          .endSpec();
      for (int i = 0; i < replicas; i++) {
        claim(client, namespace, claimTemplate + "-" + name + "-" + i);
      }
    }
    return client.apps().statefulSets().inNamespace(namespace).resource(builder.build()).create();
  }

  /** A claim with a storage class and labels of its own, which a restore must keep. */
  public static PersistentVolumeClaim claim(
      KubernetesClient client,
      String namespace,
      String name,
      String storageClass,
      Map<String, String> labels) {
    return client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(storageClass)
                .withNewResources()
                .withRequests(Map.of("storage", new Quantity("5Gi")))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  /** A VolumeSnapshot of a claim, as a backup step would have taken it. */
  public static GenericKubernetesResource volumeSnapshot(
      KubernetesClient client, String namespace, String name, String claim) {
    GenericKubernetesResource snapshot = new GenericKubernetesResource();
    snapshot.setApiVersion(Resources.SNAPSHOT_API);
    snapshot.setKind("VolumeSnapshot");
    snapshot.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    snapshot
        .getAdditionalProperties()
        .put(
            "spec",
            Map.of(
                "volumeSnapshotClassName",
                "csi-snapclass",
                "source",
                Map.of("persistentVolumeClaimName", claim)));
    return client
        .genericKubernetesResources(Resources.context(null, "VolumeSnapshot"))
        .inNamespace(namespace)
        .resource(snapshot)
        .create();
  }

  /** A persistent volume claim, as the StatefulSet controller would have made it. */
  public static PersistentVolumeClaim claim(
      KubernetesClient client, String namespace, String name) {
    return client
        .persistentVolumeClaims()
        .inNamespace(namespace)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .withRequests(Map.of("storage", new Quantity("1Gi")))
                .endResources()
                .endSpec()
                .build())
        .create();
  }
}
