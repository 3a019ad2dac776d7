package dev.lockstep.executor.running;

import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platforms' inventory observations, on threads of their own and never on a timer: an
 * observation lists every workload of its platform and waits for its event to be written, and on
 * the timers, which also resume the waits of running steps, two hundred platforms' observations
 * held up every upgrade's next step. A platform's observations run one after the other, so an older
 * snapshot is never published after a newer one; requests for a platform whose observation is
 * queued or running fold into one more run, which keeps a cause if any of them had one.
 *
 * @param <C> what caused an observation (the executor's: the event it names as its cause)
 */
final class Observations<C> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Observations.class);

  private final ExecutorService pool;
  private final BiConsumer<String, C> observe;
  private final Map<String, Optional<C>> pending = new HashMap<>();
  private final Set<String> running = new HashSet<>();

  /**
   * @param threads how many platforms are observed at once
   * @param observe observes a platform and publishes what it saw, with the cause or null
   */
  Observations(int threads, BiConsumer<String, C> observe) {
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            task -> {
              Thread thread = new Thread(task, "executor-observer");
              thread.setDaemon(true);
              return thread;
            });
    this.observe = observe;
  }

  /** Observes the platform soon, after any observation of it under way. */
  void request(String platform, C cause) {
    boolean start;
    synchronized (this) {
      pending.merge(
          platform, Optional.ofNullable(cause), (was, now) -> now.isPresent() ? now : was);
      start = running.add(platform);
    }
    if (start) {
      try {
        pool.execute(Context.current().wrap(() -> drain(platform)));
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          running.remove(platform);
          pending.remove(platform);
        }
        LOG.debug("the executor is stopping; the observation of {} is dropped", platform);
      }
    }
  }

  private void drain(String platform) {
    while (true) {
      Optional<C> cause;
      synchronized (this) {
        cause = pending.remove(platform);
        if (cause == null) {
          running.remove(platform);
          return;
        }
      }
      try {
        observe.accept(platform, cause.orElse(null));
      } catch (RuntimeException e) {
        LOG.warn("could not observe the inventory of {}: {}", platform, e.toString());
      }
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
