package dev.lockstep.cli.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.cli.model.Upgrade;

/**
 * One look at an upgrade: the rca-recorder's JSON answer, as {@code --output json} prints it, and
 * the same read as an {@link Upgrade}.
 */
public record Snapshot(JsonNode json, Upgrade upgrade) {
  /** A snapshot of an answer. */
  public static Snapshot of(JsonNode json) {
    return new Snapshot(json, Upgrade.of(json));
  }
}
