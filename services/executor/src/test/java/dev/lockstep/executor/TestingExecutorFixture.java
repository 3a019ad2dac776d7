package dev.lockstep.executor;

import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.Plan;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.runtime.LockstepApplication;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import dev.lockstep.testkit.cluster.SimulatedOperator;
import dev.lockstep.testkit.cluster.SimulatedSnapshotController;
import dev.lockstep.testkit.kafka.KafkaBroker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The world of one executor IT: a simulated cluster (with, when asked, testkit's CSI snapshot
 * controller and the custom resource operator, which the test starts), a client for the test's own
 * set-up, the planner and validator played over the shared broker, and the executors started
 * against them, all in one consumer group. {@link #close()} stops everything, executors first.
 */
public final class TestingExecutorFixture implements AutoCloseable {
  private static final String SECRET = "test-secret-that-is-long-enough-for-hs256-signing";

  private final String platform;
  private final List<String> namespaces;
  private final String group = "executor-" + UUID.randomUUID();
  private final SimulatedCluster cluster;
  private final KubernetesClient setup;
  private final SimulatedSnapshotController snapshots;
  private final SimulatedOperator operator;
  private final TestingPlannerAndValidator lockstep;
  private final List<ApplicationContext> executors = new ArrayList<>();

  private TestingExecutorFixture(Builder builder) {
    this.platform = builder.platform;
    this.namespaces = List.copyOf(builder.namespaces);
    this.cluster = new SimulatedCluster().start();
    this.setup = cluster.newClient("simulated-test-setup");
    this.snapshots =
        builder.snapshotController ? new SimulatedSnapshotController(cluster).start() : null;
    this.operator = builder.operator ? new SimulatedOperator(cluster) : null;
    this.lockstep = new TestingPlannerAndValidator(platform, builder.verdictDelay);
  }

  /** A fixture for the platform; nothing runs until {@link Builder#start()}. */
  public static Builder forPlatform(String platform) {
    return new Builder(platform);
  }

  /** How the fixture is set up. */
  public static final class Builder {
    private final String platform;
    private List<String> namespaces = List.of("core");
    private Duration verdictDelay = Duration.ZERO;
    private boolean snapshotController;
    private boolean operator;

    private Builder(String platform) {
      this.platform = platform;
    }

    /** The namespaces the executor may touch (default {@code core}). */
    public Builder namespaces(String... namespaces) {
      this.namespaces = List.of(namespaces);
      return this;
    }

    /** How long the played validator takes to pass a gate (default none). */
    public Builder verdictDelay(Duration verdictDelay) {
      this.verdictDelay = verdictDelay;
      return this;
    }

    /** Runs testkit's CSI snapshot controller on the cluster. */
    public Builder snapshotController() {
      this.snapshotController = true;
      return this;
    }

    /** Creates the custom resource operator (the test starts it). */
    public Builder operator() {
      this.operator = true;
      return this;
    }

    /** Starts the cluster, the set-up client, the controllers asked for, and the planner. */
    public TestingExecutorFixture start() {
      return new TestingExecutorFixture(this);
    }
  }

  /** Starts an executor for the platform. */
  public ApplicationContext startExecutor() {
    return startExecutor(Map.of());
  }

  /** Starts an executor for the platform with extra properties. */
  public ApplicationContext startExecutor(Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("lockstep.kafka.bootstrap-servers", KafkaBroker.shared().bootstrapServers());
    properties.put("lockstep.security.jwt-secret", SECRET);
    properties.put("micronaut.server.port", -1);
    properties.put("lockstep.executor.group", group);
    properties.put("lockstep.executor.poll-interval", "25ms");
    properties.put("lockstep.executor.rollout-timeout", "30s");
    // a crashed instance's platform passes to the next after 3 s rather than 15 s
    properties.put("lockstep.executor.lease-duration", "3s");
    properties.put("lockstep.executor.lease-renew-interval", "500ms");
    properties.put("lockstep.platforms." + platform + ".master-url", cluster.kubernetesUrl());
    properties.put("lockstep.platforms." + platform + ".namespaces", namespaces);
    properties.putAll(extra);
    ApplicationContext executor = LockstepApplication.builder("executor", properties).start();
    executors.add(executor);
    return executor;
  }

  /** Starts an executor that dies at the crash point ({@code <point>:<step id>}). */
  public ApplicationContext startExecutorCrashingAt(String crashAt) {
    return startExecutor(Map.of("lockstep.testing.crash-at", crashAt));
  }

  /** Publishes {@code plan.created} for the plan, as the planner does. */
  public EventEnvelope publishPlan(Plan plan, String requestedBy, String reason) {
    return lockstep.publish(plan.upgradeId(), new PlanCreated(plan, requestedBy, reason));
  }

  public String platform() {
    return platform;
  }

  public SimulatedCluster cluster() {
    return cluster;
  }

  /** A client of the test's own (its requests are not the code under test's). */
  public KubernetesClient setup() {
    return setup;
  }

  /** The operator, when the builder asked for it. */
  public SimulatedOperator operator() {
    return operator;
  }

  /** The planner and validator played over the shared broker. */
  public TestingPlannerAndValidator lockstep() {
    return lockstep;
  }

  @Override
  public void close() {
    for (ApplicationContext executor : executors) {
      if (executor.isRunning()) {
        executor.close();
      }
    }
    lockstep.close();
    if (operator != null) {
      operator.close();
    }
    if (snapshots != null) {
      snapshots.close();
    }
    setup.close();
    cluster.close();
  }
}
