package dev.lockstep.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The services' real answers, checked in under {@code fixtures/}: {@code upgrade-*.json} are the
 * rca-recorder's {@code UpgradeView}s folded by its {@code UpgradeFold} from its failed-gate
 * scenario (after 12 events, and at the end), written with its {@code ViewJson}; {@code
 * plan-preview.json} is the planner's {@code UpgradePlanner} plan of the sample release 2.4.0
 * against a running 2.3.0 with a component the release drops, written with the contract's {@code
 * Json}.
 */
public final class Fixtures {
  private Fixtures() {}

  /** A fixture as JSON. */
  public static JsonNode json(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
