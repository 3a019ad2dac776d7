package dev.lockstep.events.upcast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Upcaster;

/**
 * One version to the next of a type whose newer version only adds optional fields (so its record,
 * hence its schema, changed): an event of the older version is a valid event of the newer one and
 * its data is left as it is. {@code gate.requested} v1 to v2 ({@code baselineOf}) and {@code
 * inventory.observed} v1 to v2 ({@code release}).
 */
public final class OptionalFieldAdded implements Upcaster {
  private final String type;
  private final int fromVersion;

  /** The step from {@code fromVersion} of {@code type} to the version after it. */
  public OptionalFieldAdded(String type, int fromVersion) {
    this.type = type;
    this.fromVersion = fromVersion;
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public int fromVersion() {
    return fromVersion;
  }

  @Override
  public ObjectNode upcast(ObjectNode data) {
    return data.deepCopy();
  }
}
