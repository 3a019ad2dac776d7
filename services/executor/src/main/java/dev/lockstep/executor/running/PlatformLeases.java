package dev.lockstep.executor.running;

import dev.lockstep.executor.platform.Platforms;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence on the cluster side: one {@code coordination.k8s.io/v1} Lease per platform, in the
 * platform's cluster, held by the executor instance that owns the platform's partition.
 *
 * <ul>
 *   <li>An instance takes a platform's Lease when it is free (no holder) or when its holder has not
 *       renewed it for a whole lease duration, measured on this instance's monotonic clock from the
 *       moment it first saw that version of the Lease (clock skew between machines does not
 *       matter). Taking and renewing are updates with the Lease's {@code resourceVersion} as a
 *       precondition, so two instances can never both succeed.
 *   <li>It renews every renew interval, well inside the duration. A renewal is valid, by this
 *       instance's monotonic clock, until the moment it was sent plus the duration less a margin:
 *       earlier than any other instance can consider the Lease expired.
 *   <li>{@link #valid} is what every cluster write and every publish checks: a process paused past
 *       its Lease (GC, SIGSTOP, a frozen node) finds it invalid the moment it wakes, before a
 *       renewal could even be tried, and the renewal then fails on the precondition because the new
 *       holder changed the Lease.
 *   <li>A lost Lease is reported at once ({@link Listener#lost}); the instance keeps trying to take
 *       it back while it still owns the platform's partition.
 *   <li>Platforms are renewed side by side (up to {@link #RENEWERS} at a time, one call in flight
 *       per platform), and a held Lease is renewed with one conditional update of the Lease as this
 *       instance last wrote it (read again only when that update is refused): an instance with
 *       hundreds of platforms renews them all well inside the duration, where one thread reading
 *       and writing each in turn took longer than the Lease lasted and lost them all at once.
 *   <li>Its calls go through the platforms' Lease clients ({@link Platforms#leaseClient}), whose
 *       requests never wait behind the work's (inventories, steps, rollout polls).
 * </ul>
 */
final class PlatformLeases implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlatformLeases.class);

  /** The name prefix of every Lease the executor holds. */
  static final String NAME_PREFIX = "lockstep-executor-";

  /** How many platforms' Lease calls may be under way at once. */
  static final int RENEWERS = 8;

  /**
   * Told when a Lease is taken or lost; called on a renewer thread, one call per platform at a
   * time.
   */
  interface Listener {
    void acquired(String platform);

    void lost(String platform, String reason);
  }

  private final Platforms platforms;
  private final String namespace;
  private final Duration duration;
  private final Duration renewInterval;
  private final String identity;
  private final Map<String, State> wanted = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread;
  private final ExecutorService renewers;
  private volatile Listener listener;

  PlatformLeases(
      Platforms platforms,
      String namespace,
      Duration duration,
      Duration renewInterval,
      String identity) {
    if (renewInterval.compareTo(duration.dividedBy(2)) > 0) {
      throw new IllegalArgumentException(
          "the lease renew interval ("
              + renewInterval
              + ") must be at most half the lease duration ("
              + duration
              + ")");
    }
    this.platforms = platforms;
    this.namespace = namespace;
    this.duration = duration;
    this.renewInterval = renewInterval;
    this.identity = identity;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread t = new Thread(task, "executor-leases");
              t.setDaemon(true);
              return t;
            });
    AtomicInteger renewer = new AtomicInteger();
    this.renewers =
        Executors.newFixedThreadPool(
            RENEWERS,
            task -> {
              Thread t = new Thread(task, "executor-leases-" + renewer.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    long period = renewInterval.toMillis();
    thread.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  void listener(Listener newListener) {
    this.listener = newListener;
  }

  /** This instance's identity, the holder it writes into its Leases. */
  String identity() {
    return identity;
  }

  /** Starts trying to take the platform's Lease (at once, then every renew interval). */
  void want(String platform) {
    State state = new State();
    if (wanted.putIfAbsent(platform, state) == null) {
      schedule(platform, state);
    }
  }

  /** Stops holding the platform's Lease and hands it over at once (clears the holder). */
  void giveUp(String platform) {
    State state = wanted.remove(platform);
    if (state != null && state.held) {
      state.held = false;
      state.validUntil = 0;
      if (!renewers.isShutdown()) {
        try {
          renewers.execute(() -> release(platform, state));
        } catch (RejectedExecutionException e) {
          // stopping: the Lease expires after its duration
        }
      }
    }
  }

  /**
   * True while this instance holds the platform's Lease and its last renewal is still valid by the
   * local monotonic clock.
   */
  boolean valid(String platform) {
    State state = wanted.get(platform);
    return state != null && state.held && System.nanoTime() - state.validUntil < 0;
  }

  /** The Lease's name for a platform: a DNS label derived from the platform id. */
  static String leaseName(String platform) {
    String label = platform.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String name = NAME_PREFIX + label;
    if (name.length() > 63 || !label.equals(platform)) {
      String digest = Integer.toHexString(platform.hashCode() & 0x7fffffff);
      name = name.substring(0, Math.min(name.length(), 54)) + "-" + digest;
    }
    return name.replaceAll("-+$", "");
  }

  private void tick() {
    wanted.forEach(this::schedule);
  }

  /** Renews or takes the platform's Lease on a renewer, unless a call for it is under way. */
  private void schedule(String platform, State state) {
    if (renewers.isShutdown() || !state.scheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      renewers.execute(
          () -> {
            try {
              tickOne(platform, state);
            } finally {
              state.scheduled.set(false);
            }
          });
    } catch (RejectedExecutionException e) {
      state.scheduled.set(false);
    }
  }

  private void tickOne(String platform, State state) {
    synchronized (state) {
      if (wanted.get(platform) == state) {
        tickLocked(platform, state);
      }
    }
  }

  private void tickLocked(String platform, State state) {
    try {
      renewOrTake(platform, state);
    } catch (KubernetesClientException | IllegalStateException e) {
      if (state.held && System.nanoTime() - state.validUntil >= 0) {
        lose(platform, state, "its Lease could not be renewed in time: " + e.getMessage());
      } else {
        LOG.warn(
            "the Lease of platform {} could not be renewed or taken: {}", platform, e.toString());
      }
    } catch (RuntimeException e) {
      LOG.error("the Lease of platform {} met an unexpected error", platform, e);
    }
  }

  private void renewOrTake(String platform, State state) {
    if (state.held && System.nanoTime() - state.validUntil >= 0) {
      lose(platform, state, "its Lease expired before it could be renewed");
    }
    KubernetesClient client = platforms.leaseClient(platform);
    String name = leaseName(platform);
    if (state.held && state.written != null && renewWritten(client, platform, state)) {
      return;
    }
    long sentAt = System.nanoTime();
    Lease current = client.leases().inNamespace(namespace).withName(name).get();
    ZonedDateTime now = ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS);
    if (current == null) {
      Lease created =
          new LeaseBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(namespace)
              .addToLabels("app.kubernetes.io/managed-by", "lockstep")
              .addToAnnotations("lockstep.dev/platform", platform)
              .endMetadata()
              .withNewSpec()
              .withHolderIdentity(identity)
              .withLeaseDurationSeconds((int) duration.toSeconds())
              .withAcquireTime(now)
              .withRenewTime(now)
              .withLeaseTransitions(0)
              .endSpec()
              .build();
      try {
        state.written = client.leases().inNamespace(namespace).resource(created).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          return; // another instance created it first; it is looked at again next time
        }
        throw e;
      }
      gain(platform, state, sentAt, 0);
      return;
    }
    String holder = current.getSpec() == null ? null : current.getSpec().getHolderIdentity();
    if (identity.equals(holder)) {
      current.getSpec().setRenewTime(now);
      current.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
      if (!update(client, current, state)) {
        lose(platform, state, "its Lease was changed by another instance");
        return;
      }
      if (state.held && System.nanoTime() - state.validUntil >= 0) {
        // the renewal was slow (a loaded machine): the Lease was never another's, but valid()
        // said no meanwhile and work may have been given up for it; a loss and a gain make the
        // runner read the platform back and carry on, as after any other loss
        lose(platform, state, "its Lease lapsed while its renewal was under way");
        gain(platform, state, sentAt, transitions(current));
      } else if (state.held) {
        state.validUntil = validUntil(sentAt);
      } else {
        gain(platform, state, sentAt, transitions(current));
      }
      return;
    }
    if (state.held) {
      lose(platform, state, "its Lease is held by " + holder + " now");
    }
    String version = current.getMetadata().getResourceVersion();
    if (!Objects.equals(version, state.observedVersion)) {
      state.observedVersion = version;
      state.observedSince = System.nanoTime();
    }
    Integer seconds =
        current.getSpec() == null ? null : current.getSpec().getLeaseDurationSeconds();
    Duration theirs = seconds == null ? duration : Duration.ofSeconds(seconds);
    boolean free = holder == null || holder.isBlank();
    boolean expired = System.nanoTime() - state.observedSince >= theirs.toNanos();
    if (!free && !expired) {
      return;
    }
    int transitions = transitions(current) + 1;
    current.getSpec().setHolderIdentity(identity);
    current.getSpec().setAcquireTime(now);
    current.getSpec().setRenewTime(now);
    current.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
    current.getSpec().setLeaseTransitions(transitions);
    if (update(client, current, state)) {
      LOG.info(
          "took the Lease of platform {} from {} ({})",
          platform,
          free ? "nobody" : holder,
          free ? "it was free" : "it was not renewed for " + theirs);
      gain(platform, state, sentAt, transitions);
    }
  }

  /**
   * Renews a held Lease with one conditional update of the Lease as this instance last wrote it;
   * false, with nothing changed, when the Lease changed since (it is then read again).
   */
  private boolean renewWritten(KubernetesClient client, String platform, State state) {
    long sentAt = System.nanoTime();
    Lease lease = new LeaseBuilder(state.written).build();
    lease.getSpec().setRenewTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS));
    lease.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
    if (!update(client, lease, state)) {
      return false;
    }
    if (System.nanoTime() - state.validUntil >= 0) {
      // slow, as in renewOrTake: the runner reads the platform back and carries on
      lose(platform, state, "its Lease lapsed while its renewal was under way");
      gain(platform, state, sentAt, transitions(lease));
    } else {
      state.validUntil = validUntil(sentAt);
    }
    return true;
  }

  /**
   * A conditional update; false when the Lease changed since it was read. The Lease as written is
   * kept for the next renewal.
   */
  private static boolean update(KubernetesClient client, Lease lease, State state) {
    try {
      state.written =
          client.leases().inNamespace(lease.getMetadata().getNamespace()).resource(lease).update();
      return true;
    } catch (KubernetesClientException e) {
      state.written = null;
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  private static int transitions(Lease lease) {
    Integer transitions = lease.getSpec().getLeaseTransitions();
    return transitions == null ? 0 : transitions;
  }

  private long validUntil(long sentAt) {
    // A tenth of the duration as a margin for the other instance's clock running fast.
    return sentAt + duration.toNanos() - duration.toNanos() / 10;
  }

  private void gain(String platform, State state, long sentAt, int transitions) {
    state.validUntil = validUntil(sentAt);
    state.held = true;
    LOG.info("holds the Lease of platform {} (transition {})", platform, transitions);
    Listener current = listener;
    if (current != null) {
      current.acquired(platform);
    }
  }

  private void lose(String platform, State state, String reason) {
    state.held = false;
    state.validUntil = 0;
    LOG.warn("lost platform {}: {}", platform, reason);
    Listener current = listener;
    if (current != null) {
      current.lost(platform, reason);
    }
  }

  private void release(String platform, State state) {
    synchronized (state) {
      releaseLocked(platform, state);
    }
  }

  private void releaseLocked(String platform, State state) {
    try {
      KubernetesClient client = platforms.leaseClient(platform);
      Lease current = client.leases().inNamespace(namespace).withName(leaseName(platform)).get();
      if (current != null
          && current.getSpec() != null
          && identity.equals(current.getSpec().getHolderIdentity())) {
        current.getSpec().setHolderIdentity(null);
        if (update(client, current, state)) {
          LOG.info("handed over the Lease of platform {}", platform);
        }
      }
    } catch (RuntimeException e) {
      LOG.info(
          "could not hand over the Lease of platform {} ({}); it expires after {}",
          platform,
          e.toString(),
          duration);
    }
  }

  /** Stops renewing at once without handing anything over, as a process that died. */
  void halt() {
    thread.shutdownNow();
    renewers.shutdownNow();
    wanted.values().forEach(state -> state.held = false);
  }

  /** Hands over every Lease held and stops. */
  @Override
  public void close() {
    thread.shutdownNow();
    for (String platform : wanted.keySet()) {
      giveUp(platform);
    }
    renewers.shutdown();
    try {
      renewers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    renewers.shutdownNow();
  }

  /** A wanted platform's Lease as this instance knows it; calls for it hold its monitor. */
  private static final class State {
    final AtomicBoolean scheduled = new AtomicBoolean();
    volatile boolean held;
    volatile long validUntil;
    String observedVersion;
    long observedSince;

    /** The Lease as this instance last created or updated it, or null. */
    Lease written;
  }
}
