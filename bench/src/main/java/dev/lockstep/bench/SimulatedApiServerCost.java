package dev.lockstep.bench;

import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.cluster.SimulatedSnapshotController;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What the simulated API server itself costs per call with many platforms' objects, apart from any
 * service: the calls the executor makes (an inventory observation's lists, one platform's in turn,
 * and a Lease's conditional update) against the cluster of {@code lockstep local}, first with one
 * copy of the sample platform, then with {@code platforms} copies. The calls come from one client
 * in this JVM, one at a time and then from {@value #THREADS} threads at once, so the figures are
 * the server's answer times (and its queueing), not the executor's. Not a test: it asserts nothing.
 *
 * <p>Arguments: {@code platforms} (default 200), the checkout (the working directory).
 */
public final class SimulatedApiServerCost {
  private static final int THREADS = 8;
  private static final String LEASES = "lockstep";

  private SimulatedApiServerCost() {}

  public static void main(String[] args) throws Exception {
    int platforms = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Path checkout = Path.of(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
    SamplePlatform sample = SamplePlatform.load(checkout.resolve(SamplePlatform.DIRECTORY));
    try (SimulatedCluster cluster = new SimulatedCluster().start();
        SimulatedSnapshotController snapshots = new SimulatedSnapshotController(cluster).start();
        SimulatedOperator operator = new SimulatedOperator(cluster).start()) {
      KubernetesClient client = cluster.client();
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(LEASES).endMetadata().build())
          .create();
      List<SamplePlatform> copies = new ArrayList<>();
      for (int number = 1; number <= platforms; number++) {
        copies.add(sample.copy(SamplePlatform.PLATFORM_ID, number));
      }
      seed(cluster, copies.subList(0, 1));
      measure(client, copies.subList(0, 1), sample.customResourceKinds(), 20);
      long seeding = System.nanoTime();
      seed(cluster, copies.subList(1, copies.size()));
      System.out.printf(
          "seeded %d more copies in %.1f s%n",
          copies.size() - 1, (System.nanoTime() - seeding) / 1e9);
      measure(client, copies, sample.customResourceKinds(), 1);
    }
  }

  private static void seed(SimulatedCluster cluster, List<SamplePlatform> copies) {
    copies.forEach(copy -> copy.seed(cluster));
    copies.forEach(copy -> copy.awaitRunning(cluster, Duration.ofMinutes(2)));
    KubernetesClient client = cluster.client();
    for (SamplePlatform copy : copies) {
      client
          .leases()
          .inNamespace(LEASES)
          .resource(
              new LeaseBuilder()
                  .withNewMetadata()
                  .withName("lockstep-executor-" + copy.platformId())
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity("bench")
                  .withLeaseDurationSeconds(8)
                  .endSpec()
                  .build())
          .create();
    }
  }

  private static void measure(
      KubernetesClient client, List<SamplePlatform> copies, List<String> kinds, int rounds)
      throws Exception {
    long objects = objectCount(client);
    String head = copies.size() + " platforms (" + objects + " objects): ";
    List<Long> lists = Collections.synchronizedList(new ArrayList<>());
    List<Long> observations = Collections.synchronizedList(new ArrayList<>());
    List<Long> leases = Collections.synchronizedList(new ArrayList<>());
    for (int round = 0; round < rounds + 1; round++) {
      if (round == 1) { // the first warms up
        lists.clear();
        observations.clear();
        leases.clear();
      }
      for (SamplePlatform copy : copies) {
        observe(client, copy, kinds, lists, observations);
        renew(client, copy, leases);
      }
    }
    System.out.println(head + "one at a time");
    print("  a list", lists);
    print("  an observation (every list of a platform)", observations);
    print("  a Lease's read and conditional update", leases);
    lists.clear();
    observations.clear();
    leases.clear();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      long start = System.nanoTime();
      for (int round = 0; round < rounds; round++) {
        List<Future<?>> calls = new ArrayList<>();
        for (SamplePlatform copy : copies) {
          calls.add(pool.submit(() -> observe(client, copy, kinds, lists, observations)));
          calls.add(pool.submit(() -> renew(client, copy, leases)));
        }
        for (Future<?> call : calls) {
          call.get(); // a round's calls at once; a platform's Lease once a round
        }
      }
      System.out.printf(
          "%s%d threads at once, %.1f s in all%n",
          head, THREADS, (System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
    print("  a list", lists);
    print("  an observation (every list of a platform)", observations);
    print("  a Lease's read and conditional update", leases);
  }

  /**
   * The lists of an inventory observation, as the executor's {@code InventoryReader} makes them.
   */
  private static void observe(
      KubernetesClient client,
      SamplePlatform copy,
      List<String> kinds,
      List<Long> lists,
      List<Long> observations) {
    long observation = System.nanoTime();
    for (String namespace : copy.namespaces()) {
      lists.add(timed(() -> client.apps().deployments().inNamespace(namespace).list()));
      lists.add(timed(() -> client.apps().statefulSets().inNamespace(namespace).list()));
      lists.add(timed(() -> client.apps().daemonSets().inNamespace(namespace).list()));
      for (String type : kinds) {
        int slash = type.lastIndexOf('/');
        lists.add(
            timed(
                () ->
                    client
                        .genericKubernetesResources(
                            type.substring(0, slash), type.substring(slash + 1))
                        .inNamespace(namespace)
                        .list()));
      }
    }
    observations.add(System.nanoTime() - observation);
  }

  private static void renew(KubernetesClient client, SamplePlatform copy, List<Long> leases) {
    long start = System.nanoTime();
    var resource =
        client.leases().inNamespace(LEASES).withName("lockstep-executor-" + copy.platformId());
    Lease lease = resource.get();
    lease.getSpec().setRenewTime(ZonedDateTime.now());
    client.leases().inNamespace(LEASES).resource(lease).update();
    leases.add(System.nanoTime() - start);
  }

  private static long timed(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return System.nanoTime() - start;
  }

  private static long objectCount(KubernetesClient client) {
    return client.pods().inAnyNamespace().list().getItems().size()
        + client.apps().deployments().inAnyNamespace().list().getItems().size()
        + client.apps().statefulSets().inAnyNamespace().list().getItems().size()
        + client.apps().replicaSets().inAnyNamespace().list().getItems().size()
        + client.configMaps().inAnyNamespace().list().getItems().size()
        + client.services().inAnyNamespace().list().getItems().size()
        + client.v1().events().inAnyNamespace().list().getItems().size()
        + client.leases().inAnyNamespace().list().getItems().size();
  }

  private static void print(String what, List<Long> nanos) {
    List<Long> sorted = nanos.stream().sorted().toList();
    if (sorted.isEmpty()) {
      return;
    }
    System.out.printf(
        "%-48s %6d calls: p50 %6.2f ms, p99 %7.2f ms, max %7.2f ms%n",
        what,
        sorted.size(),
        sorted.get(sorted.size() / 2) / 1e6,
        sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1)) / 1e6,
        sorted.get(sorted.size() - 1) / 1e6);
  }
}
