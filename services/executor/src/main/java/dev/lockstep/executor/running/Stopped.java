package dev.lockstep.executor.running;

/** The saga must not act: the executor stops, or the platform moved to another instance. */
final class Stopped extends RuntimeException {
  Stopped(String message) {
    super(message);
  }
}
