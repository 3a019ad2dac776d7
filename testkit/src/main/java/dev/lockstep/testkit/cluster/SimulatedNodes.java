package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The Node objects of the {@link SimulatedKubelet}, named {@value #NODE_PREFIX}1 to N, ready, with
 * fixed capacity and addresses. Changed only on the kubelet's thread; read from any.
 */
final class SimulatedNodes {

  private static final String NODE_PREFIX = "sim-node-";

  private final KubernetesClient client;
  private final Clock clock;
  private final Supplier<String> kubernetesVersion;
  private final List<String> nodes = new CopyOnWriteArrayList<>();

  SimulatedNodes(KubernetesClient client, Clock clock, Supplier<String> kubernetesVersion) {
    this.client = client;
    this.clock = clock;
    this.kubernetesVersion = kubernetesVersion;
  }

  /** The names of the nodes, in the order they were created. */
  List<String> names() {
    return List.copyOf(nodes);
  }

  /** Creates and deletes nodes until there are exactly {@code count}. */
  void sync(int count) {
    List<String> wanted = IntStream.rangeClosed(1, count).mapToObj(i -> NODE_PREFIX + i).toList();
    for (String name : wanted) {
      if (!nodes.contains(name)) {
        create(name);
        nodes.add(name);
      }
    }
    for (String name : List.copyOf(nodes)) {
      if (!wanted.contains(name)) {
        nodes.remove(name);
        client.nodes().withName(name).delete();
      }
    }
  }

  /** The node for the {@code counter}-th pod: round robin. */
  String pick(int counter) {
    List<String> names = List.copyOf(nodes);
    return names.get(Math.floorMod(counter, names.size()));
  }

  /** The node's InternalIP. */
  static String ip(String nodeName) {
    return "10.0.0." + (index(nodeName) % 250 + 1);
  }

  private void create(String name) {
    String now = Timestamps.format(clock.instant());
    Map<String, Quantity> capacity =
        Map.of(
            "cpu", new Quantity("4"), "memory", new Quantity("16Gi"), "pods", new Quantity("110"));
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels("kubernetes.io/hostname", name)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", "amd64")
            .endMetadata()
            .withNewSpec()
            .withPodCIDR("10.244." + index(name) + ".0/24")
            .endSpec()
            .withNewStatus()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .withReason("KubeletReady")
            .withMessage("kubelet is posting ready status")
            .withLastHeartbeatTime(now)
            .withLastTransitionTime(now)
            .endCondition()
            .addNewAddress()
            .withType("InternalIP")
            .withAddress(ip(name))
            .endAddress()
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .withNewNodeInfo()
            .withKubeletVersion(kubernetesVersion.get())
            .withContainerRuntimeVersion("containerd://1.7.0")
            .withOperatingSystem("linux")
            .withArchitecture("amd64")
            .withOsImage("Lockstep simulated node")
            .withKernelVersion("6.1.0")
            .endNodeInfo()
            .endStatus()
            .build();
    try {
      client.nodes().resource(node).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private static int index(String nodeName) {
    try {
      return Integer.parseInt(nodeName.substring(NODE_PREFIX.length()));
    } catch (NumberFormatException | IndexOutOfBoundsException notSimulated) {
      return 0;
    }
  }
}
