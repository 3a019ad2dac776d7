package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One Lockstep service running as a JVM process of its own, started from its build output with a
 * configuration file of its own (given through {@code micronaut.config.files}, readable only by the
 * user, so that secrets never appear on a command line), its output in a log file.
 */
public final class ServiceProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final LockstepService service;
  private final int port;
  private final Path log;
  private final Process process;

  private ServiceProcess(LockstepService service, int port, Path log, Process process) {
    this.service = service;
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts a service.
   *
   * @param service which one
   * @param checkout the built checkout its class path comes from
   * @param configuration the service's configuration as a tree (written as YAML)
   * @param port its HTTP port
   * @param directory where its configuration file and log go
   * @param heap its maximum heap, such as {@code 256m}
   */
  public static ServiceProcess start(
      LockstepService service,
      Path checkout,
      Map<String, Object> configuration,
      int port,
      Path directory,
      String heap) {
    try {
      Files.createDirectories(directory);
      Path config = directory.resolve(service.id() + ".yml");
      Files.deleteIfExists(config);
      Files.createFile(
          config,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      YAML.writeValue(config.toFile(), configuration);
      Path log = directory.resolve(service.id() + ".log");
      List<String> command = new ArrayList<>();
      command.add(javaExecutable());
      command.add("-Xmx" + heap);
      command.add("-XX:+UseSerialGC");
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-Dmicronaut.config.files=" + config);
      command.add("-Dmicronaut.server.port=" + port);
      command.add("-cp");
      command.add(
          service.classpath(checkout).stream()
              .map(Path::toString)
              .collect(Collectors.joining(java.io.File.pathSeparator)));
      command.add(service.mainClass());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new ServiceProcess(service, port, log, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the " + service.id() + " service", e);
    }
  }

  private static String javaExecutable() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Which service this is. */
  public LockstepService service() {
    return service;
  }

  /** Its HTTP base URL. */
  public URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Its log file. */
  public Path log() {
    return log;
  }

  /** Whether the process still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** The operating system's process id. */
  public long pid() {
    return process.pid();
  }

  /**
   * Waits until the service answers its readiness probe.
   *
   * @throws IllegalStateException when it exits or is not ready in time, with the end of its log
   */
  public ServiceProcess awaitReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    HttpRequest probe =
        HttpRequest.newBuilder(url().resolve("/health/readiness"))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the " + service.id() + " service exited with " + process.exitValue() + tail());
      }
      try {
        if (HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + service.id(), e);
      }
      sleep(Duration.ofMillis(100));
    }
    throw new IllegalStateException(
        "the " + service.id() + " service was not ready within " + timeout + tail());
  }

  /**
   * Writes the process's thread dump ({@code jcmd <pid> Thread.print}) next to its log, for a
   * service that does not do what it should; the file, or why there is none.
   */
  public String dumpThreads() {
    Path dump = log.resolveSibling(service.id() + "-threads.txt");
    Path jcmd = Path.of(javaExecutable()).resolveSibling("jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
              .redirectErrorStream(true)
              .redirectOutput(dump.toFile())
              .start();
      p.waitFor(20, TimeUnit.SECONDS);
      return dump.toString();
    } catch (IOException e) {
      return "(no thread dump: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(no thread dump: interrupted)";
    }
  }

  /** Kills the process at once, as {@code kill -9} does: no shutdown hook runs. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /** Asks the process to stop (SIGTERM) and waits; kills it when it does not stop in time. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitFor(Duration.ofSeconds(15))) {
        kill();
      }
    }
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "; the end of its log ("
          + log
          + "):\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "; its log " + log + " cannot be read: " + e.getMessage();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return service.id() + " (pid " + process.pid() + ", " + url() + ")";
  }
}
