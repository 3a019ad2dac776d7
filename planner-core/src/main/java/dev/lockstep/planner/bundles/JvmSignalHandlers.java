package dev.lockstep.planner.bundles;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Puts the JVM's own handlers for SIGTERM, SIGINT and SIGHUP back after a call into the Helm
 * engine, so that a process that has rendered a chart still stops cleanly: at once, its shutdown
 * hooks run, exit code 143 for SIGTERM.
 *
 * <p>Why: helm-java runs Helm as a Go library loaded into the JVM. Its install path, which {@code
 * helm template} takes too, calls Go's {@code signal.Notify} for SIGINT, SIGTERM and SIGQUIT; the
 * first such call makes the Go runtime install its own operating-system handlers in place of the
 * JVM's, and it never puts them back. Go then hands those signals to a channel whose reader only
 * cancels Helm's own (long finished) call, so the JVM never sees them: the process ignores SIGTERM
 * and Ctrl-C until it is killed ({@code lockstep local}, Kubernetes and the end-to-end tests all
 * waited for their stop timeout, then sent SIGKILL, and the shutdown hooks never ran). This is
 * helm-java issue #409 (github.com/manusa/helm-java/issues/409), fixed by pull request #411, which
 * no released version contains yet (0.0.21 is the newest; this project uses 0.0.16).
 *
 * <p>How: the JVM's handlers are read once, before the first call into the Helm engine (when this
 * class is initialised, which {@link #restoredAfter} guarantees), and installed again through
 * {@link Signal#handle} after every call, whether the Go runtime replaces them once (0.0.16 does)
 * or on every call. A handler that was ignoring its signal (SIGHUP under {@code nohup}) stays
 * ignored; under {@code -Xrs} the JVM owns no such handler and nothing is done. SIGQUIT cannot be
 * given back from Java (the JVM refuses to register it): after a render, {@code kill -3} prints no
 * thread dump, and {@code jcmd}/{@code jstack}, which attach through SIGQUIT, cannot attach unless
 * the JVM was started with {@code -XX:+StartAttachListener}. A signal that arrives between Go
 * taking its handlers and this class giving them back (the milliseconds of a render) is still lost
 * to Go.
 *
 * <p>When it can go: once a helm-java release with the fix (#411) is used here; {@code
 * HelmSignalHandlingTest} tells whether it is still needed (it fails without this class).
 */
final class JvmSignalHandlers {
  /** The signals the JVM starts its shutdown on (java.lang.Terminator). */
  private static final String[] SHUTDOWN_SIGNALS = {"TERM", "INT", "HUP"};

  /** The JVM's handler of each shutdown signal, read before the Helm engine ever ran. */
  private static final Map<Signal, SignalHandler> ORIGINAL = capture();

  private JvmSignalHandlers() {}

  /**
   * Runs a call into the Helm engine, then puts the JVM's signal handlers back, whatever the call
   * did.
   */
  static <T> T restoredAfter(Supplier<T> helmCall) {
    try {
      return helmCall.get();
    } finally {
      restore();
    }
  }

  /** Installs the JVM's handlers again. */
  static synchronized void restore() {
    ORIGINAL.forEach(
        (signal, handler) -> {
          try {
            Signal.handle(signal, handler);
          } catch (IllegalArgumentException e) {
            // the JVM no longer lets this signal be handled: nothing to put back
          }
        });
  }

  /**
   * Reads each handler by swapping in a stand-in, which does what the JVM's does (start the
   * shutdown with exit code 128 + the signal's number) should the signal arrive in between, and
   * putting the original straight back.
   */
  private static Map<Signal, SignalHandler> capture() {
    Map<Signal, SignalHandler> original = new LinkedHashMap<>();
    SignalHandler standIn = signal -> Runtime.getRuntime().exit(128 + signal.getNumber());
    for (String name : SHUTDOWN_SIGNALS) {
      try {
        Signal signal = new Signal(name);
        SignalHandler handler = Signal.handle(signal, standIn);
        Signal.handle(signal, handler);
        original.put(signal, handler);
      } catch (IllegalArgumentException e) {
        // -Xrs, or a signal this platform lacks: the JVM has no handler of its own for it
      }
    }
    return Map.copyOf(original);
  }
}
