package dev.lockstep.notifier.delivery;

/** Where a delivery stands in the log. */
public enum DeliveryState {
  /** Recorded, not yet acknowledged by the channel; attempted (again) at its next attempt time. */
  PENDING,
  /** The channel acknowledged it; never sent again. */
  DELIVERED,
  /** Every attempt failed; never sent again. */
  FAILED
}
