package dev.lockstep.events.upcast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Upcaster;

/**
 * {@code upgrade.requested} and {@code release.published} v1 to v2. v2 reads the release in the
 * manifest's own format: the lists and maps that the manifest lets a writer leave out ({@code
 * drain}, {@code gates}, {@code requires}, {@code migration.args}, ...) are optional, and fields
 * the manifest does not know are refused. Every v1 release already has the optional fields and no
 * unknown one that a consumer kept, so the data carries over unchanged.
 */
public final class ReleaseFormatV1ToV2 implements Upcaster {
  private final String type;

  /** The upcaster of one of the two types that carry a release. */
  public ReleaseFormatV1ToV2(String type) {
    this.type = type;
  }

  @Override
  public String type() {
    return type;
  }

  @Override
  public int fromVersion() {
    return 1;
  }

  @Override
  public ObjectNode upcast(ObjectNode data) {
    return data.deepCopy();
  }
}
