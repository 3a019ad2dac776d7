package dev.lockstep.executor.running;

import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's threads: workers that change the cluster, and timers that resume waits, so no
 * consumer thread ever waits for the cluster. Work handed in while they stop is dropped.
 */
final class RunnerThreads implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunnerThreads.class);

  private final ScheduledExecutorService timers;
  private final ExecutorService workers;

  RunnerThreads(int workerCount) {
    this.timers = Executors.newScheduledThreadPool(2, daemon("executor-timer"));
    this.workers = Executors.newFixedThreadPool(workerCount, daemon("executor-worker"));
  }

  /** Runs the task on a worker thread, in the trace context current now. */
  void submit(Runnable task) {
    try {
      workers.execute(Context.current().wrap(logged(task)));
    } catch (RejectedExecutionException e) {
      LOG.debug("the executor is stopping; a task is dropped");
    }
  }

  /** Runs the task on a timer thread after the delay, in the trace context current now. */
  void schedule(Runnable task, Duration delay) {
    try {
      timers.schedule(
          Context.current().wrap(logged(task)), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.debug("the executor is stopping; a timer is dropped");
    }
  }

  /** Runs the task on a timer thread now, in the trace context current now. */
  void execute(Runnable task) {
    timers.execute(Context.current().wrap(logged(task)));
  }

  /** Runs the task on a timer thread every period. */
  void every(Duration period, Runnable task) {
    long millis = period.toMillis();
    timers.scheduleAtFixedRate(logged(task), millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * The task, with what it throws logged: a scheduled executor keeps a task's exception in a future
   * nobody reads, and a periodic task that throws never runs again.
   */
  private static Runnable logged(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.error("an executor task failed", e);
      }
    };
  }

  @Override
  public void close() {
    timers.shutdownNow();
    workers.shutdownNow();
  }

  private static ThreadFactory daemon(String name) {
    return task -> {
      Thread thread = new Thread(task, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
