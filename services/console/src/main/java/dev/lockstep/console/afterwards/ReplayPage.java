package dev.lockstep.console.afterwards;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.state;
import static dev.lockstep.console.pages.Html.text;
import static dev.lockstep.console.pages.Html.time;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.console.live.UpgradeRendering;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.util.List;
import java.util.Optional;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An upgrade played back: {@code /upgrades/{id}/replay} shows the upgrade as it was at a point of
 * its recorded events (waves, steps, gates, status, as the live page renders them) with the event
 * played there, and plays on at a chosen speed through {@code .../replay/stream}: server-sent
 * events named {@code state} that htmx swaps in, each after the original gap divided by the speed,
 * waited on Reactor's timer (no thread waits per viewer), then one named {@code end}. The event id
 * is the point reached, so a reconnecting browser resumes there; every frame carries links that
 * pause there or play on from there at another speed.
 */
@Controller("/upgrades")
@Secured(SecurityRule.IS_ANONYMOUS)
public class ReplayPage {
  private final Sessions sessions;
  private final ServiceApis apis;

  public ReplayPage(Sessions sessions, ServiceApis apis) {
    this.sessions = sessions;
    this.apis = apis;
  }

  /** Where a replay stands. */
  enum Mode {
    PLAYING("playing"),
    PAUSED("paused"),
    ENDED("ended");

    final String word;

    Mode(String word) {
      this.word = word;
    }
  }

  /**
   * The replay at a point: {@code at} events played (0 by default), playing on at {@code speed}
   * unless {@code paused}; without a speed it waits for the viewer to choose one.
   */
  @Get("/{id}/replay")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> replay(
      HttpRequest<?> request,
      @PathVariable String id,
      @Nullable @QueryValue String speed,
      @Nullable @QueryValue String at,
      @Nullable @QueryValue String paused) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    String title = "Replay " + id;
    ServiceApis.Answer answer = apis.recorderLinesAsync(session.token(), replayPath(id)).join();
    if (!answer.ok()) {
      return refused(session, title, answer);
    }
    List<Replay.Line> lines = Replay.lines(answer.text());
    Optional<Double> chosen = speed == null ? Optional.empty() : Replay.speed(speed);
    Optional<Integer> point = at == null ? Optional.of(0) : point(at, lines.size());
    if ((speed != null && chosen.isEmpty()) || point.isEmpty()) {
      StringBuilder errors = new StringBuilder("<ul class=\"error\" role=\"alert\">");
      if (speed != null && chosen.isEmpty()) {
        errors.append(
            "<li>invalid-request at speed: the speed is max or a number above 0 and at most "
                + (long) Replay.MAX_SPEED
                + "</li>");
      }
      if (point.isEmpty()) {
        errors
            .append("<li>invalid-request at at: the point is a number of events played, 0 to ")
            .append(lines.size())
            .append("</li>");
      }
      errors.append("</ul><p><a href=\"/upgrades/").append(segment(id)).append("/replay\">");
      errors.append("Replay from the start</a></p>");
      return Layout.html(
          HttpStatus.BAD_REQUEST,
          Layout.page(title, session, "<h1>" + text(title) + "</h1>" + errors));
    }
    int from = point.get();
    ReplayFold fold = new ReplayFold(id);
    for (int i = 0; i < from; i++) {
      fold.apply(lines.get(i).event());
    }
    boolean playing = chosen.isPresent() && paused == null && from < lines.size();
    Mode mode = playing ? Mode.PLAYING : from == lines.size() ? Mode.ENDED : Mode.PAUSED;
    double rate = chosen.orElse(1d);
    String frame =
        frame(
            session,
            id,
            lines,
            from,
            rate,
            mode,
            from == 0 ? List.of() : lines.subList(from - 1, from),
            fold);
    StringBuilder body = new StringBuilder();
    body.append("<h1>Replay <span class=\"id\">")
        .append(text(id))
        .append("</span></h1><nav class=\"sub\" aria-label=\"upgrade\"><a href=\"/upgrades/")
        .append(segment(id))
        .append("/postmortem\">Back to the post-mortem</a> · <a href=\"/upgrades/")
        .append(segment(id))
        .append("\">The upgrade now</a></nav><p class=\"hint\">The upgrade's ")
        .append(lines.size())
        .append(" recorded events (its rollbacks' included), played in their order with their")
        .append(" original spacing divided by the speed you choose; max plays them without")
        .append(" waiting.</p>");
    body.append("<div id=\"replay\"");
    if (playing) {
      body.append(" hx-ext=\"sse\" sse-connect=\"/upgrades/")
          .append(segment(id))
          .append("/replay/stream?speed=")
          .append(text(Replay.param(rate)))
          .append("&amp;at=")
          .append(from)
          .append("\" sse-close=\"end\"");
    }
    body.append("><div id=\"replay-frame\" sse-swap=\"state\" aria-live=\"polite\">")
        .append(frame)
        .append("</div><p id=\"replay-end\" class=\"hint\" role=\"status\"")
        .append(playing ? " sse-swap=\"end\"" : "")
        .append("></p></div>");
    return Layout.ok(title, session, body.toString());
  }

  /**
   * The replay from a point on, as server-sent events: a {@code state} per frame (the events that
   * play within one frame of each other), then {@code end}. A reconnecting browser's {@code
   * Last-Event-ID} (the point its last frame reached) takes the place of {@code at}.
   */
  @Get("/{id}/replay/stream")
  @Produces(MediaType.TEXT_EVENT_STREAM)
  public Publisher<Event<String>> stream(
      HttpRequest<?> request,
      @PathVariable String id,
      @Nullable @QueryValue String speed,
      @Nullable @QueryValue String at,
      @Nullable @Header("Last-Event-ID") String lastEventId) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Flux.just(end("Signed out: sign in again to replay."));
    }
    Optional<Double> chosen = Replay.speed(speed);
    if (chosen.isEmpty()) {
      return Flux.just(end("No speed chosen: open the replay again and choose one."));
    }
    double rate = chosen.get();
    String sessionId = found.get().id();
    return Mono.fromFuture(apis.recorderLinesAsync(found.get().token(), replayPath(id)))
        .flatMapMany(
            answer -> {
              if (!answer.ok()) {
                return Flux.just(
                    end(
                        "The recorder did not give the replay: "
                            + String.join("; ", answer.errors())));
              }
              List<Replay.Line> lines = Replay.lines(answer.text());
              int from =
                  point(lastEventId, lines.size()).or(() -> point(at, lines.size())).orElse(0);
              ReplayFold fold = new ReplayFold(id);
              for (int i = 0; i < from; i++) {
                fold.apply(lines.get(i).event());
              }
              return Flux.fromIterable(Replay.frames(lines, from, rate))
                  .concatMap(f -> Mono.just(f).delayElement(f.delay()))
                  .map(
                      f ->
                          sessions
                              .find(sessionId)
                              .map(session -> play(session, id, lines, f, rate, fold)))
                  .takeWhile(Optional::isPresent)
                  .map(Optional::get)
                  .concatWith(
                      Mono.fromSupplier(
                          () ->
                              end(
                                  sessions.find(sessionId).isPresent()
                                      ? "Replay ended."
                                      : "Signed out: sign in again to replay.")));
            });
  }

  private static Event<String> play(
      Session session,
      String id,
      List<Replay.Line> lines,
      Replay.Frame f,
      double rate,
      ReplayFold fold) {
    for (int i = f.from(); i < f.to(); i++) {
      fold.apply(lines.get(i).event());
    }
    Mode mode = f.to() == lines.size() ? Mode.ENDED : Mode.PLAYING;
    String html =
        frame(session, id, lines, f.to(), rate, mode, lines.subList(f.from(), f.to()), fold);
    // one SSE data line: the fragment holds no line breaks of its own
    return Event.of(html.replace("\r", "").replace('\n', ' '))
        .name("state")
        .id(Integer.toString(f.to()));
  }

  private static Event<String> end(String message) {
    return Event.of(text(message)).name("end");
  }

  /**
   * A frame: where the replay stands with its controls, the events just played, and the upgrade as
   * it was after them.
   */
  static String frame(
      Session session,
      String id,
      List<Replay.Line> lines,
      int point,
      double speed,
      Mode mode,
      List<Replay.Line> played,
      ReplayFold fold) {
    int total = lines.size();
    StringBuilder html = new StringBuilder(8192);
    html.append("<div class=\"replay-controls\" role=\"group\" aria-label=\"replay controls\"><p>")
        .append(state(mode.word))
        .append(mode == Mode.PLAYING ? " at " + text(Replay.label(speed)) : "")
        .append(" · event <span class=\"point\">")
        .append(point)
        .append("</span> of ")
        .append(total);
    if (point > 0) {
      Replay.Line last = lines.get(point - 1);
      html.append(" · ")
          .append(elapsed(last.offsetMillis()))
          .append(" after the first event · ")
          .append(time(last.event().path("time").asText()));
    }
    html.append("</p><p>");
    int from = point == total ? 0 : point;
    html.append(point == total ? "Play again from the start at " : "Play from here at ");
    for (String s : Replay.SPEEDS) {
      boolean current = mode == Mode.PLAYING && s.equals(Replay.param(speed));
      html.append("<a class=\"speed\" href=\"")
          .append(link(id, s, from, false))
          .append("\"")
          .append(current ? " aria-current=\"true\"" : "")
          .append(">")
          .append(text(s.equals("max") ? "max" : s + "x"))
          .append("</a> ");
    }
    if (mode == Mode.PLAYING) {
      html.append("· <a class=\"pause\" href=\"")
          .append(link(id, Replay.param(speed), point, true))
          .append("\">Pause here</a> ");
    }
    if (point > 0) {
      html.append("· <a class=\"stop\" href=\"/upgrades/")
          .append(segment(id))
          .append("/replay\">Stop (back to the start)</a>");
    }
    html.append("</p></div>");

    html.append("<section class=\"played\" aria-label=\"events played\"><h2>");
    if (played.isEmpty()) {
      html.append("Nothing played yet</h2>");
    } else {
      html.append(played.size() == 1 ? "Event played" : played.size() + " events played")
          .append("</h2><ol class=\"played-events\" start=\"")
          .append(point - played.size() + 1)
          .append("\">");
      for (Replay.Line line : played) {
        html.append(event(line.event(), id));
      }
      html.append("</ol>");
    }
    html.append("</section>");
    JsonNode view = fold.view();
    // what acts on the upgrade now has no place in its past: rendered without action buttons,
    // approve links or lines about roles
    html.append(UpgradeRendering.asItWas(view, fold.plans()));
    return html.toString();
  }

  /** One event played, in a line: its type, time, whose it is and what it says. */
  private static String event(JsonNode event, String id) {
    String owner = ReplayFold.ownerOf(event);
    JsonNode data = event.path("data");
    StringBuilder html = new StringBuilder("<li class=\"played-event\" data-event=\"");
    html.append(text(event.path("id").asText()))
        .append("\"><strong>")
        .append(text(ReplayFold.shortType(event)))
        .append("</strong> ")
        .append(time(event.path("time").asText()));
    if (owner != null && !owner.equals(id)) {
      html.append(" · of <a href=\"/upgrades/")
          .append(segment(owner))
          .append("\">")
          .append(text(owner))
          .append("</a>");
    }
    for (String field :
        List.of(
            "component",
            "stepId",
            "gateName",
            "wave",
            "reason",
            "message",
            "approvedBy",
            "requestedBy",
            "cancelledBy",
            "pausedBy")) {
      JsonNode value = data.path(field);
      if (value.isValueNode() && !value.isNull()) {
        html.append(" · ").append(text(field)).append(" ").append(text(value.asText()));
      }
    }
    if (data.path("gate").path("name").isTextual()) {
      html.append(" · gate ").append(text(data.path("gate").path("name").asText()));
    }
    if (data.path("plan").isObject()) {
      html.append(" · ")
          .append(text(data.path("plan").path("mode").asText("plan")))
          .append(" ")
          .append(text(data.path("plan").path("fromRelease").asText("?")))
          .append(" → ")
          .append(text(data.path("plan").path("toRelease").asText("?")));
    }
    return html.append("</li>").toString();
  }

  private static String link(String id, String speed, int at, boolean paused) {
    return "/upgrades/"
        + segment(id)
        + "/replay?speed="
        + text(speed)
        + "&amp;at="
        + at
        + (paused ? "&amp;paused=true" : "");
  }

  /** How long after the first event, as h:mm:ss. */
  static String elapsed(long millis) {
    long s = millis / 1000;
    return String.format(java.util.Locale.ROOT, "+%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }

  /** A point (events played) from 0 to {@code total}, or empty when it is not one. */
  private static Optional<Integer> point(String value, int total) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    try {
      int n = Integer.parseInt(value.trim());
      return n >= 0 && n <= total ? Optional.of(n) : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static String replayPath(String id) {
    return "/api/v1/upgrades/" + ServiceApis.encode(id) + "/replay";
  }

  private static MutableHttpResponse<String> refused(
      Session session, String title, ServiceApis.Answer answer) {
    HttpStatus status =
        answer.status() == 404
            ? HttpStatus.NOT_FOUND
            : answer.status() == 403 ? HttpStatus.FORBIDDEN : HttpStatus.BAD_GATEWAY;
    StringBuilder html = new StringBuilder("<h1>").append(text(title)).append("</h1>");
    html.append("<p>The recorder did not give the replay:</p>").append(Errors.list(answer));
    return Layout.html(status, Layout.page(title, session, html.toString()));
  }
}
