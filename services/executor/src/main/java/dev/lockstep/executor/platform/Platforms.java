package dev.lockstep.executor.platform;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.File;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The configured platforms and one fabric8 client per platform, built on first use. */
@Singleton
public class Platforms implements AutoCloseable {
  private final Map<String, PlatformSettings> settings;
  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();

  public Platforms(List<PlatformSettings> settings) {
    this.settings =
        settings.stream().collect(Collectors.toMap(PlatformSettings::getId, Function.identity()));
  }

  /** The settings of a platform, if it is configured. */
  public Optional<PlatformSettings> find(String platform) {
    return Optional.ofNullable(settings.get(platform));
  }

  /** Every configured platform. */
  public Collection<PlatformSettings> all() {
    return settings.values();
  }

  /** The client of a configured platform. */
  public KubernetesClient client(String platform) {
    PlatformSettings platformSettings =
        find(platform)
            .orElseThrow(
                () -> new IllegalArgumentException("platform not configured: " + platform));
    return clients.computeIfAbsent(
        platform, p -> new KubernetesClientBuilder().withConfig(config(platformSettings)).build());
  }

  static Config config(PlatformSettings platform) {
    if (platform.getMasterUrl() != null) {
      return new ConfigBuilder(Config.empty())
          .withMasterUrl(platform.getMasterUrl())
          .withTrustCerts(true)
          .withHttp2Disable(true)
          .build();
    }
    if (platform.getKubeconfig() != null) {
      return Config.fromKubeconfig(platform.getContext(), new File(platform.getKubeconfig()));
    }
    return Config.autoConfigure(platform.getContext());
  }

  @PreDestroy
  @Override
  public void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
  }
}
