package dev.lockstep.validator.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

/**
 * The read-only Kubernetes client of the validator: the cluster at {@code
 * lockstep.validator.kubernetes.master-url} when it is set (tests, the local mode), otherwise
 * fabric8's usual discovery (kubeconfig, or the service account in a pod).
 */
@Factory
public class KubernetesClientFactory {
  /** The client; closed with the service. */
  @Singleton
  @Named("validator")
  @Bean(preDestroy = "close")
  KubernetesClient kubernetesClient(
      @Nullable @Value("${lockstep.validator.kubernetes.master-url:}") String masterUrl,
      @Value("${lockstep.validator.kubernetes.trust-certs:false}") boolean trustCerts) {
    Config config;
    if (masterUrl == null || masterUrl.isBlank()) {
      config = Config.autoConfigure(null);
    } else {
      config =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(masterUrl)
              .withTrustCerts(trustCerts)
              .withHttp2Disable(true)
              .build();
    }
    config.setRequestTimeout(10_000);
    config.setConnectionTimeout(5_000);
    config.setRequestRetryBackoffLimit(0);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
