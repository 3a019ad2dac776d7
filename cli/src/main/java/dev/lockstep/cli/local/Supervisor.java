package dev.lockstep.cli.local;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The supervision of the local mode's service instances, as Kubernetes supervises its pods: an
 * instance whose process exits other than on purpose ({@link #stopping}) is started again, with the
 * same configuration and port, after the {@link RestartBackoff}'s wait; each exit and restart is
 * told to the narration and written to the instance's log. It shares the lock of the {@link
 * LocalServices} whose instances it watches.
 */
final class Supervisor {

  /** What the supervision needs of the services; each call is made holding the shared lock. */
  interface Instances {
    /** The instance's current process. */
    ServiceProcess current(ServiceInstance instance);

    /** Starts a new process of the instance and makes it its current one. */
    ServiceProcess launch(ServiceInstance instance);

    /** The instance's HTTP port. */
    int port(ServiceInstance instance);

    /** Whether the services are being stopped. */
    boolean closing();

    /**
     * A line for the person after the one saying an instance is back, or nothing: a console
     * restarted has forgotten its sessions, and its operator needs a new way in.
     */
    default String backAgain(ServiceInstance instance) {
      return "";
    }
  }

  /** How long a restart waits for the port the exited process held to be free again. */
  private static final Duration PORT_TIMEOUT = Duration.ofSeconds(10);

  private final Object lock;
  private final RestartBackoff backoff;
  private final Consumer<String> narration;
  private final Instances instances;
  private final Map<ServiceInstance, State> states = new HashMap<>();

  /** Processes stopped on purpose (close, restart, a replica stopped): not restarted. */
  private final Set<ServiceProcess> stopping = Collections.newSetFromMap(new IdentityHashMap<>());

  private ScheduledExecutorService restarter;
  private Thread stopOnShutdown;
  private boolean supervising;

  /** What the supervision knows of one instance. */
  private static final class State {
    /** When its current process was started. */
    Instant startedAt = Instant.now();

    /** Its restarts since the local mode started, as {@code kubectl get pods} counts them. */
    int restarts;

    /** Its restarts since it last stayed up for the backoff's reset time. */
    int inARow;

    /** The restart waiting for its backoff, if any. */
    ScheduledFuture<?> pending;
  }

  /**
   * @param lock the services' lock
   * @param backoff when an instance is started again, or null for never
   * @param narration takes a line for a person for each exit and restart
   */
  Supervisor(Object lock, RestartBackoff backoff, Consumer<String> narration, Instances instances) {
    this.lock = lock;
    this.backoff = backoff;
    this.narration = narration;
    this.instances = instances;
  }

  /** A new process of the instance has been started; the caller holds the lock. */
  void started(ServiceInstance instance, ServiceProcess process) {
    states.computeIfAbsent(instance, i -> new State()).startedAt = Instant.now();
    process.onExit().thenRun(() -> exited(instance, process));
  }

  /** The process is stopped on purpose: its exit is no crash. The caller holds the lock. */
  void stopping(ServiceProcess process) {
    stopping.add(process);
  }

  /** Drops a restart the supervision had planned for the instance; the caller holds the lock. */
  void cancelPending(ServiceInstance instance) {
    State state = states.get(instance);
    if (state != null && state.pending != null) {
      state.pending.cancel(false);
      state.pending = null;
    }
  }

  /** From now on, starts an instance whose process exits again (with a backoff). */
  void start(List<ServiceInstance> watched) {
    if (backoff == null) {
      return;
    }
    Map<ServiceInstance, ServiceProcess> current = new HashMap<>();
    synchronized (lock) {
      restarter =
          Executors.newScheduledThreadPool(
              Math.max(1, watched.size()),
              task -> {
                Thread thread = new Thread(task, "lockstep-local-supervisor");
                thread.setDaemon(true);
                return thread;
              });
      // Ctrl-C reaches the services too (one process group): their exits are no crashes
      stopOnShutdown = new Thread(this::stop, "lockstep-local-supervisor-stop");
      Runtime.getRuntime().addShutdownHook(stopOnShutdown);
      supervising = true;
      for (ServiceInstance instance : watched) {
        current.put(instance, instances.current(instance));
      }
    }
    current.forEach(
        (instance, process) -> {
          if (process != null && !process.alive()) {
            exited(instance, process);
          }
        });
  }

  /** Stops restarting: what exits from now on stays stopped. */
  void stop() {
    synchronized (lock) {
      supervising = false;
      for (State state : states.values()) {
        if (state.pending != null) {
          state.pending.cancel(false);
          state.pending = null;
        }
      }
    }
  }

  /** Stops supervising and ends its threads. */
  void close() {
    stop();
    if (restarter != null) {
      restarter.shutdownNow();
    }
    if (stopOnShutdown != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnShutdown);
      } catch (IllegalStateException e) {
        // closing as the JVM shuts down: the hook has run
      }
    }
  }

  /** An instance's process has exited: unless that was meant, its restart after the backoff. */
  private void exited(ServiceInstance instance, ServiceProcess process) {
    restartLater(instance, process, "exited (code " + process.exitValue() + ")");
  }

  /**
   * Plans the restart of an instance whose process has exited (or could not be started), unless it
   * was stopped on purpose, is no longer the instance's, or has its restart planned already.
   */
  private void restartLater(ServiceInstance instance, ServiceProcess process, String what) {
    String line;
    synchronized (lock) {
      State state = states.get(instance);
      if (!supervising
          || instances.closing()
          || stopping.contains(process)
          || instances.current(instance) != process
          || state.pending != null) {
        return;
      }
      Duration up = Duration.between(state.startedAt, Instant.now());
      if (backoff.resets(up)) {
        state.inARow = 0;
      }
      Duration delay = backoff.delay(state.inARow);
      state.inARow++;
      state.restarts++;
      line =
          instance.name()
              + " "
              + what
              + "; restarting it"
              + (delay.isZero() ? "" : " in " + seconds(delay))
              + " (restart "
              + state.restarts
              + ")";
      state.pending =
          restarter.schedule(
              () -> relaunch(instance, process), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
    tell(process, line);
  }

  /** Starts an instance whose process exited, unless it has been started or stopped meanwhile. */
  private void relaunch(ServiceInstance instance, ServiceProcess exited) {
    // a port the exited process held may linger a moment; a start that still fails to bind
    // exits, and is tried again after the backoff
    int port;
    synchronized (lock) {
      port = instances.port(instance);
    }
    awaitFree(port);
    ServiceProcess process;
    Instant begin = Instant.now();
    synchronized (lock) {
      if (instances.closing() || !supervising || instances.current(instance) != exited) {
        return;
      }
      states.get(instance).pending = null;
      try {
        process = instances.launch(instance);
      } catch (RuntimeException e) {
        // no process to watch: tried again after the backoff
        restartLater(instance, exited, "could not be started (" + e.getMessage() + ")");
        return;
      }
    }
    try {
      process.awaitReady();
      tell(
          process,
          instance.name()
              + " is back (pid "
              + process.pid()
              + ", ready in "
              + seconds(Duration.between(begin, Instant.now()))
              + ")");
      String again = instances.backAgain(instance);
      if (!again.isEmpty()) {
        // to the person only, never to the log: it may hold a sign-in code
        narration.accept(EventNarrator.line(Instant.now(), "service   " + again));
      }
    } catch (IllegalStateException e) {
      // it exited before it was ready (and its exit is restarted), or it hangs, or this closes
      synchronized (lock) {
        if (instances.closing() || !process.alive() || instances.current(instance) != process) {
          return;
        }
      }
      tell(
          process,
          instance.name()
              + " is not ready after "
              + seconds(process.readyTimeout())
              + "; killing it");
      process.kill(); // and its exit is restarted like any other
    }
  }

  /** Prints a line of the supervision and writes it to the instance's log. */
  private void tell(ServiceProcess process, String text) {
    Instant now = Instant.now();
    narration.accept(EventNarrator.line(now, "service   " + text));
    try {
      Files.writeString(
          process.log(),
          "--- lockstep local, " + now + ": " + text + System.lineSeparator(),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the narration has it
    }
  }

  /** Waits a while for a port to be free; returns either way. */
  private static void awaitFree(int port) {
    Instant deadline = Instant.now().plus(PORT_TIMEOUT);
    while (!isFree(port) && Instant.now().isBefore(deadline)) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Whether nothing listens on the port. */
  static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new java.net.InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** "2.9 s", "30 s". */
  private static String seconds(Duration duration) {
    long tenths = Math.round(duration.toMillis() / 100.0);
    return (tenths % 10 == 0 ? Long.toString(tenths / 10) : Double.toString(tenths / 10.0)) + " s";
  }
}
