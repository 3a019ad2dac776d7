package dev.lockstep.planner.helm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.manifest.HelmChart;
import dev.lockstep.planner.bundles.ChartRenderer;
import io.micronaut.core.annotation.Nullable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders charts with the real Helm engine in a JVM of its own ({@link HelmRenderChild}), started
 * when a chart is to be rendered and ended after {@code idle} without one, rather than in the
 * planner.
 *
 * <p>Why: helm-java loads Helm's Go library (100 MB) into the process that renders, and its
 * relocated pages, about 46 MB, stay resident for as long as the process lives; the library cannot
 * be unloaded. Rendered in a child, the planner holds that memory only while charts are being
 * rendered, and Helm's Go runtime never takes over the planner's signal handlers. The price: the
 * first render after an idle period waits for the child to start and load Helm (about 1 s on a
 * small machine); renders while it runs cost what they cost in process. The rendering is Helm's
 * own, the same as in process ({@code HelmChartRenderer}).
 *
 * <p>The child gets the planner's class path and Java; it ends when its input is closed, so it
 * never outlives the planner (a planner killed with -9 closes it too). A child that dies during a
 * render (killed, out of memory) is replaced and the chart rendered once more in the new one; only
 * when that fails too is the render answered with the error.
 */
public final class ChildProcessChartRenderer implements ChartRenderer, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChildProcessChartRenderer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How long one render may take before the child is given up. */
  private static final Duration RENDER_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

  /** Reads the child's answers: a blocking read, kept off the common pool. */
  private static final ExecutorService READS =
      Executors.newCachedThreadPool(
          runnable -> {
            Thread thread = new Thread(runnable, "lockstep-helm-child-answers");
            thread.setDaemon(true);
            return thread;
          });

  private final Path charts;
  private final Duration idle;
  private final List<String> command;
  private final ScheduledExecutorService idleTimer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "lockstep-helm-child-idle");
            thread.setDaemon(true);
            return thread;
          });

  /** Guarded by this: the running child, or null. */
  private Child child;

  private volatile long childPid;

  private ScheduledFuture<?> idleExit;
  private boolean closed;

  /**
   * A renderer of the charts under {@code chartsDirectory} whose child ends after {@code idle}
   * without a render.
   */
  public ChildProcessChartRenderer(Path chartsDirectory, Duration idle) {
    this(chartsDirectory, idle, null);
  }

  /**
   * The same, whose child loads Helm's library from {@code libraryDirectory}, unpacking it there
   * only when no earlier child did ({@link UnpackedHelmLibrary}); null: unpacked anew by each
   * child.
   */
  public ChildProcessChartRenderer(
      Path chartsDirectory, Duration idle, @Nullable Path libraryDirectory) {
    this.charts = chartsDirectory.toAbsolutePath().normalize();
    this.idle = idle;
    this.command = command(charts, libraryDirectory);
  }

  @Override
  public synchronized Rendering render(HelmChart chart, String release) {
    if (closed) {
      return Rendering.failed("the planner is stopping");
    }
    if (idleExit != null) {
      idleExit.cancel(false);
      idleExit = null;
    }
    try {
      try {
        return renderInChild(chart, release);
      } catch (IOException died) {
        // the child died (killed, out of memory) under the render: once more in a new one
        LOG.warn(
            "the Helm process failed during a render ({}); rendering again in a new one",
            died.getMessage());
        stopChild();
        return renderInChild(chart, release);
      }
    } catch (IOException e) {
      stopChild();
      return Rendering.failed("the Helm process cannot run: " + e.getMessage());
    } catch (TimeoutException e) {
      stopChild();
      return Rendering.failed("the Helm process did not answer within " + RENDER_TIMEOUT);
    } finally {
      if (child != null && !closed) {
        idleExit = idleTimer.schedule(this::exitIdle, idle.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private Rendering renderInChild(HelmChart chart, String release)
      throws IOException, TimeoutException {
    boolean started = false;
    long begun = System.nanoTime();
    if (child == null || !child.process.isAlive()) {
      child = Child.start(command);
      childPid = child.process.pid();
      started = true;
    }
    Rendering rendering = child.render(new RenderProtocol.Request(chart, release));
    if (started) {
      LOG.info(
          "started the Helm process (pid {}): its first chart rendered in {} ms",
          child.process.pid(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begun));
    }
    return rendering;
  }

  /** The pid of the child started last, 0 before the first (for tests: read without the lock). */
  long childPid() {
    return childPid;
  }

  /** Whether a child runs now (for tests and the benchmarks). */
  public synchronized boolean childRunning() {
    return child != null && child.process.isAlive();
  }

  private synchronized void exitIdle() {
    idleExit = null;
    if (child != null) {
      LOG.info("ending the Helm process (pid {}): no chart for {}", child.process.pid(), idle);
    }
    stopChild();
  }

  /** Closes the child's input, which ends it; kills it when it does not end in time. */
  private void stopChild() {
    Child stopping = child;
    child = null;
    if (stopping != null) {
      stopping.stop();
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    stopChild();
    idleTimer.shutdownNow();
  }

  private static List<String> command(Path charts, @Nullable Path libraryDirectory) {
    List<String> command = new ArrayList<>();
    command.add(
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    // a small JVM: it holds one request and one chart's output at a time
    command.addAll(
        List.of(
            "-Xmx64m",
            "-Xms8m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-Xshare:auto"));
    if (libraryDirectory != null) {
      command.add(
          "-D"
              + UnpackedHelmLibrary.DIRECTORY_PROPERTY
              + "="
              + libraryDirectory.toAbsolutePath().normalize());
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            HelmRenderChild.class.getName(),
            charts.toString()));
    return List.copyOf(command);
  }

  /** One running child process and the ends of its pipes. */
  private static final class Child {
    private final Process process;
    private final Writer requests;
    private final BufferedReader answers;

    private Child(Process process) {
      this.process = process;
      this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      this.answers =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static Child start(List<String> command) throws IOException {
      return new Child(
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    Rendering render(RenderProtocol.Request request) throws IOException, TimeoutException {
      requests.write(JSON.writeValueAsString(request));
      requests.write('\n');
      requests.flush();
      CompletableFuture<String> answer = CompletableFuture.supplyAsync(this::readAnswer, READS);
      try {
        String line = answer.get(RENDER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
          throw new IOException("it ended" + exitCode());
        }
        return JSON.readValue(line.substring(RenderProtocol.ANSWER.length()), Rendering.class);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for it", e);
      } catch (ExecutionException e) {
        throw new IOException(e.getCause().getMessage(), e.getCause());
      }
    }

    /** The next answer line, skipping anything else on the child's output; null at its end. */
    private String readAnswer() {
      try {
        String line;
        while ((line = answers.readLine()) != null) {
          if (line.startsWith(RenderProtocol.ANSWER)) {
            return line;
          }
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    }

    private String exitCode() {
      try {
        return process.waitFor(1, TimeUnit.SECONDS) ? " with " + process.exitValue() : "";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "";
      }
    }

    /**
     * Ends the child by closing its input (it exits normally and deletes its unpacked copy of
     * Helm's library); kills it when that takes too long.
     */
    void stop() {
      try {
        requests.close();
      } catch (IOException e) {
        // it has gone already
      }
      try {
        if (!process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
