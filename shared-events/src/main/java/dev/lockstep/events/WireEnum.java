package dev.lockstep.events;

/** An enum whose JSON form is a fixed wire string (for example {@code set-image}). */
public interface WireEnum {
  /** The value as it appears in JSON. */
  String wire();

  /** Looks up a constant by its wire string; a clear error for an unknown one. */
  static <E extends Enum<E> & WireEnum> E fromWire(Class<E> type, String wire) {
    for (E constant : type.getEnumConstants()) {
      if (constant.wire().equals(wire)) {
        return constant;
      }
    }
    throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + wire + "'");
  }
}
