package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;

/**
 * A Kubernetes API server in the JVM (the fabric8 mock server in CRUD mode) with a {@link
 * SimulatedKubelet} that runs pods and writes workload status, and an {@link OperationLog} of every
 * change made to it. Services connect through {@link #config()} with the same code they use against
 * a real cluster; tests and the local mode use it instead of one.
 *
 * <pre>{@code
 * try (SimulatedCluster cluster = new SimulatedCluster().start()) {
 *   KubernetesClient client = cluster.client();
 *   ...
 * }
 * }</pre>
 */
public final class SimulatedCluster implements AutoCloseable {

  /** The Kubernetes version {@code /version} and the nodes report unless told otherwise. */
  public static final String DEFAULT_KUBERNETES_VERSION = "v1.31.0";

  /** The namespace of {@link #config()}. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** The actor of the requests the cluster makes to set itself up (its namespaces). */
  public static final String BOOTSTRAP_ACTOR = "simulated-cluster";

  private static final List<String> SYSTEM_NAMESPACES =
      List.of(DEFAULT_NAMESPACE, "kube-system", "kube-public", "kube-node-lease");

  /**
   * The mock web server logs every request at INFO through java.util.logging. JUL holds loggers
   * weakly, so these references keep the quieter level in force.
   */
  private static final List<java.util.logging.Logger> QUIETED_LOGGERS =
      List.of(
          java.util.logging.Logger.getLogger("io.fabric8.mockwebserver"),
          java.util.logging.Logger.getLogger("io.fabric8.kubernetes.client.server.mock"));

  private final int port;
  private final Clock clock;
  private final OperationLog operations = new OperationLog();
  private final RecordingCrudDispatcher dispatcher;
  private final SimulatedKubelet kubelet;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private String url;
  private boolean closed;

  /** A cluster on a free local port. */
  public SimulatedCluster() {
    this(0);
  }

  /** A cluster on the given local port, or a free one for 0 (the local mode fixes the port). */
  public SimulatedCluster(int port) {
    this(port, Clock.systemUTC());
  }

  /**
   * A cluster on the given port whose timestamps and pod timelines come from {@code clock}. The
   * kubelet waits in real time for the instants it computes, so the clock must advance with real
   * time (an offset clock is fine, a fixed one stalls every rollout).
   */
  public SimulatedCluster(int port, Clock clock) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("not a port: " + port);
    }
    this.port = port;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.dispatcher = new RecordingCrudDispatcher(operations, clock);
    this.kubelet = new SimulatedKubelet(clock, this::kubernetesVersion);
  }

  /**
   * Starts the API server and the kubelet; returns once both answer.
   *
   * @return this cluster
   */
  public synchronized SimulatedCluster start() {
    if (server != null || closed) {
      throw new IllegalStateException("a simulated cluster starts once");
    }
    QUIETED_LOGGERS.forEach(logger -> logger.setLevel(Level.WARNING));
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    try {
      if (port == 0) {
        server.init();
      } else {
        server.init(InetAddress.getLoopbackAddress(), port);
      }
      url = server.url("/");
      createSystemNamespaces();
      kubelet.start(newClient(SimulatedKubelet.ACTOR));
      client = new KubernetesClientBuilder().withConfig(config()).build();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  /**
   * A client for the code under test; its requests are logged under {@link
   * OperationLog#DEFAULT_ACTOR}.
   */
  public synchronized KubernetesClient client() {
    requireStarted();
    return client;
  }

  /**
   * A new client whose requests the log records under {@code actor}; the caller closes it. An actor
   * that starts with {@value OperationLog#SIMULATOR_ACTOR_PREFIX} counts as the simulator.
   */
  public KubernetesClient newClient(String actor) {
    return new KubernetesClientBuilder().withConfig(config(actor)).build();
  }

  /** The API server's URL, e.g. {@code http://localhost:41234/}. */
  public synchronized String kubernetesUrl() {
    requireStarted();
    return url;
  }

  /**
   * A fresh fabric8 configuration that points at this cluster (namespace {@value
   * #DEFAULT_NAMESPACE}), to build a client exactly as for a real cluster.
   */
  public Config config() {
    return config(null);
  }

  /** Like {@link #config()}, with requests logged under {@code actor} ({@code null}: none). */
  public Config config(String actor) {
    String masterUrl = kubernetesUrl();
    ConfigBuilder builder =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(masterUrl)
            .withNamespace(DEFAULT_NAMESPACE)
            .withTrustCerts(true)
            .withHttp2Disable(true);
    if (actor != null) {
      builder.withCustomHeaders(Map.of(OperationLog.ACTOR_HEADER, actor));
    }
    return builder.build();
  }

  /** The kubelet, to configure faults and timing; usable before {@link #start()}. */
  public SimulatedKubelet kubelet() {
    return kubelet;
  }

  /**
   * The containers' logs the API server serves ({@code GET .../pods/{name}/log}), and the busy
   * rules that make a workload's pods write lines; usable before {@link #start()}.
   */
  public PodLogs logs() {
    return dispatcher.podLogs();
  }

  /** The log of every change made to the cluster. */
  public OperationLog operations() {
    return operations;
  }

  /** The version {@code /version} reports, e.g. {@code v1.31.0}. */
  public String kubernetesVersion() {
    return dispatcher.kubernetesVersion();
  }

  /** Sets the version {@code /version} reports, e.g. {@code v1.30.4}. */
  public SimulatedCluster kubernetesVersion(String gitVersion) {
    dispatcher.kubernetesVersion(Objects.requireNonNull(gitVersion, "gitVersion"));
    return this;
  }

  /**
   * Makes the API server answer every request whose path contains {@code pathPart} only after
   * {@code delay}, without holding up other requests meanwhile: a loaded or distant API server.
   */
  public SimulatedCluster slowDown(String pathPart, java.time.Duration delay) {
    dispatcher.slowDown(pathPart, delay);
    return this;
  }

  /** Stops the kubelet, the client and the API server. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    kubelet.stop();
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.destroy();
    }
    dispatcher.closeWatches();
  }

  private void createSystemNamespaces() {
    try (KubernetesClient bootstrap = newClient(BOOTSTRAP_ACTOR)) {
      for (String name : SYSTEM_NAMESPACES) {
        bootstrap
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .addToLabels("kubernetes.io/metadata.name", name)
                    .endMetadata()
                    .withNewStatus()
                    .withPhase("Active")
                    .endStatus()
                    .build())
            .create();
      }
    }
  }

  private void requireStarted() {
    if (url == null) {
      throw new IllegalStateException("the simulated cluster has not been started");
    }
  }
}
