package dev.lockstep.events;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Moves the JSON data of one event type one version up (vN to vN+1). Upcasters are pure: they only
 * read their input and build the output, so chaining them at the consumer edge is safe to repeat. A
 * change of meaning is a new type, not a new version.
 */
public interface Upcaster {
  /** The wire type it applies to. */
  String type();

  /** The version it reads; it writes {@code fromVersion() + 1}. */
  int fromVersion();

  /** The data of the next version. The input must not be modified. */
  ObjectNode upcast(ObjectNode data);
}
