package dev.lockstep.executor.running;

/** The saga must not act: the executor stops, or the platform moved to another instance. */
final class Stopped extends RuntimeException {
  Stopped(String message) {
    super(message);
  }

  /**
   * The {@link Stopped} in a failure's cause chain, or null: a cluster write refused by the Lease
   * fence reaches the caller wrapped by the Kubernetes client.
   */
  static Stopped in(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof Stopped stopped) {
        return stopped;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
