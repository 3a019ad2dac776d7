package dev.lockstep.executor.platform;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.File;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;

/**
 * The configured platforms and one fabric8 client per platform, built on first use. Every mutating
 * request of a client passes the {@link WriteFence} first (the executor's Lease check), and names
 * the instance that sends it in the {@value #ACTOR_HEADER} header.
 */
@Singleton
public class Platforms implements AutoCloseable {
  /** The request header naming the executor instance that sent a request. */
  public static final String ACTOR_HEADER = "X-Lockstep-Actor";

  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
  private static final String LEASES = "/apis/coordination.k8s.io/";

  /** Refuses a write to a platform's cluster by throwing; its own Lease requests are exempt. */
  @FunctionalInterface
  public interface WriteFence {
    void check(String platform);
  }

  private final Map<String, PlatformSettings> settings;
  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();
  private volatile WriteFence fence = platform -> {};
  private volatile String actor = "executor";

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

  /**
   * Sets the check every mutating request passes first, and the actor its requests name; the
   * executor sets both once as it starts, before any client is used.
   */
  public void fence(WriteFence newFence, String newActor) {
    this.fence = newFence;
    this.actor = newActor;
  }

  /** The client of a configured platform. */
  public KubernetesClient client(String platform) {
    PlatformSettings platformSettings =
        find(platform)
            .orElseThrow(
                () -> new IllegalArgumentException("platform not configured: " + platform));
    return clients.computeIfAbsent(
        platform,
        p ->
            new KubernetesClientBuilder()
                .withConfig(config(platformSettings))
                .withHttpClientFactory(new FencedHttpClients(p))
                .withHttpClientBuilderConsumer(
                    builder -> builder.addOrReplaceInterceptor("lockstep-fence", fenced(p)))
                .build());
  }

  private static boolean isWrite(String method, String path) {
    return !READS.contains(method) && !path.contains(LEASES);
  }

  /**
   * OkHttp clients whose network interceptor checks the fence once more on the thread that writes
   * the request, right before it writes it: a write checked and then queued while the process froze
   * is checked again when it wakes, before any byte leaves.
   */
  private final class FencedHttpClients extends OkHttpClientFactory {
    private final String platform;

    FencedHttpClients(String platform) {
      this.platform = platform;
    }

    @Override
    protected void additionalConfig(OkHttpClient.Builder builder) {
      builder.addNetworkInterceptor(
          chain -> {
            okhttp3.Request request = chain.request();
            if (isWrite(request.method(), request.url().encodedPath())) {
              try {
                fence.check(platform);
              } catch (RuntimeException refused) {
                throw new FencedWrite(refused);
              }
            }
            return chain.proceed(request);
          });
    }
  }

  /** A write the fence refused at the last moment; its cause is the fence's refusal. */
  public static final class FencedWrite extends java.io.IOException {
    FencedWrite(RuntimeException refusal) {
      super(refusal.getMessage(), refusal);
    }
  }

  private Interceptor fenced(String platform) {
    return new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        builder.header(ACTOR_HEADER, actor);
        if (isWrite(request.method(), request.uri().getPath())) {
          fence.check(platform);
        }
      }
    };
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
