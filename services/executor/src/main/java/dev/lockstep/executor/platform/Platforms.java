package dev.lockstep.executor.platform;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.File;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * The configured platforms and two fabric8 clients per platform, built on first use: one for the
 * work (reads, steps, inventories) and one for the platform's Lease alone. Every mutating request
 * of a client passes the {@link WriteFence} first (the executor's Lease check), and names the
 * instance that sends it in the {@value #ACTOR_HEADER} header.
 *
 * <p>The platforms' clients share what fabric8 would otherwise build once per client: one JSON
 * serialization (whose deserializers each client built again, for every kind, on first use), one
 * task executor, and one OkHttp dispatcher and connection pool for the work clients, always, which
 * pools connections per API server (the platforms of one cluster share them). With two hundred
 * platforms a client each had its own dispatcher, pool and threads: 434 OkHttp threads, and a
 * Lease's first renewal waited on a new client's class loading and deserializer building. The Lease
 * clients have a dispatcher and pool of their own, so a renewal never queues behind the work's
 * requests: a lost Lease stops every upgrade of its platform.
 */
@Singleton
public class Platforms implements AutoCloseable {
  /** The request header naming the executor instance that sent a request. */
  public static final String ACTOR_HEADER = "X-Lockstep-Actor";

  /** Work requests under way at once, in all and per API server; more wait in the dispatcher. */
  public static final int MAX_REQUESTS = 64;

  /** Lease requests under way at once: the executor renews a few platforms at a time. */
  static final int MAX_LEASE_REQUESTS = 32;

  private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
  private static final String LEASES = "/apis/coordination.k8s.io/";

  /** Refuses a write to a platform's cluster by throwing; its own Lease requests are exempt. */
  @FunctionalInterface
  public interface WriteFence {
    void check(String platform);
  }

  private final Map<String, PlatformSettings> settings;
  private final Map<String, KubernetesClient> clients = new ConcurrentHashMap<>();
  private final Map<String, KubernetesClient> leaseClients = new ConcurrentHashMap<>();
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ExecutorService tasks = daemonPool("platforms-client-task", Integer.MAX_VALUE);
  private final Dispatcher dispatcher = dispatcher("platforms-http", MAX_REQUESTS);
  private final ConnectionPool connections = new ConnectionPool(MAX_REQUESTS, 5, TimeUnit.MINUTES);
  private final Dispatcher leaseDispatcher = dispatcher("platforms-lease-http", MAX_LEASE_REQUESTS);
  private final ConnectionPool leaseConnections =
      new ConnectionPool(MAX_LEASE_REQUESTS, 5, TimeUnit.MINUTES);
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

  /** The client of a configured platform, for everything but its Lease. */
  public KubernetesClient client(String platform) {
    return clients.computeIfAbsent(
        platform, p -> build(p, new FencedHttpClients(p, dispatcher, connections)));
  }

  /**
   * The client of a configured platform's Lease: its requests never wait behind those of {@link
   * #client}, whatever these wait for.
   */
  public KubernetesClient leaseClient(String platform) {
    return leaseClients.computeIfAbsent(
        platform, p -> build(p, new FencedHttpClients(p, leaseDispatcher, leaseConnections)));
  }

  private KubernetesClient build(String platform, FencedHttpClients http) {
    PlatformSettings platformSettings =
        find(platform)
            .orElseThrow(
                () -> new IllegalArgumentException("platform not configured: " + platform));
    return new KubernetesClientBuilder()
        .withConfig(config(platformSettings))
        .withKubernetesSerialization(serialization)
        .withTaskExecutor(tasks)
        .withHttpClientFactory(http)
        .withHttpClientBuilderConsumer(
            builder -> builder.addOrReplaceInterceptor("lockstep-fence", fenced(platform)))
        .build();
  }

  private static boolean isWrite(String method, String path) {
    return !READS.contains(method) && !path.contains(LEASES);
  }

  /**
   * OkHttp clients whose network interceptor checks the fence once more on the thread that writes
   * the request, right before it writes it: a write checked and then queued while the process froze
   * is checked again when it wakes, before any byte leaves. They use the dispatcher and connection
   * pool given (shared by many platforms' clients: closing one client cancels the calls of all and
   * stops the dispatcher, so {@link #close} closes them all together).
   */
  private final class FencedHttpClients extends OkHttpClientFactory {
    private final String platform;
    private final Dispatcher sharedDispatcher;
    private final ConnectionPool sharedConnections;

    FencedHttpClients(
        String platform, Dispatcher sharedDispatcher, ConnectionPool sharedConnections) {
      this.platform = platform;
      this.sharedDispatcher = sharedDispatcher;
      this.sharedConnections = sharedConnections;
    }

    @Override
    protected Dispatcher initDispatcher() {
      return sharedDispatcher;
    }

    @Override
    protected void additionalConfig(OkHttpClient.Builder builder) {
      builder.connectionPool(sharedConnections);
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

  private static Dispatcher dispatcher(String name, int maxRequests) {
    // no bound on the threads themselves (as OkHttp's own): a call that ends promotes the next
    // waiting one while its thread is still busy
    Dispatcher dispatcher = new Dispatcher(daemonPool(name, Integer.MAX_VALUE));
    dispatcher.setMaxRequests(maxRequests);
    dispatcher.setMaxRequestsPerHost(maxRequests);
    return dispatcher;
  }

  /** Threads made on demand up to {@code max}, each ended after a minute idle. */
  private static ExecutorService daemonPool(String name, int max) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        max,
        60,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        task -> {
          Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        });
  }

  @PreDestroy
  @Override
  public void close() {
    clients.values().forEach(KubernetesClient::close);
    clients.clear();
    leaseClients.values().forEach(KubernetesClient::close);
    leaseClients.clear();
    dispatcher.executorService().shutdownNow();
    leaseDispatcher.executorService().shutdownNow();
    connections.evictAll();
    leaseConnections.evictAll();
    tasks.shutdownNow();
  }
}
