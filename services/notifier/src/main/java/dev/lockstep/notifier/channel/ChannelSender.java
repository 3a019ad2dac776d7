package dev.lockstep.notifier.channel;

/** Sends messages to one type of channel. Returns when the receiver acknowledged the message. */
public interface ChannelSender {
  /**
   * The channel type it serves ({@code webhook}, {@code slack}, {@code email}, {@code grafana}).
   */
  String type();

  /**
   * Sends one message; throws {@link DeliveryException} (with a message free of secrets) when the
   * receiver did not acknowledge it.
   */
  void send(Outgoing message) throws DeliveryException;
}
