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
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The five services as processes of their own against given infrastructure (a Kafka broker, a
 * PostgreSQL server, a Kubernetes API server) and one platform: each with its own configuration
 * file, a shared signing secret, and its own database where it keeps one. Used by {@code lockstep
 * local} and by the end-to-end tests, which kill and restart services in the middle of an upgrade.
 */
public final class LocalServices implements AutoCloseable {
  /** The roles a token from {@link #token} carries: all of them. */
  /** The audience the local mode's services accept and its tokens carry. */
  public static final String AUDIENCE = "lockstep-local";

  public static final List<String> ALL_ROLES = List.of("submitter", "approver", "viewer");

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Settings settings;
  private final String secret;
  private final Map<LockstepService, Integer> ports = new EnumMap<>(LockstepService.class);
  private final Map<LockstepService, Map<String, Object>> configurations =
      new EnumMap<>(LockstepService.class);
  private final Map<LockstepService, ServiceProcess> running = new EnumMap<>(LockstepService.class);

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
      String heap) {}

  private LocalServices(Settings settings) {
    this.settings = settings;
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
    LocalServices services = new LocalServices(settings);
    try {
      services.configure();
      for (LockstepService service : LockstepService.values()) {
        services.launch(service);
      }
      services.awaitReady(List.of(LockstepService.values()));
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
                    "inventory-interval", "30s"))));
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

  private void launch(LockstepService service) {
    ServiceProcess process =
        ServiceProcess.start(
            service,
            settings.checkout(),
            configurations.get(service),
            ports.get(service),
            settings.directory(),
            settings.heap());
    running.put(service, process);
    try {
      Files.writeString(pidFile(service), Long.toString(process.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
      ServiceProcess process = running.get(service);
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

  /** The running process of a service. */
  public ServiceProcess process(LockstepService service) {
    return running.get(service);
  }

  /** Kills a service as {@code kill -9} does. */
  public void kill(LockstepService service) {
    running.get(service).kill();
  }

  /** Starts a service again (after {@link #kill}) with the same configuration and port. */
  public ServiceProcess restart(LockstepService service) {
    ServiceProcess old = running.get(service);
    if (old != null && old.alive()) {
      old.close();
    }
    launch(service);
    awaitReady(List.of(service));
    return running.get(service);
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

  /** Stops every service (SIGTERM, then SIGKILL after a grace period). */
  @Override
  public void close() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (ServiceProcess process : running.values()) {
      stops.add(CompletableFuture.runAsync(process::close));
    }
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    for (LockstepService service : running.keySet()) {
      try {
        Files.deleteIfExists(pidFile(service));
      } catch (IOException e) {
        // a pid file left behind only names a process that has exited
      }
    }
    running.clear();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
