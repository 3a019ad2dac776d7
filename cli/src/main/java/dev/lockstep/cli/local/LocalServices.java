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
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The five services as processes of their own against given infrastructure (a Kafka broker, a
 * PostgreSQL server, a Kubernetes API server) and its platforms: each with its own configuration
 * file, a shared signing secret, and its own database where it keeps one (shared by the instances
 * of the service). With {@link Settings#replicas} above one, every service runs that many
 * instances. Used by {@code lockstep local} and by the end-to-end tests, which kill and restart
 * services in the middle of an upgrade.
 *
 * <p>With a {@link Settings#restartBackoff} a {@link Supervisor} supervises the instances as
 * Kubernetes does its pods: an instance whose process exits other than through {@link #close},
 * {@link #restart} or {@link #stopReplica} is started again, with the same configuration and port.
 */
public final class LocalServices implements AutoCloseable {
  /** The audience the local mode's services accept and its tokens carry. */
  public static final String AUDIENCE = "lockstep-local";

  /** The roles a token from {@link #token} carries: all of them. */
  public static final List<String> ALL_ROLES = List.of("submitter", "approver", "viewer");

  private final Settings settings;
  private final String secret;
  private final List<ServiceInstance> instances = new ArrayList<>();
  private final Map<ServiceInstance, Integer> ports = new HashMap<>();
  private Map<LockstepService, Map<String, Object>> configurations;

  /** Guards what follows: which process is each instance's, and the replicas. */
  private final Object lock = new Object();

  private final Map<ServiceInstance, ServiceProcess> running = new LinkedHashMap<>();
  private final List<ServiceProcess> replicas = new ArrayList<>();
  private final Supervisor supervisor;
  private boolean closing;

  /**
   * A platform the services serve.
   *
   * @param id the platform id
   * @param namespaces the namespaces the executor may touch there
   * @param datasources the datasources its sql gates may name (configured in the validator)
   */
  public record Platform(
      String id, List<String> namespaces, List<Datasource> datasources, List<String> windows) {
    public Platform {
      namespaces = List.copyOf(namespaces);
      datasources = List.copyOf(datasources);
      windows = List.copyOf(windows);
    }

    /** A platform without recurring maintenance windows. */
    public Platform(String id, List<String> namespaces, List<Datasource> datasources) {
      this(id, namespaces, datasources, List.of());
    }

    /** A platform whose gates name no datasource. */
    public Platform(String id, List<String> namespaces) {
      this(id, namespaces, List.of());
    }
  }

  /**
   * A datasource of the validator's configuration ({@code lockstep.validator.datasources.<name>}).
   *
   * @param name what sql gates name
   * @param url its JDBC URL
   * @param username the user
   * @param password the password (empty for none)
   */
  public record Datasource(String name, String url, String username, String password) {}

  /**
   * What the services run against.
   *
   * @param checkout the built checkout the services' class paths come from
   * @param directory where configuration files and logs go
   * @param bootstrapServers the Kafka broker
   * @param postgres the PostgreSQL server; each service that keeps data gets a fresh database
   * @param databasePrefix prefix of those databases' names (lower case letters, digits, _)
   * @param kubernetesUrl the API server of the platforms' cluster
   * @param platform the (first) platform's id
   * @param namespaces the namespaces the executor may touch there
   * @param customResources the operator-managed kinds whose objects belong in the inventory, as
   *     {@code <apiVersion>/<kind>}
   * @param chartsDirectory where the planner finds the releases' Helm charts
   * @param subscriptions the notifier's subscriptions file
   * @param fixedPorts the ports of DESIGN section 2 (for the first instance of each), or free ones
   * @param heap each service's maximum heap, such as {@code 256m}
   * @param restartBackoff when a service whose process exited is started again, or null to leave it
   *     stopped (the end-to-end tests that kill and restart services themselves)
   * @param platforms every platform the services serve, on the same cluster; empty for {@code
   *     platform} alone
   * @param replicas how many instances of each service run
   * @param tracing where the services send their spans, or null for nowhere
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
      RestartBackoff restartBackoff,
      List<Platform> platforms,
      int replicas,
      Tracing tracing) {

    public Settings {
      platforms = platforms == null ? List.of() : List.copyOf(platforms);
      if (replicas < 1) {
        throw new IllegalArgumentException("replicas must be at least 1, not " + replicas);
      }
    }

    /** One instance of each service, one platform, no tracing. */
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
        String heap,
        RestartBackoff restartBackoff) {
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
          restartBackoff,
          List.of(),
          1,
          null);
    }

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

    /** Every platform the services serve: {@link #platforms}, or {@link #platform} alone. */
    public List<Platform> allPlatforms() {
      return platforms.isEmpty() ? List.of(new Platform(platform, namespaces)) : platforms;
    }
  }

  /** The token whose holder {@link #consoleSignIn} signs in: signed in again after a restart. */
  private volatile String consoleOperator;

  private LocalServices(Settings settings, Consumer<String> narration) {
    this.settings = settings;
    byte[] random = new byte[48];
    new SecureRandom().nextBytes(random);
    this.secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    this.supervisor =
        new Supervisor(
            lock,
            settings.restartBackoff(),
            narration,
            new Supervisor.Instances() {
              @Override
              public ServiceProcess current(ServiceInstance instance) {
                return running.get(instance);
              }

              @Override
              public ServiceProcess launch(ServiceInstance instance) {
                return LocalServices.this.launch(instance);
              }

              @Override
              public int port(ServiceInstance instance) {
                return ports.get(instance);
              }

              @Override
              public boolean closing() {
                return closing;
              }

              @Override
              public String backAgain(ServiceInstance instance) {
                String operator = consoleOperator;
                if (operator == null || instance.service() != LockstepService.CONSOLE) {
                  return "";
                }
                return instance.name()
                    + " has forgotten its sessions: sign in again at "
                    + consoleSignIn(operator);
              }
            });
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
   * Starts the five services at once and returns when every instance is ready; then, with a restart
   * backoff, supervises them. With replicas, the first instance of each is started and ready before
   * the others are started: twelve JVMs starting at once on a small machine (the first start after
   * a build, without class archives, above all) took longer than a start may.
   *
   * @param narration takes a line for a person for each exit and restart of a service
   */
  public static LocalServices start(Settings settings, Consumer<String> narration) {
    LocalServices services = new LocalServices(settings, narration);
    try {
      services.configure();
      for (boolean first : List.of(true, false)) {
        synchronized (services.lock) {
          for (ServiceInstance instance : services.instances) {
            if ((instance.index() == 0) == first) {
              services.launch(instance);
            }
          }
        }
        services.awaitReady();
      }
      services.supervisor.start(services.instances);
      return services;
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  private void configure() {
    stopLeftovers();
    for (int index = 0; index < settings.replicas(); index++) {
      for (LockstepService service : LockstepService.values()) {
        // the console keeps its sessions in memory: one instance
        if (index == 0 || service.consumesEvents()) {
          instances.add(new ServiceInstance(service, index));
        }
      }
    }
    for (ServiceInstance instance : instances) {
      boolean fixed = settings.fixedPorts() && instance.index() == 0;
      int port = fixed ? instance.service().defaultPort() : FreePorts.pick();
      if (fixed && !Supervisor.isFree(port)) {
        throw new IllegalStateException(
            "port "
                + port
                + " of the "
                + instance.service().id()
                + " is in use: is another `lockstep local` running? Stop it (Ctrl-C) or free the"
                + " port");
      }
      ports.put(instance, port);
    }
    String recorderDatabase = recorderDatabase(settings.databasePrefix());
    String notifierUrl =
        settings.postgres().createDatabase(settings.databasePrefix() + "_notifier");
    settings.postgres().createDatabase(recorderDatabase);
    configurations =
        ServiceConfigurations.of(
            settings, secret, notifierUrl, recorderDatabase, url(LockstepService.RECORDER));
    configurations.put(
        LockstepService.CONSOLE,
        ServiceConfigurations.console(
            settings,
            secret,
            url(LockstepService.PLANNER),
            url(LockstepService.RECORDER),
            url(LockstepService.NOTIFIER),
            consoleSignInCodes()));
  }

  /** The file of one-time sign-in codes the console redeems ({@link #consoleSignIn}). */
  private Path consoleSignInCodes() {
    return settings.directory().resolve("console-signin-codes");
  }

  /**
   * A console URL that signs the token's holder in once, within ten minutes, without the token in
   * the URL: a random code, written with the token to a file only this user can read, which the
   * console redeems and removes ({@code GET /signin/<code>}). A console the supervision restarts
   * has forgotten its sessions: a new URL for the same holder is printed then.
   */
  public URI consoleSignIn(String token) {
    consoleOperator = token;
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    String code = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    long expires = Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond();
    Path file = consoleSignInCodes();
    try {
      if (!Files.exists(file)) {
        Files.createFile(file);
      }
      try {
        Files.setPosixFilePermissions(
            file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the directory's own protection applies
      }
      Files.writeString(
          file,
          code + " " + expires + " " + token + System.lineSeparator(),
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return url(LockstepService.CONSOLE).resolve("/signin/" + code);
  }

  /** An instance's configuration: the service's, with an executor's own {@code instance-id}. */
  private Map<String, Object> configurationOf(ServiceInstance instance) {
    Map<String, Object> configuration = configurations.get(instance.service());
    if (instance.index() > 0 && instance.service() == LockstepService.EXECUTOR) {
      return ServiceConfigurations.with(
          instance.service(), configuration, Map.of("instance-id", instance.executorInstanceId()));
    }
    return configuration;
  }

  /** Starts an instance's process and makes it the instance's; the caller holds the lock. */
  private ServiceProcess launch(ServiceInstance instance) {
    ServiceProcess process =
        ServiceProcess.start(
            instance.service(),
            settings.checkout(),
            configurationOf(instance),
            ports.get(instance),
            instance.directory(settings.directory()),
            settings.heap());
    running.put(instance, process);
    supervisor.started(instance, process);
    try {
      Files.writeString(instance.pidFile(settings.directory()), Long.toString(process.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return process;
  }

  /**
   * Stops the services a local mode in the same directory left behind when it was killed without
   * its shutdown (kill -9): a process whose pid is recorded ({@code executor.pid}, {@code
   * executor-2.pid}) and whose command line names that instance's configuration file.
   */
  private void stopLeftovers() {
    List<Path> files;
    try (Stream<Path> list = Files.list(settings.directory())) {
      files = list.filter(f -> f.getFileName().toString().endsWith(".pid")).toList();
    } catch (IOException e) {
      return; // no directory yet: nothing left behind
    }
    for (Path file : files) {
      String name = file.getFileName().toString().replaceFirst("\\.pid$", "");
      Optional<ServiceInstance> instance = instanceNamed(name);
      if (instance.isEmpty()) {
        continue;
      }
      try {
        long pid = Long.parseLong(Files.readString(file).trim());
        String config = instance.get().configFile(settings.directory()).toString();
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

  /** The instance of that name ({@code executor}, {@code executor-2}), if it names one. */
  private static Optional<ServiceInstance> instanceNamed(String name) {
    for (LockstepService service : LockstepService.values()) {
      if (name.equals(service.id())) {
        return Optional.of(new ServiceInstance(service, 0));
      }
      if (name.matches(java.util.regex.Pattern.quote(service.id()) + "-[2-9][0-9]*")) {
        int number = Integer.parseInt(name.substring(service.id().length() + 1));
        return Optional.of(new ServiceInstance(service, number - 1));
      }
    }
    return Optional.empty();
  }

  private void awaitReady() {
    List<CompletableFuture<ServiceProcess>> waits = new ArrayList<>();
    synchronized (lock) {
      for (ServiceProcess process : running.values()) {
        waits.add(CompletableFuture.supplyAsync(() -> process.awaitReady()));
      }
    }
    try {
      CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** The base URL of a service's HTTP API (its first instance's). */
  public URI url(LockstepService service) {
    return URI.create("http://127.0.0.1:" + ports.get(new ServiceInstance(service, 0)));
  }

  /** The service's current process: its first instance's (after a restart, the new one). */
  public ServiceProcess process(LockstepService service) {
    synchronized (lock) {
      return running.get(new ServiceInstance(service, 0));
    }
  }

  /**
   * Every running instance of a service, the first one first: the local mode's instances (their
   * current processes) and the replicas started with {@link #startReplica}, those alive now.
   */
  public List<ServiceProcess> processes(LockstepService service) {
    List<ServiceProcess> processes = new ArrayList<>();
    synchronized (lock) {
      running.forEach(
          (instance, process) -> {
            if (instance.service() == service && process.alive()) {
              processes.add(process);
            }
          });
      for (ServiceProcess replica : replicas) {
        if (replica.service() == service && replica.alive()) {
          processes.add(replica);
        }
      }
    }
    return processes;
  }

  /**
   * Every instance of every service with its name ({@code executor}, {@code executor-2}), in the
   * order they were started: the local mode's instances, then the replicas.
   */
  public Map<String, ServiceProcess> instances() {
    Map<String, ServiceProcess> named = new LinkedHashMap<>();
    synchronized (lock) {
      running.forEach((instance, process) -> named.put(instance.name(), process));
      for (ServiceProcess replica : replicas) {
        named.put(settings.directory().relativize(replica.log().getParent()).toString(), replica);
      }
    }
    return named;
  }

  /**
   * Kills a service's first instance as {@code kill -9} does. Supervised, that is a crash: the
   * service is started again.
   */
  public void kill(LockstepService service) {
    process(service).kill();
  }

  /**
   * Starts a service's first instance again (after {@link #kill}, or stopping it first) with the
   * same configuration and port; returns when it is ready. A restart the supervision had planned is
   * dropped.
   */
  public ServiceProcess restart(LockstepService service) {
    ServiceInstance instance = new ServiceInstance(service, 0);
    ServiceProcess old;
    synchronized (lock) {
      old = running.get(instance);
      supervisor.stopping(old);
      supervisor.cancelPending(instance);
    }
    if (old.alive()) {
      old.close();
    }
    ServiceProcess process;
    synchronized (lock) {
      if (closing) {
        throw new IllegalStateException("the services are stopping");
      }
      process = launch(instance);
    }
    return process.awaitReady();
  }

  /**
   * Starts one more instance of a service (not supervised), with the service's configuration and
   * the given settings of its own under {@code lockstep.<service>} (an executor's {@code
   * instance-id}, say), on a free port, its configuration and log in a directory named after it;
   * returns when it is ready. It stops with the others, or with {@link #stopReplica}.
   */
  public ServiceProcess startReplica(
      LockstepService service, String name, Map<String, Object> ownSettings) {
    ServiceProcess process;
    synchronized (lock) {
      if (closing) {
        throw new IllegalStateException("the services are stopping");
      }
      process =
          ServiceProcess.start(
              service,
              settings.checkout(),
              ServiceConfigurations.with(service, configurations.get(service), ownSettings),
              FreePorts.pick(),
              settings.directory().resolve(name),
              settings.heap());
      replicas.add(process);
    }
    return process.awaitReady();
  }

  /**
   * Stops an instance gracefully (SIGTERM, as Kubernetes scales a Deployment down; SIGKILL after a
   * grace period) and for good: a replica of {@link #startReplica}, or an instance of {@code
   * --replicas} other than a service's first, which the supervision then leaves stopped.
   *
   * @throws IllegalArgumentException for a service's first instance, or a process not of these
   *     services
   */
  public void stopReplica(ServiceProcess process) {
    synchronized (lock) {
      if (!replicas.remove(process)) {
        ServiceInstance instance =
            running.entrySet().stream()
                .filter(e -> e.getValue() == process)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(
                    () -> new IllegalArgumentException(process + " is not an instance of these"));
        if (instance.index() == 0) {
          throw new IllegalArgumentException(
              "the first instance of the " + instance.name() + " stays: stop another");
        }
        supervisor.stopping(process);
        supervisor.cancelPending(instance);
        running.remove(instance);
        try {
          Files.deleteIfExists(instance.pidFile(settings.directory()));
        } catch (IOException e) {
          // a pid file left behind only names a process that has exited
        }
      }
    }
    process.close();
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
   * Stops the supervision, then every instance (SIGTERM, then SIGKILL after a grace period). A
   * restart under way either has its process among those stopped or starts none.
   */
  @Override
  public void close() {
    supervisor.stop();
    Map<ServiceInstance, ServiceProcess> stop;
    List<ServiceProcess> stopReplicas;
    synchronized (lock) {
      closing = true;
      running.values().forEach(supervisor::stopping);
      stop = new LinkedHashMap<>(running);
      stopReplicas = new ArrayList<>(replicas);
      replicas.clear();
    }
    supervisor.close();
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (ServiceProcess process : stop.values()) {
      stops.add(CompletableFuture.runAsync(process::close));
    }
    for (ServiceProcess process : stopReplicas) {
      stops.add(CompletableFuture.runAsync(process::close));
    }
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    for (ServiceInstance instance : stop.keySet()) {
      try {
        Files.deleteIfExists(instance.pidFile(settings.directory()));
      } catch (IOException e) {
        // a pid file left behind only names a process that has exited
      }
    }
    synchronized (lock) {
      running.clear();
    }
  }
}
