package dev.lockstep.cli.soak;

import dev.lockstep.cli.local.LocalServices;
import dev.lockstep.cli.local.LockstepService;
import dev.lockstep.cli.local.ServiceProcess;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.kafka.KafkaBrokerProcess;
import dev.lockstep.testkit.postgres.RestartablePostgres;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Strikes the system with a random fault at random intervals until stopped: kill -9 of any
 * supervised instance (the supervision starts it again), a broker restart (stopped or killed, then
 * started on the same port and log directory), a PostgreSQL restart, SIGSTOP of an executor that
 * holds a platform's Lease for longer than the Lease lasts (8 s in local mode; SIGCONT after {@link
 * #FROZEN}), and an instance added ({@link LocalServices#startReplica}) or removed ({@link
 * LocalServices#stopReplica}, of an instance it added). Each fault is logged with its time and
 * target. One fault at a time: a fault ends (the broker back, the executor woken) before the next
 * wait begins.
 */
final class FaultInjector implements AutoCloseable {
  /** How long a frozen executor stays frozen: past its 8 s Lease. */
  static final Duration FROZEN = Duration.ofSeconds(12);

  private static final List<String> KINDS =
      List.of(
          "kill",
          "kill",
          "kill",
          "broker-restart",
          "postgres-restart",
          "freeze-executor",
          "freeze-executor",
          "add-instance",
          "remove-instance");

  private final LocalServices services;
  private final KafkaBrokerProcess broker;
  private final RestartablePostgres postgres;
  private final SimulatedCluster cluster;
  private final List<String> platforms;
  private final Random random;
  private final Duration minWait;
  private final Duration maxWait;
  private final Consumer<String> log;
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<ServiceProcess> added = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private int addedCount;
  private Thread thread;

  FaultInjector(
      LocalServices services,
      KafkaBrokerProcess broker,
      RestartablePostgres postgres,
      SimulatedCluster cluster,
      List<String> platforms,
      Random random,
      Duration minWait,
      Duration maxWait,
      Consumer<String> log) {
    this.services = services;
    this.broker = broker;
    this.postgres = postgres;
    this.cluster = cluster;
    this.platforms = List.copyOf(platforms);
    this.random = random;
    this.minWait = minWait;
    this.maxWait = maxWait;
    this.log = log;
  }

  /** Starts injecting on a thread of its own. */
  FaultInjector start() {
    thread = new Thread(this::run, "soak-fault-injector");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  private void run() {
    while (running.get()) {
      long span = maxWait.toMillis() - minWait.toMillis();
      long wait = minWait.toMillis() + (span <= 0 ? 0 : (long) (random.nextDouble() * span));
      if (!pause(wait) || !running.get()) {
        return;
      }
      String kind = KINDS.get(random.nextInt(KINDS.size()));
      try {
        Fault fault = inject(kind);
        if (fault != null) {
          faults.add(fault);
          log.accept(
              "fault     "
                  + fault.kind()
                  + " "
                  + fault.target()
                  + (fault.detail().isEmpty() ? "" : ": " + fault.detail()));
        }
      } catch (RuntimeException e) {
        log.accept("fault     " + kind + " could not be injected: " + e);
      }
    }
  }

  private Fault inject(String kind) {
    return switch (kind) {
      case "kill" -> kill();
      case "broker-restart" -> restartBroker();
      case "postgres-restart" -> restartPostgres();
      case "freeze-executor" -> freezeExecutor();
      case "add-instance" -> addInstance();
      case "remove-instance" -> added.isEmpty() ? addInstance() : removeInstance();
      default -> throw new IllegalStateException(kind);
    };
  }

  /** kill -9 of a supervised instance of any service (not one this injector added). */
  private Fault kill() {
    List<Map.Entry<String, ServiceProcess>> candidates = new ArrayList<>();
    for (Map.Entry<String, ServiceProcess> entry : services.instances().entrySet()) {
      if (entry.getValue().alive() && !added.contains(entry.getValue())) {
        candidates.add(entry);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    Map.Entry<String, ServiceProcess> victim = candidates.get(random.nextInt(candidates.size()));
    Instant at = Instant.now();
    victim.getValue().kill();
    return new Fault(
        "kill", victim.getKey() + " (pid " + victim.getValue().pid() + ")", at, at, "");
  }

  private Fault restartBroker() {
    Instant at = Instant.now();
    boolean crash = random.nextBoolean();
    if (crash) {
      broker.kill();
    } else {
      broker.stop();
    }
    long down = 2_000 + random.nextInt(4_000);
    pause(down);
    Duration start = broker.start();
    return new Fault(
        "broker-restart",
        "kafka " + broker.bootstrapServers(),
        at,
        Instant.now(),
        (crash ? "killed" : "stopped")
            + ", down "
            + down / 1000.0
            + " s, started again in "
            + start.toMillis() / 1000.0
            + " s");
  }

  private Fault restartPostgres() {
    Instant at = Instant.now();
    postgres.stop();
    long down = 2_000 + random.nextInt(4_000);
    pause(down);
    Duration start = postgres.start();
    return new Fault(
        "postgres-restart",
        "postgresql :" + postgres.port(),
        at,
        Instant.now(),
        "stopped, down "
            + down / 1000.0
            + " s, started again in "
            + start.toMillis() / 1000.0
            + " s");
  }

  /** SIGSTOP of the executor holding a random platform's Lease (or any executor), then SIGCONT. */
  private Fault freezeExecutor() {
    List<ServiceProcess> executors = services.processes(LockstepService.EXECUTOR);
    if (executors.isEmpty()) {
      return null;
    }
    String platform = platforms.get(random.nextInt(platforms.size()));
    String holder = leaseHolder(platform);
    ServiceProcess target = executors.get(random.nextInt(executors.size()));
    String name = nameOf(target);
    if (holder != null) {
      for (ServiceProcess executor : executors) {
        String instanceName = nameOf(executor);
        // the executor's instance-id is its name with the local mode's prefix, or the name itself
        if (holder.endsWith(instanceName) || instanceName.endsWith(holder)) {
          target = executor;
          name = instanceName;
        }
      }
    }
    Instant at = Instant.now();
    signal("STOP", target.pid());
    try {
      pause(FROZEN.toMillis());
    } finally {
      signal("CONT", target.pid());
    }
    return new Fault(
        "freeze-executor",
        name + " (pid " + target.pid() + ")",
        at,
        Instant.now(),
        "SIGSTOP for "
            + FROZEN.toSeconds()
            + " s"
            + (holder == null ? "" : " (held the Lease of " + platform + ": " + holder + ")"));
  }

  private Fault addInstance() {
    // a consumer group's member: the console consumes nothing and runs once
    LockstepService service =
        pick(
            java.util.Arrays.stream(LockstepService.values())
                .filter(LockstepService::consumesEvents)
                .toList());
    String name = service.id() + "-soak-" + (++addedCount);
    Instant at = Instant.now();
    Map<String, Object> own =
        service == LockstepService.EXECUTOR ? Map.of("instance-id", name) : Map.of();
    ServiceProcess process = services.startReplica(service, name, own);
    added.add(process);
    return new Fault(
        "add-instance",
        name + " (pid " + process.pid() + ")",
        at,
        Instant.now(),
        "ready in " + Duration.between(at, Instant.now()).toMillis() / 1000.0 + " s");
  }

  private Fault removeInstance() {
    ServiceProcess process = added.remove(random.nextInt(added.size()));
    String name = nameOf(process);
    Instant at = Instant.now();
    services.stopReplica(process);
    return new Fault(
        "remove-instance", name + " (pid " + process.pid() + ")", at, Instant.now(), "SIGTERM");
  }

  private String leaseHolder(String platform) {
    try {
      Lease lease =
          cluster
              .client()
              .leases()
              .inNamespace("lockstep")
              .withName("lockstep-executor-" + platform)
              .get();
      return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private String nameOf(ServiceProcess process) {
    for (Map.Entry<String, ServiceProcess> entry : services.instances().entrySet()) {
      if (entry.getValue() == process) {
        return entry.getKey();
      }
    }
    return process.service().id();
  }

  private <T> T pick(List<T> list) {
    return list.get(random.nextInt(list.size()));
  }

  private static void signal(String signal, long pid) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
      kill.waitFor();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps; false when interrupted (the injector stops). */
  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The faults injected so far. */
  List<Fault> faults() {
    return List.copyOf(faults);
  }

  /**
   * Stops injecting: the fault under way finishes first (the broker is started again, the executor
   * woken), then nothing more; the instances it added stay until the services stop.
   */
  @Override
  public void close() {
    running.set(false);
    if (thread != null) {
      try {
        thread.join(FROZEN.plusSeconds(60).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
