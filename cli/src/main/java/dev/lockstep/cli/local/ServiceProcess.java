package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * One Lockstep service running as a JVM process of its own, started from its build output with a
 * configuration file of its own (given through {@code micronaut.config.files}, readable only by the
 * user, so that secrets never appear on a command line), its output in a log file.
 *
 * <p>A service starts with the classes its previous run loaded already parsed and verified, from a
 * class data sharing archive (AppCDS) in its module's {@code target/cds}: that halves its start on
 * a small machine. The first run with a given class path has the archive written from its running
 * JVM as soon as it is ready (see {@link ClassArchive}); {@value #CLASS_DATA_SHARING}{@code =false}
 * turns this off.
 */
public final class ServiceProcess implements AutoCloseable {
  /** System property: {@code false} starts services without class data sharing archives. */
  public static final String CLASS_DATA_SHARING = "lockstep.local.class-data-sharing";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The heap a service starts with; it grows up to its maximum as it needs. */
  static final String INITIAL_HEAP = "32m";

  /** The most the young generation (where new objects go) takes of the heap. */
  static final String MAX_YOUNG_GENERATION = "12m";

  /** How long a stopping service may take before it is killed. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  /** How long a start may take to be ready ({@link #readyTimeout}). */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private static final Duration UNARCHIVED_READY_TIMEOUT = Duration.ofMinutes(3);

  private final LockstepService service;
  private final int port;
  private final Path log;
  private final Process process;
  private final ClassArchive archive;

  private ServiceProcess(
      LockstepService service, int port, Path log, Process process, ClassArchive archive) {
    this.service = service;
    this.port = port;
    this.log = log;
    this.process = process;
    this.archive = archive;
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
      List<String> jvm =
          List.of(
              "-Xmx" + heap,
              // a heap that starts small and grows as needed: the JVM's default initial heap is a
              // 64th of the machine's memory, which on a 24 GB machine is the whole maximum, and
              // every page of it that the young generation once touched stays resident
              "-Xms" + INITIAL_HEAP,
              // a young generation of at most 12 MB: every page of it the service once allocated
              // in stays resident (about 5 MB less each after the failing-gate scenario, for more
              // and smaller young collections; bench/README.md "Local mode footprint")
              "-XX:MaxNewSize=" + MAX_YOUNG_GENERATION,
              // native memory the JVM has freed (compilers' arenas, buffers) given back to the
              // machine every few seconds rather than kept by the C library (1 to 3 MB each)
              "-XX:TrimNativeHeapInterval=5000",
              "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1",
              // jcmd attaches through SIGQUIT, which the planner's Helm engine takes over
              // (JvmSignalHandlers): a listener started up front lets it attach anyway
              "-XX:+StartAttachListener");
      ClassArchive archive =
          Boolean.parseBoolean(System.getProperty(CLASS_DATA_SHARING, "true"))
              ? ClassArchive.prepare(service, service.classpath(checkout), jvm)
              : ClassArchive.none(service.classpath(checkout));
      List<String> command = new ArrayList<>();
      command.add(javaExecutable());
      command.addAll(jvm);
      command.addAll(archive.options());
      command.add("-Dmicronaut.config.files=" + config);
      command.add("-Dmicronaut.server.port=" + port);
      command.add("-cp");
      command.add(
          archive.classpath().stream()
              .map(Path::toString)
              .collect(Collectors.joining(java.io.File.pathSeparator)));
      command.add(service.mainClass());
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      ServiceProcess started = new ServiceProcess(service, port, log, process, archive);
      process.onExit().thenRun(archive::abandon);
      return started;
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

  /** Completes when the process has exited, however it ended. */
  CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  /**
   * The exit code of a process that has exited: 128 plus the signal's number for one a signal ended
   * (137 for {@code kill -9}, 143 for SIGTERM).
   *
   * @throws IllegalThreadStateException while it runs
   */
  public int exitValue() {
    return process.exitValue();
  }

  /**
   * How long this start may take to be ready: 90 s, or 3 minutes for a start without its class
   * archive (the first after a build), which reads and verifies every class from the jars while it
   * records them, several times slower on a small machine where the other services start too.
   */
  public Duration readyTimeout() {
    return archive.archived() ? READY_TIMEOUT : UNARCHIVED_READY_TIMEOUT;
  }

  /**
   * Waits until the service answers its readiness probe, for at most its {@link #readyTimeout}.
   *
   * @throws IllegalStateException when it exits or is not ready in time, with the end of its log
   */
  public ServiceProcess awaitReady() {
    return awaitReady(readyTimeout());
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
          archive.writeLater(process);
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
    Path jcmd = ClassArchive.jcmd();
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
      if (!waitFor(STOP_TIMEOUT)) {
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

  /** The last 30 lines of its log, for a message about it (a CI run keeps only the messages). */
  String tail() {
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

  /**
   * The class data sharing (AppCDS) archive of one service and class path, in the module's {@code
   * target/cds}. The JVM archives classes from jar files only, so the service's {@code
   * target/classes} is copied into a jar named after a digest of its files (made again only when a
   * file changes). The archive is named after a digest of everything it depends on: the JVM, the
   * options, and the path, size and modification time of every class path entry; so a rebuilt
   * module or a changed dependency gets a new archive rather than a stale one (the JVM also checks,
   * and runs without an archive that does not match).
   *
   * <p>Without an archive, the service runs as before, recording what it loads ({@code
   * -XX:+RecordDynamicDumpInfo}), and once it is ready the JVM is asked to write the archive while
   * it runs ({@code jcmd <pid> VM.cds dynamic_dump}, to a temporary file then renamed): a service
   * later killed with -9 or stopped before it finishes keeps it, and a stop never waits for one.
   * The dumps of this JVM's services are made one at a time, never five at once on a small machine;
   * an archive another instance wrote meanwhile is not written again. Anything that stands in the
   * way (a read-only checkout, a directory of classes elsewhere on the class path, no {@code jcmd}
   * beside {@code java}) leaves the service to run without an archive.
   */
  static final class ClassArchive {
    private static final String DIRECTORY = "cds";
    private static final Duration LEFTOVER_AGE = Duration.ofMinutes(10);
    private static final Duration DUMP_TIMEOUT = Duration.ofSeconds(90);

    /** Writes archives one at a time, in the background. */
    private static final ExecutorService DUMPS =
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "class-archive-dumps");
              thread.setDaemon(true);
              return thread;
            });

    private final List<Path> classpath;
    private final List<String> options;
    private final Path pending;
    private final Path target;
    private final AtomicBoolean settled = new AtomicBoolean();

    private ClassArchive(List<Path> classpath, List<String> options, Path pending, Path target) {
      this.classpath = classpath;
      this.options = options;
      this.pending = pending;
      this.target = target;
    }

    static ClassArchive none(List<Path> classpath) {
      return new ClassArchive(classpath, List.of(), null, null);
    }

    /**
     * The class path and JVM options for a start of the service: with its archive when there is
     * one, else recording what it loads for an archive to be written once it is ready.
     */
    static ClassArchive prepare(LockstepService service, List<Path> classpath, List<String> jvm) {
      Path classes = classpath.get(0);
      List<Path> dependencies = classpath.subList(1, classpath.size());
      if (!Files.isDirectory(classes)
          || dependencies.stream().anyMatch(Files::isDirectory)
          || !Files.isExecutable(jcmd())) {
        return none(classpath);
      }
      try {
        Path directory = Files.createDirectories(classes.getParent().resolve(DIRECTORY));
        deleteLeftovers(directory);
        List<Path> archived = new ArrayList<>();
        archived.add(classesJar(service, classes, directory));
        archived.addAll(dependencies);
        Path archive = directory.resolve(service.id() + "-" + digestOf(archived, jvm) + ".jsa");
        if (Files.isRegularFile(archive) && Files.size(archive) > 0) {
          return new ClassArchive(
              List.copyOf(archived), List.of("-XX:SharedArchiveFile=" + archive), null, null);
        }
        Path pending = directory.resolve(archive.getFileName() + "." + UUID.randomUUID() + ".tmp");
        return new ClassArchive(
            List.copyOf(archived),
            List.of(
                "-XX:+RecordDynamicDumpInfo",
                // the classes it cannot archive (not linked, old bytecode) are not news
                "-Xlog:cds=error",
                "-Xlog:cds+dynamic=error"),
            pending,
            archive);
      } catch (IOException | UncheckedIOException e) {
        return none(classpath);
      }
    }

    /** {@code jcmd}, beside the {@code java} that runs the services. */
    static Path jcmd() {
      return Path.of(javaExecutable()).resolveSibling("jcmd");
    }

    List<Path> classpath() {
      return classpath;
    }

    List<String> options() {
      return options;
    }

    /** Whether this start runs from its archive (neither recording one nor without any). */
    boolean archived() {
      return pending == null && !options.isEmpty();
    }

    /** Whether this start has no archive and records what it loads to write one. */
    boolean writing() {
      return pending != null;
    }

    /** Has the archive written from this running process in the background, after the others. */
    void writeLater(Process process) {
      if (pending != null && !settled.get()) {
        DUMPS.execute(() -> write(process));
      }
    }

    /**
     * Writes the archive from this running process and waits for it: kept when the dump completed
     * and the process still runs (a process that exited during the dump may have left it half
     * written). Returns whether the archive is there now, whoever wrote it.
     */
    boolean write(Process process) {
      if (pending == null) {
        return false;
      }
      if (!settled.compareAndSet(false, true)) {
        return Files.isRegularFile(target);
      }
      try {
        if (Files.isRegularFile(target) || !process.isAlive()) {
          return Files.isRegularFile(target);
        }
        Process dump =
            new ProcessBuilder(
                    jcmd().toString(),
                    Long.toString(process.pid()),
                    "VM.cds",
                    "dynamic_dump",
                    pending.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!dump.waitFor(DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          dump.destroyForcibly();
          return false;
        }
        if (dump.exitValue() == 0
            && process.isAlive()
            && Files.isRegularFile(pending)
            && Files.size(pending) > 0) {
          try {
            Files.move(pending, target);
          } catch (FileAlreadyExistsException e) {
            // another instance of the same build wrote it first
          }
          deleteOthers(target.getParent(), prefixOf(target), ".jsa", target);
        }
        return Files.isRegularFile(target);
      } catch (IOException e) {
        // without an archive the next start is slower, not wrong
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        deleteQuietly(pending);
      }
    }

    /** The process exited before its archive was written: nothing will be. */
    void abandon() {
      if (pending != null && settled.compareAndSet(false, true)) {
        deleteQuietly(pending);
      }
    }

    private static void deleteQuietly(Path file) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a leftover is deleted by a later start
      }
    }

    /** The service's classes as a jar (the JVM archives classes from jars only). */
    private static Path classesJar(LockstepService service, Path classes, Path directory)
        throws IOException {
      List<Path> entries;
      try (Stream<Path> walk = Files.walk(classes)) {
        entries = walk.filter(p -> !p.equals(classes)).sorted().toList();
      }
      MessageDigest digest = sha256();
      for (Path entry : entries) {
        digest.update(entryName(classes, entry).getBytes(StandardCharsets.UTF_8));
        if (Files.isRegularFile(entry)) {
          digest.update(
              (":" + Files.size(entry) + ":" + Files.getLastModifiedTime(entry).toMillis())
                  .getBytes(StandardCharsets.UTF_8));
        }
        digest.update((byte) ';');
      }
      String prefix = service.id() + "-classes-";
      Path jar = directory.resolve(prefix + hex(digest.digest()) + ".jar");
      if (Files.isRegularFile(jar)) {
        return jar;
      }
      Path temporary = Files.createTempFile(directory, prefix, ".tmp");
      try {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(temporary))) {
          // directories too: resource scanners (Flyway's migrations) look them up
          for (Path entry : entries) {
            out.putNextEntry(new ZipEntry(entryName(classes, entry)));
            if (Files.isRegularFile(entry)) {
              Files.copy(entry, out);
            }
            out.closeEntry();
          }
        }
        // never replaced once there: an archive made with it would no longer match
        Files.move(temporary, jar);
        deleteOthers(directory, prefix, ".jar", jar);
      } catch (FileAlreadyExistsException e) {
        // another start made the same jar first
      } finally {
        Files.deleteIfExists(temporary);
      }
      return jar;
    }

    /** The entry's name in the jar: {@code dev/lockstep/A.class}, {@code db/recorder/}. */
    private static String entryName(Path classes, Path entry) {
      String name = classes.relativize(entry).toString().replace(java.io.File.separatorChar, '/');
      return Files.isDirectory(entry) ? name + "/" : name;
    }

    /** A digest of the JVM, its options and each class path entry's path, size and time. */
    private static String digestOf(List<Path> classpath, List<String> jvm) throws IOException {
      MessageDigest digest = sha256();
      StringBuilder text = new StringBuilder();
      text.append(System.getProperty("java.home"))
          .append('|')
          .append(System.getProperty("java.vm.version"))
          .append('|')
          .append(String.join(" ", jvm));
      for (Path entry : classpath) {
        text.append('|')
            .append(entry.toAbsolutePath())
            .append(':')
            .append(Files.size(entry))
            .append(':')
            .append(Files.getLastModifiedTime(entry).toMillis());
      }
      return hex(digest.digest(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    /** "executor-" of "executor-0a1b....jsa". */
    private static String prefixOf(Path archive) {
      String name = archive.getFileName().toString();
      return name.substring(0, name.lastIndexOf('-') + 1);
    }

    /**
     * Deletes archives that were never finished (a temporary file older than a few minutes belongs
     * to a dump that was interrupted).
     */
    private static void deleteLeftovers(Path directory) throws IOException {
      FileTime before = FileTime.from(Instant.now().minus(LEFTOVER_AGE));
      try (Stream<Path> files = Files.list(directory)) {
        for (Path file : files.toList()) {
          if (file.getFileName().toString().endsWith(".tmp")
              && Files.getLastModifiedTime(file).compareTo(before) < 0) {
            Files.deleteIfExists(file);
          }
        }
      }
    }

    private static void deleteOthers(Path directory, String prefix, String suffix, Path keep)
        throws IOException {
      try (Stream<Path> files = Files.list(directory)) {
        for (Path file : files.toList()) {
          String name = file.getFileName().toString();
          if (name.startsWith(prefix) && name.endsWith(suffix) && !file.equals(keep)) {
            Files.deleteIfExists(file);
          }
        }
      }
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    private static String hex(byte[] bytes) {
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        hex.append(String.format("%02x", bytes[i]));
      }
      return hex.toString();
    }
  }
}
