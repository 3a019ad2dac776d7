package dev.lockstep.notifier.channel;

/** A channel did not take a message. Its message names no secret (no URL, token or password). */
public class DeliveryException extends Exception {
  public DeliveryException(String message) {
    super(message);
  }
}
