package dev.lockstep.testkit.kafka;

import dev.lockstep.events.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (combined broker and controller) running as a separate JVM, which a
 * fault test can stop ({@link #stop()}, SIGTERM and a controlled shutdown), crash ({@link #kill()},
 * SIGKILL) and start again ({@link #start()}) on the same port, cluster id and log directory, so
 * clients keep their {@link #bootstrapServers()} and find the records written before.
 *
 * <p>Made by {@link KafkaBroker#startProcess(Path)}. It runs the Kafka server classes of this JVM's
 * class path. Everything it keeps is in the directory it was given: the server properties (with the
 * ports chosen at the first start), the cluster id, the log directory and the broker's output
 * ({@code broker.log}); a later {@code startProcess} on the same directory reuses them. The caller
 * owns the directory: {@link #close()} stops the broker and leaves the directory as it is.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  /** Heap limit of the broker's JVM. */
  public static final String HEAP = "-Xmx384m";

  private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerProcess.class);
  private static final String HOST = "127.0.0.1";
  private static final String PROPERTIES_FILE = "server.properties";
  private static final String CLUSTER_ID_FILE = "cluster.id";
  private static final String OUTPUT_FILE = "broker.log";
  private static final String LOGGING_FILE = "logback.xml";
  // Whatever logging configuration the class path carries, the broker logs only its lifecycle and
  // problems: at INFO it writes thousands of lines per start, which costs seconds on two cores.
  private static final String LOGGING =
      """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <root level="WARN"><appender-ref ref="OUT"/></root>
        <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
        <logger name="kafka.server.BrokerServer" level="INFO"/>
        <logger name="kafka.server.ControllerServer" level="INFO"/>
        <logger name="org.apache.kafka.controller.QuorumController" level="ERROR"/>
      </configuration>
      """;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);

  private final Path directory;
  private final Path propertiesFile;
  private final String clusterId;
  private final int port;
  private final Thread shutdownHook;
  private volatile Process process;
  private boolean closed;

  private KafkaBrokerProcess(Path directory, Path propertiesFile, String clusterId, int port) {
    this.directory = directory;
    this.propertiesFile = propertiesFile;
    this.clusterId = clusterId;
    this.port = port;
    this.shutdownHook = new Thread(this::destroyOnExit, "lockstep-kafka-process-shutdown");
  }

  /**
   * Prepares the directory (on first use: free ports, a cluster id, the server properties), starts
   * the broker, and creates every {@link Topics} topic that does not exist yet as {@link
   * KafkaBroker#shared()} does ({@value KafkaBroker#SHARED_TOPIC_PARTITIONS} partitions,
   * replication 1).
   */
  static KafkaBrokerProcess startIn(Path directory) {
    try {
      Files.createDirectories(directory);
      Path propertiesFile = directory.resolve(PROPERTIES_FILE);
      Path clusterIdFile = directory.resolve(CLUSTER_ID_FILE);
      if (!Files.exists(propertiesFile)) {
        Files.writeString(clusterIdFile, Uuid.randomUuid().toString());
        writeProperties(propertiesFile, directory.resolve("logs"), freePort(), freePort());
      }
      String clusterId = Files.readString(clusterIdFile).trim();
      int port = brokerPort(propertiesFile);
      KafkaBrokerProcess broker =
          new KafkaBrokerProcess(directory, propertiesFile, clusterId, port);
      Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
      try {
        broker.start();
        // On a directory used before the topics exist; creating them again is harmless and
        // completes a first start that stopped halfway.
        try (Admin admin = broker.admin()) {
          TopicAdmin.createTopics(
              admin,
              broker.bootstrapServers(),
              Topics.ALL,
              KafkaBroker.SHARED_TOPIC_PARTITIONS,
              READY_TIMEOUT);
        }
      } catch (RuntimeException e) {
        broker.close();
        throw e;
      }
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not prepare a Kafka broker in " + directory, e);
    }
  }

  /** The {@code bootstrap.servers} value for clients; the same across stops and starts. */
  public String bootstrapServers() {
    return HOST + ":" + port;
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** The directory holding the configuration, the log directory and {@code broker.log}. */
  public Path directory() {
    return directory;
  }

  /** The broker's standard output and error, appended across starts. */
  public Path outputFile() {
    return directory.resolve(OUTPUT_FILE);
  }

  /** Whether the broker's process is alive. */
  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the broker process and returns once it answers metadata requests and every partition of
   * every topic (internal ones included) has a leader.
   *
   * @return how long the start took
   * @throws IllegalStateException if it is running or closed, exits, or is not ready within a
   *     minute (the message ends with the tail of {@code broker.log})
   */
  public synchronized Duration start() {
    if (closed) {
      throw new IllegalStateException("Closed: " + this);
    }
    if (isRunning()) {
      throw new IllegalStateException("Already running: " + this);
    }
    long startNanos = System.nanoTime();
    try {
      process = launch();
      awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start the Kafka broker process in " + directory, e);
    } catch (RuntimeException e) {
      destroy(process, false);
      throw e;
    }
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    LOG.info(
        "Kafka broker process {} at {} ready in {} ms", pid(), bootstrapServers(), took.toMillis());
    return took;
  }

  /**
   * Stops the broker as an operator would: SIGTERM, a controlled shutdown, and waits for the
   * process to end (SIGKILL after {@code 30 s}). Does nothing if it is not running.
   *
   * @return how long the stop took
   */
  public synchronized Duration stop() {
    return end(false);
  }

  /**
   * Crashes the broker: SIGKILL, and waits for the process to end. The next {@link #start()}
   * recovers the log directory as after any crash of the process: what the broker had written is
   * still there, in the operating system's cache. Does nothing if it is not running.
   *
   * @return how long the kill took
   */
  public synchronized Duration kill() {
    return end(true);
  }

  /** Stops the broker if it runs; the directory stays. Later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    stop();
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: nothing to remove.
    }
  }

  @Override
  public String toString() {
    return "KafkaBrokerProcess[" + bootstrapServers() + " in " + directory + "]";
  }

  private Duration end(boolean forcibly) {
    if (!isRunning()) {
      return Duration.ZERO;
    }
    long startNanos = System.nanoTime();
    long pid = process.pid();
    destroy(process, forcibly);
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    LOG.info(
        "Kafka broker process {} {} in {} ms",
        pid,
        forcibly ? "killed" : "stopped",
        took.toMillis());
    return took;
  }

  private static void destroy(Process process, boolean forcibly) {
    if (process == null || !process.isAlive()) {
      return;
    }
    if (forcibly) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "Kafka broker process {} did not stop in {}; killing it", process.pid(), STOP_TIMEOUT);
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("Interrupted while stopping the Kafka broker process", e);
    }
  }

  private void destroyOnExit() {
    Process running = process;
    if (running != null && running.isAlive()) {
      running.destroy();
      try {
        running.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      running.destroyForcibly();
    }
  }

  private Process launch() throws IOException {
    Path logging = directory.resolve(LOGGING_FILE);
    Files.writeString(logging, LOGGING);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(HEAP);
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Djava.awt.headless=true");
    command.add("-Dlogback.configurationFile=" + logging.toAbsolutePath());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KafkaBrokerMain.class.getName());
    command.add(propertiesFile.toString());
    command.add(clusterId);
    command.add(Long.toString(ProcessHandle.current().pid()));
    return new ProcessBuilder(command)
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve(OUTPUT_FILE).toFile()))
        .start();
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    awaitPort(deadline);
    try (Admin admin = admin()) {
      while (true) {
        checkAlive();
        try {
          admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
          Set<String> topics =
              admin
                  .listTopics(new ListTopicsOptions().listInternal(true))
                  .names()
                  .get(2, TimeUnit.SECONDS);
          long left = deadline - System.nanoTime();
          TopicAdmin.awaitLeaders(admin, topics, Duration.ofNanos(Math.max(left, 0)));
          return;
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw notReady(e);
          }
        }
        sleep();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting " + this, e);
    }
  }

  private void awaitPort(long deadline) {
    while (true) {
      checkAlive();
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(HOST, port), 500);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw notReady(e);
        }
      }
      sleep();
    }
  }

  private void checkAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "Kafka broker process exited with " + process.exitValue() + "; " + outputTail());
    }
  }

  private IllegalStateException notReady(Exception cause) {
    return new IllegalStateException(
        this + " not ready within " + READY_TIMEOUT + "; " + outputTail(), cause);
  }

  private String outputTail() {
    Path output = directory.resolve(OUTPUT_FILE);
    try {
      List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
      return "last lines of "
          + output
          + ":\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "no output in " + output;
    }
  }

  private Admin admin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
            2_000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            5_000,
            AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG,
            200));
  }

  private long pid() {
    return process == null ? -1 : process.pid();
  }

  private static void sleep() {
    try {
      Thread.sleep(POLL_INTERVAL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the Kafka broker", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static int brokerPort(Path propertiesFile) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(propertiesFile)) {
      properties.load(in);
    }
    String listener = properties.getProperty("advertised.listeners");
    return Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1));
  }

  private static void writeProperties(Path file, Path logDirectory, int port, int controllerPort)
      throws IOException {
    Properties properties = new Properties();
    properties.put("process.roles", "broker,controller");
    properties.put("node.id", "1");
    properties.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    properties.put(
        "listeners",
        "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    properties.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
    properties.put("controller.listener.names", "CONTROLLER");
    properties.put("inter.broker.listener.name", "PLAINTEXT");
    properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    properties.put("log.dirs", logDirectory.toAbsolutePath().toString());
    // Internal topics default to replication 3: with one broker, groups never form.
    properties.put("offsets.topic.replication.factor", "1");
    properties.put("offsets.topic.num.partitions", "1");
    properties.put("transaction.state.log.replication.factor", "1");
    properties.put("transaction.state.log.min.isr", "1");
    properties.put("transaction.state.log.num.partitions", "1");
    properties.put("share.coordinator.state.topic.replication.factor", "1");
    properties.put("share.coordinator.state.topic.min.isr", "1");
    properties.put("group.initial.rebalance.delay.ms", "0");
    // After a kill, the restarted controller keeps the dead broker's registration until its session
    // expires, and refuses the new one until then (9 s by default).
    properties.put("broker.session.timeout.ms", "2000");
    properties.put("broker.heartbeat.interval.ms", "500");
    // Lean: two cores, a few hundred megabytes.
    properties.put("num.network.threads", "2");
    properties.put("num.io.threads", "2");
    properties.put("background.threads", "2");
    properties.put("num.recovery.threads.per.data.dir", "1");
    properties.put("num.replica.fetchers", "1");
    properties.put("log.cleaner.dedupe.buffer.size", "8388608");
    try (OutputStream out = Files.newOutputStream(file)) {
      properties.store(out, "Lockstep testkit: a single-node KRaft broker, restartable");
    }
  }
}
