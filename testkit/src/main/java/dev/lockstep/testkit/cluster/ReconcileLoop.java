package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SimulatedKubelet}'s work queue: one thread on which every reconcile runs, at most one
 * pending reconcile per workload (the earliest wins), and a bounded retry when one fails, as a
 * controller's rate-limited work queue does.
 */
final class ReconcileLoop {

  /** Brings one workload up to date; returns when it next needs a look. */
  @FunctionalInterface
  interface Reconciler {
    Optional<Instant> reconcile(WorkloadKey key);
  }

  // The kubelet's logger, so its log reads as before the split.
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedKubelet.class);
  private static final Duration CONFLICT_RETRY = Duration.ofMillis(5);
  private static final int MAX_ATTEMPTS = 5;

  private final Clock clock;
  private final ScheduledExecutorService executor;

  // Touched only on the executor thread.
  private final Map<WorkloadKey, Integer> failures = new HashMap<>();

  // Guarded by itself: the pending reconcile of each workload, by due time in nanoTime.
  private final Map<WorkloadKey, Long> dueAt = new HashMap<>();
  private final Map<WorkloadKey, ScheduledFuture<?>> timers = new HashMap<>();

  private volatile Reconciler reconciler;
  private volatile boolean running;

  ReconcileLoop(Clock clock) {
    this.clock = clock;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, SimulatedKubelet.ACTOR);
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Starts accepting work, which {@code workloadReconciler} does. */
  void start(Reconciler workloadReconciler) {
    this.reconciler = workloadReconciler;
    running = true;
  }

  boolean running() {
    return running;
  }

  /** Stops accepting and running work; what is already queued is dropped. */
  void halt() {
    running = false;
  }

  /** Stops the thread, waiting up to 5 s for a running reconcile to end. */
  void shutdown() {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("The simulated kubelet did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code task} on the loop's thread as soon as it is free. */
  ScheduledFuture<?> submit(Runnable task) {
    return executor.schedule(task, 0, TimeUnit.NANOSECONDS);
  }

  /** Reconciles {@code key} as soon as possible. */
  void enqueueNow(WorkloadKey key) {
    enqueue(key, Duration.ZERO);
  }

  /** Reconciles {@code key} after {@code delay}, unless a reconcile is already due sooner. */
  void enqueue(WorkloadKey key, Duration delay) {
    if (!running) {
      return;
    }
    long delayNanos = Math.max(0, delay.toNanos());
    long due = System.nanoTime() + delayNanos;
    synchronized (dueAt) {
      Long pending = dueAt.get(key);
      if (pending != null && pending - due <= 0) {
        return;
      }
      ScheduledFuture<?> later = timers.remove(key);
      if (later != null) {
        later.cancel(false);
      }
      try {
        timers.put(key, executor.schedule(() -> run(key, due), delayNanos, TimeUnit.NANOSECONDS));
        dueAt.put(key, due);
      } catch (RejectedExecutionException stopping) {
        dueAt.remove(key);
      }
    }
  }

  private void run(WorkloadKey key, long due) {
    synchronized (dueAt) {
      Long pending = dueAt.get(key);
      if (pending != null && pending == due) {
        dueAt.remove(key);
        timers.remove(key);
      }
    }
    reconcileSafely(key);
  }

  private void reconcileSafely(WorkloadKey key) {
    if (!running) {
      return;
    }
    try {
      Optional<Instant> next = reconciler.reconcile(key);
      failures.remove(key);
      next.ifPresent(at -> enqueue(key, Duration.between(clock.instant(), at)));
    } catch (KubernetesClientException e) {
      if (!running) {
        return;
      }
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND
          || e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // The object changed or went away between reading and writing: read it again.
        LOG.debug("{} changed while reconciling ({}), retrying", key, e.getCode());
        enqueue(key, CONFLICT_RETRY);
      } else {
        retryLater(key, e);
      }
    } catch (RuntimeException e) {
      if (running) {
        retryLater(key, e);
      }
    }
  }

  private void retryLater(WorkloadKey key, RuntimeException e) {
    int attempt = failures.merge(key, 1, Integer::sum);
    if (attempt >= MAX_ATTEMPTS) {
      failures.remove(key);
      LOG.warn("Giving up on {} after {} failed attempts", key, attempt, e);
      return;
    }
    LOG.warn("Could not reconcile {} (attempt {}), retrying: {}", key, attempt, e.toString());
    enqueue(key, Duration.ofMillis(50L * attempt));
  }

  /** The earlier of two next looks; either may be absent. */
  static Optional<Instant> earliest(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty()) {
      return b;
    }
    if (b.isEmpty()) {
      return a;
    }
    return a.get().isBefore(b.get()) ? a : b;
  }
}
