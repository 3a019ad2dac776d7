package dev.lockstep.testkit.kafka;

import dev.lockstep.events.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Kafka broker for tests and the local mode, chosen at run time: an external cluster named
 * by {@value #BOOTSTRAP_ENV}, else a Testcontainers broker when a Docker engine answers, else a
 * single-node KRaft broker inside this JVM.
 *
 * <p>Tests use {@link #shared()}, one broker per JVM with the {@link Topics} created; the local
 * mode uses {@link #start()} and closes the broker itself.
 */
public final class KafkaBroker implements AutoCloseable {

  /** Environment variable with the bootstrap servers of an external cluster to use instead. */
  public static final String BOOTSTRAP_ENV = "LOCKSTEP_KAFKA_BOOTSTRAP";

  /** Environment variable overriding the Docker image used when Docker answers. */
  public static final String IMAGE_ENV = "LOCKSTEP_KAFKA_IMAGE";

  /** The image used when Docker answers and {@value #IMAGE_ENV} is not set. */
  public static final String DEFAULT_IMAGE = "apache/kafka:4.3.1";

  /** Partitions of each Lockstep topic on the shared broker. */
  public static final int SHARED_TOPIC_PARTITIONS = 3;

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
  private static final Duration TOPICS_READY_TIMEOUT = Duration.ofSeconds(60);

  private static KafkaBroker shared;

  /** Where the broker runs. */
  public enum Kind {
    /** An existing cluster named by {@value KafkaBroker#BOOTSTRAP_ENV}; never stopped by us. */
    EXTERNAL,
    /** A Testcontainers {@code apache/kafka} container. */
    TESTCONTAINERS,
    /** A KRaft broker and controller running inside this JVM. */
    IN_JVM
  }

  private final Kind kind;
  private final String bootstrapServers;
  private final AutoCloseable server;
  private final boolean isShared;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private KafkaBroker(Kind kind, String bootstrapServers, AutoCloseable server, boolean isShared) {
    this.kind = kind;
    this.bootstrapServers = bootstrapServers;
    this.server = server;
    this.isShared = isShared;
  }

  /**
   * The broker shared by every test class of this JVM: started on the first call, with all {@link
   * Topics} created ({@value #SHARED_TOPIC_PARTITIONS} partitions, replication 1), and stopped by a
   * shutdown hook. Its {@link #close()} does nothing.
   */
  public static synchronized KafkaBroker shared() {
    if (shared == null) {
      KafkaBroker broker = launch(true);
      try {
        broker.createTopics(Topics.ALL, SHARED_TOPIC_PARTITIONS);
      } catch (RuntimeException e) {
        broker.stop();
        throw e;
      }
      Runtime.getRuntime().addShutdownHook(new Thread(broker::stop, "lockstep-kafka-shutdown"));
      shared = broker;
    }
    return shared;
  }

  /**
   * Starts a dedicated broker that the caller closes. No topics are created; call {@link
   * #createTopics} for the ones needed.
   */
  public static KafkaBroker start() {
    return launch(false);
  }

  /**
   * Starts a broker as a separate JVM whose files live in {@code directory}, with the {@link
   * Topics} created as on the shared broker. Fault tests stop, kill and start it again on the same
   * port and log directory; see {@link KafkaBrokerProcess}. The caller closes it and owns the
   * directory.
   */
  public static KafkaBrokerProcess startProcess(Path directory) {
    return KafkaBrokerProcess.startIn(directory);
  }

  /** The {@code bootstrap.servers} value for clients. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Where this broker runs. */
  public Kind kind() {
    return kind;
  }

  /**
   * Creates the topics with replication factor 1, ignoring those that already exist (whatever their
   * partition count), and returns once every partition of every topic has a leader.
   *
   * @throws IllegalStateException if a topic cannot be created or is not ready within a minute
   */
  public void createTopics(Collection<String> topics, int partitions) {
    try (Admin admin = admin()) {
      TopicAdmin.createTopics(admin, bootstrapServers, topics, partitions, TOPICS_READY_TIMEOUT);
    }
  }

  /** Stops a broker started by {@link #start()}; does nothing for the shared or an external one. */
  @Override
  public void close() {
    if (!isShared) {
      stop();
    }
  }

  @Override
  public String toString() {
    return "KafkaBroker[" + kind + " at " + bootstrapServers + "]";
  }

  private static KafkaBroker launch(boolean isShared) {
    long startNanos = System.nanoTime();
    String external = System.getenv(BOOTSTRAP_ENV);
    KafkaBroker broker;
    if (external != null && !external.isBlank()) {
      broker = new KafkaBroker(Kind.EXTERNAL, external.trim(), null, isShared);
    } else if (DockerClientFactory.instance().isDockerAvailable()) {
      broker = startContainer(isShared);
    } else {
      broker = startInJvm(isShared);
    }
    LOG.info(
        "Kafka broker: {} at {} (ready in {} ms)",
        broker.kind,
        broker.bootstrapServers,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
    return broker;
  }

  private static KafkaBroker startContainer(boolean isShared) {
    String image = System.getenv().getOrDefault(IMAGE_ENV, DEFAULT_IMAGE);
    KafkaContainer container =
        new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"));
    container.start();
    return new KafkaBroker(
        Kind.TESTCONTAINERS, container.getBootstrapServers(), container, isShared);
  }

  private static KafkaBroker startInJvm(boolean isShared) {
    KafkaClusterTestKit cluster = null;
    try {
      // Our own directory: the test kit's default one is deleted by a shutdown hook of its own,
      // which races the broker's shutdown and makes it log I/O errors. close() deletes ours.
      Path baseDirectory = Files.createTempDirectory("lockstep-kafka-");
      cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder()
                      .setBaseDirectory(baseDirectory)
                      .setCombined(true)
                      .setNumBrokerNodes(1)
                      .setNumControllerNodes(1)
                      .build())
              // Internal topics default to replication 3: with one broker, groups never form.
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "1")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("transaction.state.log.num.partitions", "1")
              .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
              .setConfigProp("share.coordinator.state.topic.min.isr", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              // Lean: the broker shares the test JVM's heap and two cores.
              .setConfigProp("num.network.threads", "2")
              .setConfigProp("num.io.threads", "2")
              .setConfigProp("background.threads", "2")
              .setConfigProp("num.recovery.threads.per.data.dir", "1")
              .setConfigProp("num.replica.fetchers", "1")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new KafkaBroker(Kind.IN_JVM, cluster.bootstrapServers(), cluster, isShared);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeAfterFailure(cluster, e);
      throw new IllegalStateException("Interrupted while starting the in-JVM Kafka broker", e);
    } catch (Exception e) {
      closeAfterFailure(cluster, e);
      throw new IllegalStateException("Could not start the in-JVM Kafka broker", e);
    }
  }

  private static void closeAfterFailure(AutoCloseable server, Exception failure) {
    if (server != null) {
      try {
        server.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  private void stop() {
    if (server != null && stopped.compareAndSet(false, true)) {
      try {
        server.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("Interrupted while stopping the {} Kafka broker", kind, e);
      } catch (Exception e) {
        LOG.warn("Could not stop the {} Kafka broker cleanly", kind, e);
      }
    }
  }
}
