package dev.lockstep.recorder.api;

import dev.lockstep.recorder.projection.Projector;
import dev.lockstep.recorder.store.EventStore;
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
import reactor.core.scheduler.Schedulers;

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

  /** Rows read from the database at a time. */
  private static final int FETCH_SIZE = 2000;

  /** Lines per chunk of the response when it is not paced (a few hundred kilobytes). */
  private static final int LINES_PER_CHUNK = 500;

  /** Chunks of rows read ahead of the lines written (bounded memory). */
  private static final int CHUNKS_AHEAD = 4;

  private final Projector projector;
  private final EventStore events;

  public ReplayController(Projector projector, EventStore events) {
    this.projector = projector;
    this.events = events;
  }

  /**
   * The upgrade's events (and its rollbacks'), in log order, as lines {@code {"offsetMillis": ...,
   * "event": {...}}}. Without {@code speed} they come at once; with it the server waits between
   * them for the original gap divided by the speed (1 = real time, 10 = ten times faster). The
   * lines stream from the event table as they are read ({@link EventStore#streamStory}): a story of
   * a million events is never held in memory. The events go as they are stored, without being
   * decoded again.
   */
  @Get("/upgrades/{id}/replay")
  @Produces(NDJSON)
  @Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
  public Publisher<byte[]> replay(
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
    List<String> upgradeIds = new ArrayList<>();
    upgradeIds.add(id);
    upgradeIds.addAll(events.rollbacksOf(id));
    String platform =
        events
            .firstPlatform(upgradeIds)
            .orElseThrow(
                () ->
                    ApiException.of(
                        HttpStatus.NOT_FOUND,
                        "not-found",
                        "upgradeId",
                        "no upgrade " + id + " is recorded"));
    dev.lockstep.runtime.security.PlatformAccess.require(who, platform);
    if (speed == null) {
      // The rows are read on the database connection's thread and the lines written on another:
      // the two halves of the work run on two cores. A few chunks wait between them at most.
      return events
          .streamStory(upgradeIds, FETCH_SIZE)
          .buffer(LINES_PER_CHUNK)
          .switchOnFirst(
              (first, chunks) -> {
                if (!first.hasValue()) {
                  return chunks.map(rows -> new byte[0]);
                }
                Instant start = first.get().get(0).time();
                return chunks
                    .publishOn(Schedulers.parallel(), CHUNKS_AHEAD)
                    .map(rows -> ReplayLines.chunk(rows, start));
              });
    }
    Flux<ReplayLines.Line> lines =
        Flux.defer(
            () -> {
              ReplayLines writer = new ReplayLines();
              return events.streamStory(upgradeIds, FETCH_SIZE).map(writer::next);
            });
    return lines.concatMap(
        line ->
            Mono.just(line.bytes())
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
}
