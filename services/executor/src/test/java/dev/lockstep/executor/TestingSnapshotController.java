package dev.lockstep.executor;

import dev.lockstep.executor.cluster.Resources;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the CSI snapshot controller, which the simulated cluster lacks: every VolumeSnapshot in the
 * given namespace becomes ready to use. Its writes are tagged as the simulator's.
 */
public final class TestingSnapshotController implements AutoCloseable {
  private final KubernetesClient client;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  public TestingSnapshotController(SimulatedCluster cluster, String namespace) {
    this.client = cluster.newClient("simulated-snapshot-controller");
    timer.scheduleWithFixedDelay(() -> markReady(namespace), 20, 20, TimeUnit.MILLISECONDS);
  }

  private void markReady(String namespace) {
    try {
      for (GenericKubernetesResource snapshot :
          client
              .genericKubernetesResources(Resources.context(null, "VolumeSnapshot"))
              .inNamespace(namespace)
              .list()
              .getItems()) {
        Object status = snapshot.getAdditionalProperties().get("status");
        if (status instanceof Map<?, ?> map && Boolean.TRUE.equals(map.get("readyToUse"))) {
          continue;
        }
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("readyToUse", true);
        ready.put("restoreSize", "1Gi");
        snapshot.getAdditionalProperties().put("status", ready);
        client
            .genericKubernetesResources(Resources.context(null, "VolumeSnapshot"))
            .inNamespace(namespace)
            .resource(snapshot)
            .updateStatus();
      }
    } catch (RuntimeException e) {
      // Tried again on the next tick, as a controller would.
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    client.close();
  }
}
