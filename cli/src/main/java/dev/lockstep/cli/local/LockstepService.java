package dev.lockstep.cli.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The five services and the console as the build leaves them: each one's main class, its module
 * directory and its default HTTP port (DESIGN section 2). The build writes each module's run-time
 * class path to {@code target/classpath.txt}, so a service runs as a process of its own with
 * exactly its own code and configuration.
 */
public enum LockstepService {
  PLANNER("planner", "services/planner", "dev.lockstep.planner.PlannerApplication", 8081),
  EXECUTOR("executor", "services/executor", "dev.lockstep.executor.ExecutorApplication", 8082),
  VALIDATOR("validator", "services/validator", "dev.lockstep.validator.ValidatorApplication", 8083),
  NOTIFIER("notifier", "services/notifier", "dev.lockstep.notifier.NotifierApplication", 8084),
  RECORDER(
      "rca-recorder", "services/rca-recorder", "dev.lockstep.recorder.RecorderApplication", 8085),
  /**
   * The web console: an HTTP client of the planner's and the recorder's APIs that reads and writes
   * no Kafka topic, so it is one instance however many replicas the others run.
   */
  CONSOLE("console", "services/console", "dev.lockstep.console.ConsoleApplication", 8086);

  private final String id;
  private final String module;
  private final String mainClass;
  private final int defaultPort;

  LockstepService(String id, String module, String mainClass, int defaultPort) {
    this.id = id;
    this.module = module;
    this.mainClass = mainClass;
    this.defaultPort = defaultPort;
  }

  /** The service's name, as in its logs and {@code micronaut.application.name}. */
  public String id() {
    return id;
  }

  /** The class whose main method starts the service. */
  public String mainClass() {
    return mainClass;
  }

  /**
   * Whether the service consumes Lockstep's topics (every one but the console): only those run as
   * several instances in a consumer group and take part in rebalances.
   */
  public boolean consumesEvents() {
    return this != CONSOLE;
  }

  /** The port of DESIGN section 2. */
  public int defaultPort() {
    return defaultPort;
  }

  /**
   * The service's run-time class path in a checkout built by {@code mvn package}: its classes, then
   * the class path the build wrote.
   *
   * @throws IllegalStateException when the checkout has not been built
   */
  public List<Path> classpath(Path checkout) {
    Path target = checkout.resolve(module).resolve("target");
    Path classes = target.resolve("classes");
    Path file = target.resolve("classpath.txt");
    if (!Files.isDirectory(classes) || !Files.isRegularFile(file)) {
      throw new IllegalStateException(
          "the "
              + id
              + " service is not built in "
              + checkout
              + " (no "
              + checkout.relativize(file)
              + "); run `mvn -B -DskipTests package` there first");
    }
    List<Path> entries = new ArrayList<>();
    entries.add(classes);
    try {
      for (String entry : Files.readString(file).trim().split(java.io.File.pathSeparator)) {
        if (!entry.isBlank()) {
          entries.add(Path.of(entry));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return List.copyOf(entries);
  }
}
