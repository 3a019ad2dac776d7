package dev.lockstep.recorder.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.projection.ViewJson;
import dev.lockstep.recorder.store.StoredEvent;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Replay: an upgrade's log streamed in order with its original timing (one JSON line per event,
 * each with its offset from the first event, so a client can replay it at any speed, or the server
 * paces it with {@code ?speed=}), and the rebuild of every projection from the event table.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ReplayController {
  /** Newline-delimited JSON. */
  public static final String NDJSON = "application/x-ndjson";

  private static final double MAX_SPEED = 1_000_000;

  private final Projector projector;

  public ReplayController(Projector projector) {
    this.projector = projector;
  }

  /**
   * The upgrade's events (and its rollbacks'), in log order, as lines {@code {"offsetMillis": ...,
   * "event": {...}}}. Without {@code speed} they come at once; with it the server waits between
   * them for the original gap divided by the speed (1 = real time, 10 = ten times faster).
   */
  @Get("/upgrades/{id}/replay")
  @Produces(NDJSON)
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public Publisher<String> replay(
      @PathVariable String id,
      @QueryValue @Nullable Double speed,
      io.micronaut.security.authentication.Authentication who) {
    if (speed != null && (!(speed > 0) || speed > MAX_SPEED)) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          "invalid-request",
          "speed",
          "speed is a number above 0 and at most " + (long) MAX_SPEED);
    }
    List<StoredEvent> story = projector.story(id);
    if (story.isEmpty()) {
      throw ApiException.of(
          HttpStatus.NOT_FOUND, "not-found", "upgradeId", "no upgrade " + id + " is recorded");
    }
    dev.lockstep.runtime.security.PlatformAccess.require(who, story.get(0).envelope().platform());
    List<Line> lines = lines(story);
    if (speed == null) {
      return Flux.fromIterable(lines).map(Line::text);
    }
    return Flux.fromIterable(lines)
        .concatMap(
            line ->
                Mono.just(line.text())
                    .delayElement(
                        Duration.ofNanos((long) (line.gap().toNanos() / speed.doubleValue()))));
  }

  /** Rebuilds every projection from the event table. */
  @Post("/projections/rebuild")
  @Secured({Roles.SUBMITTER})
  public Map<String, Integer> rebuild(@Body @Nullable String body) {
    if (body != null && !body.isBlank() && !body.strip().equals("{}")) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          "invalid-request",
          "",
          "a rebuild takes no body (or {}); nothing was rebuilt");
    }
    return Map.of("upgrades", projector.rebuild());
  }

  /** One line of a replay and the gap before it. */
  record Line(String text, Duration gap) {}

  static List<Line> lines(List<StoredEvent> story) {
    List<Line> lines = new ArrayList<>(story.size());
    Instant first = story.get(0).row().time();
    Instant previous = first;
    for (StoredEvent event : story) {
      Instant at = event.row().time();
      ObjectNode line = ViewJson.mapper().createObjectNode();
      line.put("offsetMillis", Math.max(0, Duration.between(first, at).toMillis()));
      line.set("event", event.cloudEvent());
      Duration gap = at.isAfter(previous) ? Duration.between(previous, at) : Duration.ZERO;
      lines.add(new Line(line + "\n", gap));
      previous = at.isAfter(previous) ? at : previous;
    }
    return lines;
  }
}
