package dev.lockstep.cli.local;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The five services as processes of their own against given infrastructure (a Kafka broker, a
 * PostgreSQL server, a Kubernetes API server) and one platform: each with its own configuration
 * file, a shared signing secret, and its own database where it keeps one. Used by {@code lockstep
 * local} and by the end-to-end tests, which kill and restart services in the middle of an upgrade.
 *
 * <p>With a {@link Settings#restartBackoff} it supervises them as Kubernetes does its pods: a
 * service whose process exits other than through {@link #close} or {@link #restart} is started
 * again, with the same configuration and port, after the backoff's wait; each exit and restart is
 * told to the narration and written to the service's log.
 */
public final class LocalServices implements AutoCloseable {
  /** The audience the local mode's services accept and its tokens carry. */
  public static final String AUDIENCE = "lockstep-local";

  /** The roles a token from {@link #token} carries: all of them. */
  public static final List<String> ALL_ROLES = List.of("submitter", "approver", "viewer");

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  /** How long a restart waits for the port the exited process held to be free again. */
  private static final Duration PORT_TIMEOUT = Duration.ofSeconds(10);

  private final Settings settings;
  private final Consumer<String> narration;
  private final String secret;
  private final Map<LockstepService, Integer> ports = new EnumMap<>(LockstepService.class);
  private final Map<LockstepService, Map<String, Object>> configurations =
      new EnumMap<>(LockstepService.class);

  /** Guards what follows: which process is each service's, and the supervision's state. */
  private final Object lock = new Object();

  private final Map<LockstepService, ServiceProcess> running = new EnumMap<>(LockstepService.class);
  private final Map<LockstepService, Supervised> supervised = new EnumMap<>(LockstepService.class);
  private final List<ServiceProcess> replicas = new ArrayList<>();

  /** Processes stopped on purpose (close, restart): their exits are not restarted. */
  private final Set<ServiceProcess> stopping = Collections.newSetFromMap(new IdentityHashMap<>());

  private ScheduledExecutorService restarter;
  private Thread stopOnShutdown;
  private boolean supervising;
  private boolean closing;

  /** What the supervision knows of one service. */
  private static final class Supervised {
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
   * What the services run against.
   *
   * @param checkout the built checkout the services' class paths come from
   * @param directory where configuration files and logs go
   * @param bootstrapServers the Kafka broker
   * @param postgres the PostgreSQL server; each service that keeps data gets a fresh database
   * @param databasePrefix prefix of those databases' names (lower case letters, digits, _)
   * @param kubernetesUrl the API server of the platform's cluster
   * @param platform the platform id
   * @param namespaces the namespaces the executor may touch there
   * @param customResources the operator-managed kinds whose objects belong in the inventory, as
   *     {@code <apiVersion>/<kind>}
   * @param chartsDirectory where the planner finds the releases' Helm charts
   * @param subscriptions the notifier's subscriptions file
   * @param fixedPorts the ports of DESIGN section 2, or free ones
   * @param heap each service's maximum heap, such as {@code 256m}
   * @param restartBackoff when a service whose process exited is started again, or null to leave it
   *     stopped (the end-to-end tests that kill and restart services themselves)
   */
  public record Settings(
      Path checkout,
      Path directory,
      String bootstrapServers,
      Postgres postgres,
      String databasePrefix,
      String kubernetesUrl,
      String platform,
      List<String> namespaces,
      List<String> customResources,
      Path chartsDirectory,
      Path subscriptions,
      boolean fixedPorts,
      String heap,
      RestartBackoff restartBackoff) {

    /** Services that stay stopped when they exit. */
    public Settings(
        Path checkout,
        Path directory,
        String bootstrapServers,
        Postgres postgres,
        String databasePrefix,
        String kubernetesUrl,
        String platform,
        List<String> namespaces,
        List<String> customResources,
        Path chartsDirectory,
        Path subscriptions,
        boolean fixedPorts,
        String heap) {
      this(
          checkout,
          directory,
          bootstrapServers,
          postgres,
          databasePrefix,
          kubernetesUrl,
          platform,
          namespaces,
          customResources,
          chartsDirectory,
          subscriptions,
          fixedPorts,
          heap,
          null);
    }
  }

  private LocalServices(Settings settings, Consumer<String> narration) {
    this.settings = settings;
    this.narration = narration;
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    this.secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** The name of the recorder's database under a prefix. */
  public static String recorderDatabase(String databasePrefix) {
    return databasePrefix + "_recorder";
  }

  /** Starts the five services at once and returns when every one is ready. */
  public static LocalServices start(Settings settings) {
    return start(settings, line -> {});
  }

  /**
   * Starts the five services at once and returns when every one is ready; then, with a restart
   * backoff, supervises them.
   *
   * @param narration takes a line for a person for each exit and restart of a service
   */
  public static LocalServices start(Settings settings, Consumer<String> narration) {
    LocalServices services = new LocalServices(settings, narration);
    try {
      services.configure();
      synchronized (services.lock) {
        for (LockstepService service : LockstepService.values()) {
          services.launch(service);
        }
      }
      services.awaitReady(List.of(LockstepService.values()));
      if (settings.restartBackoff() != null) {
        services.supervise();
      }
      return services;
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  private void configure() {
    stopLeftovers();
    for (LockstepService service : LockstepService.values()) {
      int port = settings.fixedPorts() ? service.defaultPort() : freePort();
      if (settings.fixedPorts() && !isFree(port)) {
        throw new IllegalStateException(
            "port "
                + port
                + " of the "
                + service.id()
                + " is in use: is another `lockstep local` running? Stop it (Ctrl-C) or free the"
                + " port");
      }
      ports.put(service, port);
    }
    String notifierDatabase = settings.databasePrefix() + "_notifier";
    String recorderDatabase = recorderDatabase(settings.databasePrefix());
    Postgres postgres = settings.postgres();
    String notifierUrl = postgres.createDatabase(notifierDatabase);
    postgres.createDatabase(recorderDatabase);
    String password = postgres.password() == null ? "" : postgres.password();

    Map<String, Object> platform = new LinkedHashMap<>();
    platform.put("namespaces", settings.namespaces());

    // The sample's http gates ask the simulated endpoints on 127.0.0.1 (any port: the port is
    // random unless fixed); a loopback address is reachable only when named as an address.
    Map<String, Object> gates = Map.of("http-hosts", List.of("127.0.0.1"));
    Map<String, Object> plannerPlatform = new LinkedHashMap<>(platform);
    plannerPlatform.put("gates", gates);

    Map<String, Object> executorPlatform = new LinkedHashMap<>(platform);
    executorPlatform.put("master-url", settings.kubernetesUrl());
    executorPlatform.put("custom-resources", settings.customResources());
    String charts = settings.chartsDirectory().toAbsolutePath().toString();
    configurations.put(
        LockstepService.PLANNER,
        lockstep(
            Map.of(
                "platforms",
                Map.of(settings.platform(), plannerPlatform),
                "planner",
                Map.of("charts-dir", charts, "manifests-dir", charts))));
    configurations.put(
        LockstepService.EXECUTOR,
        lockstep(
            Map.of(
                "platforms",
                Map.of(settings.platform(), executorPlatform),
                "executor",
                Map.of(
                    "poll-interval", "200ms",
                    "rollout-timeout", "2m",
                    "inventory-interval", "30s",
                    // a restarted executor is the same instance (as a pod's restarted container):
                    // it takes its platforms' Leases back at once; another instance waits 8 s
                    "instance-id", "local-executor",
                    "lease-duration", "8s",
                    "lease-renew-interval", "2s"))));
    configurations.put(
        LockstepService.VALIDATOR,
        lockstep(
            Map.of(
                "platforms",
                Map.of(settings.platform(), Map.of("gates", gates)),
                "validator",
                Map.of("kubernetes", Map.of("master-url", settings.kubernetesUrl())))));
    configurations.put(
        LockstepService.NOTIFIER,
        lockstep(
            Map.of(
                "postgres",
                Map.of("url", notifierUrl, "username", postgres.username(), "password", password),
                "notifier",
                Map.of(
                    "subscriptions-file",
                    settings.subscriptions().toAbsolutePath().toString(),
                    "links-base-url",
                    url(LockstepService.RECORDER).toString()))));
    configurations.put(
        LockstepService.RECORDER,
        lockstep(
            Map.of(
                "recorder",
                Map.of(
                    "database",
                    Map.of(
                        "host", postgres.host(),
                        "port", postgres.port(),
                        "name", recorderDatabase,
                        "username", postgres.username(),
                        "password", password)))));
  }

  /** A configuration tree: {@code lockstep:} with the shared settings and the service's own. */
  private Map<String, Object> lockstep(Map<String, Object> own) {
    Map<String, Object> lockstep = new LinkedHashMap<>();
    // a service killed with -9 hands its partitions over after 10 s rather than Kafka's 45 s
    lockstep.put(
        "kafka",
        Map.of(
            "bootstrap-servers",
            settings.bootstrapServers(),
            "properties",
            Map.of("session.timeout.ms", "10000", "heartbeat.interval.ms", "2000")));
    lockstep.put("security", Map.of("jwt-secret", secret, "audience", AUDIENCE));
    lockstep.putAll(own);
    return Map.of("lockstep", lockstep);
  }

  /** Starts a service's process and makes it the service's; the caller holds the lock. */
  private ServiceProcess launch(LockstepService service) {
    ServiceProcess process =
        ServiceProcess.start(
            service,
            settings.checkout(),
            configurations.get(service),
            ports.get(service),
            settings.directory(),
            settings.heap());
    running.put(service, process);
    supervised.computeIfAbsent(service, s -> new Supervised()).startedAt = Instant.now();
    process.onExit().thenRun(() -> exited(service, process));
    try {
      Files.writeString(pidFile(service), Long.toString(process.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return process;
  }

  // --- supervision ---

  /** From now on, starts a service whose process exits again. */
  private void supervise() {
    List<Map.Entry<LockstepService, ServiceProcess>> current;
    synchronized (lock) {
      restarter =
          Executors.newScheduledThreadPool(
              LockstepService.values().length,
              task -> {
                Thread thread = new Thread(task, "lockstep-local-supervisor");
                thread.setDaemon(true);
                return thread;
              });
      // Ctrl-C reaches the services too (one process group): their exits are no crashes
      stopOnShutdown = new Thread(this::stopSupervising, "lockstep-local-supervisor-stop");
      Runtime.getRuntime().addShutdownHook(stopOnShutdown);
      supervising = true;
      current = List.copyOf(running.entrySet());
    }
    for (Map.Entry<LockstepService, ServiceProcess> entry : current) {
      if (!entry.getValue().alive()) {
        exited(entry.getKey(), entry.getValue());
      }
    }
  }

  /** A service's process has exited: unless that was meant, its restart after the backoff. */
  private void exited(LockstepService service, ServiceProcess process) {
    restartLater(service, process, "exited (code " + process.exitValue() + ")");
  }

  /**
   * Plans the restart of a service whose process has exited (or could not be started), unless it
   * was stopped on purpose, is no longer the service's, or has its restart planned already.
   */
  private void restartLater(LockstepService service, ServiceProcess process, String what) {
    String line;
    synchronized (lock) {
      Supervised state = supervised.get(service);
      if (!supervising
          || closing
          || stopping.contains(process)
          || running.get(service) != process
          || state.pending != null) {
        return;
      }
      Duration up = Duration.between(state.startedAt, Instant.now());
      RestartBackoff backoff = settings.restartBackoff();
      if (backoff.resets(up)) {
        state.inARow = 0;
      }
      Duration delay = backoff.delay(state.inARow);
      state.inARow++;
      state.restarts++;
      line =
          service.id()
              + " "
              + what
              + "; restarting it"
              + (delay.isZero() ? "" : " in " + seconds(delay))
              + " (restart "
              + state.restarts
              + ")";
      state.pending =
          restarter.schedule(
              () -> relaunch(service, process), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
    tell(service, process, line);
  }

  /** Starts a service whose process exited, unless it has been started or stopped meanwhile. */
  private void relaunch(LockstepService service, ServiceProcess exited) {
    // a port the exited process held may linger a moment; a start that still fails to bind
    // exits, and is tried again after the backoff
    awaitFree(ports.get(service));
    ServiceProcess process;
    Instant begin = Instant.now();
    synchronized (lock) {
      if (closing || !supervising || running.get(service) != exited) {
        return;
      }
      supervised.get(service).pending = null;
      try {
        process = launch(service);
      } catch (RuntimeException e) {
        // no process to watch: tried again after the backoff
        restartLater(service, exited, "could not be started (" + e.getMessage() + ")");
        return;
      }
    }
    try {
      process.awaitReady(READY_TIMEOUT);
      tell(
          service,
          process,
          service.id()
              + " is back (pid "
              + process.pid()
              + ", ready in "
              + seconds(Duration.between(begin, Instant.now()))
              + ")");
    } catch (IllegalStateException e) {
      // it exited before it was ready (and its exit is restarted), or it hangs, or this closes
      synchronized (lock) {
        if (closing || !process.alive() || running.get(service) != process) {
          return;
        }
      }
      tell(
          service,
          process,
          service.id() + " is not ready after " + seconds(READY_TIMEOUT) + "; killing it");
      process.kill(); // and its exit is restarted like any other
    }
  }

  /** Stops restarting services: what exits from now on stays stopped. */
  private void stopSupervising() {
    synchronized (lock) {
      supervising = false;
      for (Supervised state : supervised.values()) {
        if (state.pending != null) {
          state.pending.cancel(false);
          state.pending = null;
        }
      }
    }
  }

  /** Prints a line of the supervision and writes it to the service's log. */
  private void tell(LockstepService service, ServiceProcess process, String text) {
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

  /** "2.9 s", "30 s". */
  private static String seconds(Duration duration) {
    long tenths = Math.round(duration.toMillis() / 100.0);
    return (tenths % 10 == 0 ? Long.toString(tenths / 10) : Double.toString(tenths / 10.0)) + " s";
  }

  private Path pidFile(LockstepService service) {
    return settings.directory().resolve(service.id() + ".pid");
  }

  /**
   * Stops the services a local mode in the same directory left behind when it was killed without
   * its shutdown (kill -9): a process whose pid is recorded and whose command line names this
   * directory's configuration file.
   */
  private void stopLeftovers() {
    for (LockstepService service : LockstepService.values()) {
      Path file = pidFile(service);
      if (!Files.isRegularFile(file)) {
        continue;
      }
      try {
        long pid = Long.parseLong(Files.readString(file).trim());
        String config = settings.directory().resolve(service.id() + ".yml").toString();
        ProcessHandle.of(pid)
            .filter(p -> p.info().commandLine().map(c -> c.contains(config)).orElse(false))
            .ifPresent(
                p -> {
                  p.destroyForcibly();
                  p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
                });
        Files.delete(file);
      } catch (IOException | NumberFormatException e) {
        // not ours to worry about: a stale or unreadable file
      }
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new java.net.InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void awaitReady(List<LockstepService> services) {
    List<CompletableFuture<ServiceProcess>> waits = new ArrayList<>();
    for (LockstepService service : services) {
      ServiceProcess process = process(service);
      waits.add(CompletableFuture.supplyAsync(() -> process.awaitReady(READY_TIMEOUT)));
    }
    try {
      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** The base URL of a service's HTTP API. */
  public URI url(LockstepService service) {
    return URI.create("http://127.0.0.1:" + ports.get(service));
  }

  /** The service's current process (after a restart, the new one). */
  public ServiceProcess process(LockstepService service) {
    synchronized (lock) {
      return running.get(service);
    }
  }

  /**
   * Kills a service as {@code kill -9} does. Supervised, that is a crash: the service is started
   * again.
   */
  public void kill(LockstepService service) {
    process(service).kill();
  }

  /**
   * Starts a service again (after {@link #kill}, or stopping it first) with the same configuration
   * and port; returns when it is ready. A restart the supervision had planned is dropped.
   */
  public ServiceProcess restart(LockstepService service) {
    ServiceProcess old;
    synchronized (lock) {
      old = running.get(service);
      stopping.add(old);
      Supervised state = supervised.get(service);
      if (state.pending != null) {
        state.pending.cancel(false);
        state.pending = null;
      }
    }
    if (old.alive()) {
      old.close();
    }
    ServiceProcess process;
    synchronized (lock) {
      if (closing) {
        throw new IllegalStateException("the services are stopping");
      }
      process = launch(service);
    }
    return process.awaitReady(READY_TIMEOUT);
  }

  /**
   * Starts one more instance of a service (not supervised), with the service's configuration and
   * the given settings of its own under {@code lockstep.<service>} (an executor's {@code
   * instance-id}, say), on a free port, its configuration and log in a directory named after it;
   * returns when it is ready. It stops with the others.
   */
  public ServiceProcess startReplica(
      LockstepService service, String name, Map<String, Object> ownSettings) {
    @SuppressWarnings("unchecked")
    Map<String, Object> lockstep =
        new LinkedHashMap<>((Map<String, Object>) configurations.get(service).get("lockstep"));
    @SuppressWarnings("unchecked")
    Map<String, Object> own =
        new LinkedHashMap<>((Map<String, Object>) lockstep.getOrDefault(service.id(), Map.of()));
    own.putAll(ownSettings);
    lockstep.put(service.id(), own);
    ServiceProcess process;
    synchronized (lock) {
      if (closing) {
        throw new IllegalStateException("the services are stopping");
      }
      process =
          ServiceProcess.start(
              service,
              settings.checkout(),
              Map.of("lockstep", lockstep),
              freePort(),
              settings.directory().resolve(name),
              settings.heap());
      replicas.add(process);
    }
    return process.awaitReady(READY_TIMEOUT);
  }

  /** A bearer token for the subject with the roles, signed with the services' secret. */
  public String token(String subject, List<String> roles, Duration validity) {
    return signed(claims(subject, roles, validity));
  }

  /**
   * The claims of a token of the local mode: subject, roles, issuer {@code lockstep}, audience
   * {@value #AUDIENCE}, valid from now for the given time. Tests change them to forge bad tokens.
   */
  public static JWTClaimsSet.Builder claims(String subject, List<String> roles, Duration validity) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .subject(subject)
        .issuer("lockstep")
        .audience(AUDIENCE)
        .claim("roles", List.copyOf(roles))
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(validity)));
  }

  /** The claims signed with the services' secret (HS256). */
  public String signed(JWTClaimsSet.Builder builder) {
    JWTClaimsSet claims = builder.build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a token", e);
    }
  }

  /**
   * Stops the supervision, then every service (SIGTERM, then SIGKILL after a grace period). A
   * restart under way either has its process among those stopped or starts none.
   */
  @Override
  public void close() {
    stopSupervising();
    Map<LockstepService, ServiceProcess> stop;
    synchronized (lock) {
      closing = true;
      stopping.addAll(running.values());
      stop = new EnumMap<>(running);
    }
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
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (ServiceProcess process : stop.values()) {
      stops.add(CompletableFuture.runAsync(process::close));
    }
    synchronized (lock) {
      for (ServiceProcess process : replicas) {
        stops.add(CompletableFuture.runAsync(process::close));
      }
      replicas.clear();
    }
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    for (LockstepService service : stop.keySet()) {
      try {
        Files.deleteIfExists(pidFile(service));
      } catch (IOException e) {
        // a pid file left behind only names a process that has exited
      }
    }
    synchronized (lock) {
      running.clear();
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
