package dev.lockstep.cli.local;

import dev.lockstep.testkit.postgres.Postgres;
import java.net.URI;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration tree of each of the five services in the local mode ({@code lockstep:} ...):
 * the shared Kafka and security settings, every platform of the {@link LocalServices.Settings} in
 * the planner's, the executor's and the validator's {@code lockstep.platforms}, and the databases
 * of the notifier and the recorder.
 */
final class ServiceConfigurations {

  private ServiceConfigurations() {}

  /**
   * The five services' configurations.
   *
   * @param settings what they run against
   * @param secret the shared signing secret
   * @param notifierUrl the JDBC URL of the notifier's database
   * @param recorderDatabase the name of the recorder's database
   * @param recorderUrl the base URL of the (first) recorder, for the notifier's links
   */
  static Map<LockstepService, Map<String, Object>> of(
      LocalServices.Settings settings,
      String secret,
      String notifierUrl,
      String recorderDatabase,
      URI recorderUrl) {
    Postgres postgres = settings.postgres();
    String password = postgres.password() == null ? "" : postgres.password();

    // The sample's http gates ask the simulated endpoints on 127.0.0.1 (any port: the port is
    // random unless fixed); a loopback address is reachable only when named as an address.
    Map<String, Object> plannerPlatforms = new LinkedHashMap<>();
    Map<String, Object> executorPlatforms = new LinkedHashMap<>();
    Map<String, Object> validatorPlatforms = new LinkedHashMap<>();
    Map<String, Object> datasources = new LinkedHashMap<>();
    for (LocalServices.Platform platform : settings.allPlatforms()) {
      Map<String, Object> gates = new LinkedHashMap<>();
      gates.put("http-hosts", List.of("127.0.0.1"));
      if (!platform.datasources().isEmpty()) {
        gates.put(
            "datasources",
            platform.datasources().stream().map(LocalServices.Datasource::name).toList());
      }
      for (LocalServices.Datasource datasource : platform.datasources()) {
        datasources.put(
            datasource.name(),
            Map.of(
                "url", datasource.url(),
                "username", datasource.username(),
                "password", datasource.password()));
      }
      Map<String, Object> plannerPlatform = new LinkedHashMap<>();
      plannerPlatform.put("namespaces", platform.namespaces());
      plannerPlatform.put("gates", gates);
      if (!platform.windows().isEmpty()) {
        // a window that closes on a running upgrade: rescheduled into the next of these
        plannerPlatform.put("windows", platform.windows());
        plannerPlatform.put("window-policy", "pause");
      }
      plannerPlatforms.put(platform.id(), plannerPlatform);

      Map<String, Object> executorPlatform = new LinkedHashMap<>();
      executorPlatform.put("namespaces", platform.namespaces());
      executorPlatform.put("master-url", settings.kubernetesUrl());
      executorPlatform.put("custom-resources", settings.customResources());
      executorPlatforms.put(platform.id(), executorPlatform);

      validatorPlatforms.put(platform.id(), Map.of("gates", gates));
    }
    String charts = settings.chartsDirectory().toAbsolutePath().toString();
    Map<LockstepService, Map<String, Object>> configurations = new EnumMap<>(LockstepService.class);
    configurations.put(
        LockstepService.PLANNER,
        lockstep(
            settings,
            secret,
            Map.of(
                "platforms",
                plannerPlatforms,
                "planner",
                Map.of(
                    "charts-dir",
                    charts,
                    "manifests-dir",
                    charts,
                    // Helm's library unpacked once beside the planner's build, not at every start
                    // of its Helm process
                    "helm",
                    Map.of(
                        "library-directory",
                        settings
                            .checkout()
                            .resolve("services/planner/target/helm-library")
                            .toAbsolutePath()
                            .toString())))));
    configurations.put(
        LockstepService.EXECUTOR,
        lockstep(
            settings,
            secret,
            Map.of(
                "platforms",
                executorPlatforms,
                "executor",
                Map.of(
                    "poll-interval", "200ms",
                    "rollout-timeout", "2m",
                    "inventory-interval", "30s",
                    // a restarted executor is the same instance (as a pod's restarted container):
                    // it takes its platforms' Leases back at once; another instance waits 8 s
                    "instance-id",
                        new ServiceInstance(LockstepService.EXECUTOR, 0).executorInstanceId(),
                    "lease-duration", "8s",
                    "lease-renew-interval", "2s"))));
    configurations.put(
        LockstepService.VALIDATOR,
        lockstep(
            settings,
            secret,
            Map.of(
                "platforms",
                validatorPlatforms,
                "validator",
                datasources.isEmpty()
                    ? Map.of("kubernetes", Map.of("master-url", settings.kubernetesUrl()))
                    : Map.of(
                        "kubernetes",
                        Map.of("master-url", settings.kubernetesUrl()),
                        "datasources",
                        datasources))));
    configurations.put(
        LockstepService.NOTIFIER,
        lockstep(
            settings,
            secret,
            Map.of(
                "postgres",
                Map.of("url", notifierUrl, "username", postgres.username(), "password", password),
                "notifier",
                Map.of(
                    "subscriptions-file",
                    settings.subscriptions().toAbsolutePath().toString(),
                    "links-base-url",
                    recorderUrl.toString()))));
    configurations.put(
        LockstepService.RECORDER,
        lockstep(
            settings,
            secret,
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
    return configurations;
  }

  /**
   * The console's configuration: the security settings the services share (it verifies a pasted
   * token as they do), the services' URLs, the platforms its platforms page lists and the file of
   * one-time sign-in codes. It gets no Kafka settings: it reads and writes no topic.
   */
  static Map<String, Object> console(
      LocalServices.Settings settings,
      String secret,
      URI plannerUrl,
      URI recorderUrl,
      URI notifierUrl,
      java.nio.file.Path signInCodes) {
    Map<String, Object> lockstep = new LinkedHashMap<>();
    lockstep.put("security", Map.of("jwt-secret", secret, "audience", LocalServices.AUDIENCE));
    lockstep.put(
        "console",
        Map.of(
            "planner-url", plannerUrl.toString(),
            "recorder-url", recorderUrl.toString(),
            "notifier-url", notifierUrl.toString(),
            "platforms", settings.allPlatforms().stream().map(LocalServices.Platform::id).toList(),
            "signin-codes-file", signInCodes.toAbsolutePath().toString()));
    return Map.of("lockstep", lockstep);
  }

  /**
   * A service's configuration with settings of its own added under {@code lockstep.<service>} (an
   * executor's {@code instance-id}, say); the rest of it (its {@code otel:}) unchanged.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> with(
      LockstepService service, Map<String, Object> configuration, Map<String, Object> settings) {
    Map<String, Object> lockstep =
        new LinkedHashMap<>((Map<String, Object>) configuration.get("lockstep"));
    Map<String, Object> own =
        new LinkedHashMap<>((Map<String, Object>) lockstep.getOrDefault(service.id(), Map.of()));
    own.putAll(settings);
    lockstep.put(service.id(), own);
    Map<String, Object> with = new LinkedHashMap<>(configuration);
    with.put("lockstep", lockstep);
    return with;
  }

  /** A configuration tree: {@code lockstep:} with the shared settings and the service's own. */
  private static Map<String, Object> lockstep(
      LocalServices.Settings settings, String secret, Map<String, Object> own) {
    Map<String, Object> lockstep = new LinkedHashMap<>();
    // a service killed with -9 hands its partitions over after 10 s rather than Kafka's 45 s
    lockstep.put(
        "kafka",
        Map.of(
            "bootstrap-servers",
            settings.bootstrapServers(),
            "properties",
            Map.of("session.timeout.ms", "10000", "heartbeat.interval.ms", "2000")));
    lockstep.put("security", Map.of("jwt-secret", secret, "audience", LocalServices.AUDIENCE));
    lockstep.putAll(own);
    Tracing tracing = settings.tracing();
    if (tracing == null) {
      return Map.of("lockstep", lockstep);
    }
    if (tracing.viewerUrl() != null) {
      // the recorder's post-mortem links the upgrade's trace
      lockstep.put("tracing", Map.of("viewer-url", tracing.viewerUrl()));
    }
    return Map.of("lockstep", lockstep, "otel", tracing.otel());
  }
}
