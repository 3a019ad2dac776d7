package dev.lockstep.console.afterwards;

import static dev.lockstep.console.pages.Html.segment;
import static dev.lockstep.console.pages.Html.state;
import static dev.lockstep.console.pages.Html.text;
import static dev.lockstep.console.pages.Html.time;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lockstep.console.pages.Layout;
import dev.lockstep.console.services.ServiceApis;
import dev.lockstep.console.signin.Session;
import dev.lockstep.console.signin.Sessions;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
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
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The team feeds, from the notifier: {@code /feeds} lists the teams its subscriptions name, {@code
 * /feeds/{team}} shows a team's entries newest first (what the notifier lets the token see: a
 * platform-limited token gets its platforms' entries, a team without a feed is refused) and follows
 * new ones through {@code /feeds/{team}/stream}, server-sent events named {@code entry} that htmx
 * puts on top of the list. That stream relays the notifier's own ({@code
 * /api/v1/feeds/{team}/stream}) as it comes, holding no thread; it starts after the newest entry
 * the page showed, so nothing falls between the page and the stream.
 */
@Controller("/feeds")
@Secured(SecurityRule.IS_ANONYMOUS)
public class FeedsPage {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Sessions sessions;
  private final ServiceApis apis;
  private final Duration pollInterval;

  public FeedsPage(
      Sessions sessions,
      ServiceApis apis,
      @Value("${lockstep.console.poll-interval:500ms}") Duration pollInterval) {
    this.sessions = sessions;
    this.apis = apis;
    this.pollInterval = pollInterval;
  }

  /** The teams with a feed: those the notifier's subscriptions name. */
  @Get
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> teams(HttpRequest<?> request) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    ServiceApis.Answer answer = apis.notifier(session.token(), "/api/v1/subscriptions");
    if (!answer.ok()) {
      return refused(session, "Feeds", "The notifier did not list its teams:", answer);
    }
    TreeSet<String> teams = new TreeSet<>();
    for (JsonNode s : answer.json().path("subscriptions")) {
      if (s.path("team").isTextual()) {
        teams.add(s.path("team").asText());
      }
    }
    StringBuilder body = new StringBuilder("<h1>Feeds</h1>");
    body.append("<p class=\"hint\">What the notifier told each team, newest first; a feed page")
        .append(" follows new entries as they come.</p>");
    if (teams.isEmpty()) {
      body.append("<p>No team is subscribed to anything.</p>");
    } else {
      body.append("<ul class=\"teams\">");
      for (String team : teams) {
        body.append("<li><a href=\"/feeds/")
            .append(segment(team))
            .append("\">")
            .append(text(team))
            .append("</a></li>");
      }
      body.append("</ul>");
    }
    return Layout.ok("Feeds", session, body.toString());
  }

  /** A team's feed, newest first, following new entries live (on its first page). */
  @Get("/{team}")
  @ExecuteOn(TaskExecutors.BLOCKING)
  public MutableHttpResponse<String> feed(
      HttpRequest<?> request, @PathVariable String team, @Nullable @QueryValue String before) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Layout.toSignIn();
    }
    Session session = found.get();
    String title = "Feed of " + team;
    String query = "?limit=50" + (before == null ? "" : "&before=" + ServiceApis.encode(before));
    ServiceApis.Answer answer =
        apis.notifier(session.token(), "/api/v1/feeds/" + ServiceApis.encode(team) + query);
    if (!answer.ok()) {
      return refused(session, title, "The notifier refused the feed of team " + team + ":", answer);
    }
    JsonNode entries = answer.json().path("entries");
    long newest = -1;
    for (JsonNode e : entries) {
      newest = Math.max(newest, e.path("id").asLong(-1));
    }
    StringBuilder body = new StringBuilder();
    body.append("<h1>Feed of <span class=\"id\">")
        .append(text(team))
        .append(
            "</span></h1><nav class=\"sub\" aria-label=\"feeds\"><a href=\"/feeds\">All feeds</a>")
        .append("</nav>");
    boolean live = before == null;
    body.append("<div id=\"feed-live\"");
    if (live) {
      body.append(" hx-ext=\"sse\" sse-connect=\"/feeds/")
          .append(segment(team))
          .append("/stream")
          .append(newest >= 0 ? "?after=" + newest : "")
          .append("\" sse-close=\"closed\"");
    }
    body.append("><p class=\"hint\" id=\"feed-status\" role=\"status\"")
        .append(live ? " sse-swap=\"closed\">Following new entries as they come." : ">")
        .append(live ? "" : "An older page: it does not follow new entries.")
        .append("</p><ol class=\"feed\" id=\"feed\"")
        .append(live ? " sse-swap=\"entry\" hx-swap=\"afterbegin\"" : "")
        .append(">");
    for (JsonNode e : entries) {
      body.append(entry(e));
    }
    body.append("</ol></div>");
    if (entries.isEmpty()) {
      body.append("<p class=\"hint\">No entries")
          .append(live ? " yet: they appear here as they come." : " before that one.")
          .append("</p>");
    }
    if (answer.json().hasNonNull("next")) {
      body.append("<p><a href=\"/feeds/")
          .append(segment(team))
          .append("?before=")
          .append(text(answer.json().path("next").asText()))
          .append("\">Older entries</a></p>");
    }
    return Layout.ok(title, session, body.toString());
  }

  /**
   * New entries of the team's feed as server-sent events named {@code entry} (the id is the
   * entry's), after the entry {@code after} or the browser's {@code Last-Event-ID}; a refusal, or
   * the end of the session, is one event named {@code closed} that tells the browser to stop.
   */
  @Get("/{team}/stream")
  @Produces(MediaType.TEXT_EVENT_STREAM)
  public Publisher<Event<String>> stream(
      HttpRequest<?> request,
      @PathVariable String team,
      @Nullable @QueryValue String after,
      @Nullable @Header("Last-Event-ID") String lastEventId) {
    Optional<Session> found = sessions.of(request);
    if (found.isEmpty()) {
      return Flux.just(closed("Signed out: sign in again to follow the feed."));
    }
    String sessionId = found.get().id();
    String from = entryId(lastEventId).or(() -> entryId(after)).orElse(null);
    Mono<Long> signedOut =
        Flux.interval(pollInterval).filter(t -> sessions.find(sessionId).isEmpty()).next();
    return apis.notifierEvents(
            found.get().token(), "/api/v1/feeds/" + ServiceApis.encode(team) + "/stream", from)
        .flatMap(event -> Mono.justOrEmpty(live(event)), 1)
        .onErrorResume(
            ServiceApis.Refused.class,
            refused ->
                Mono.just(
                    closed(
                        "The notifier refused to follow the feed: "
                            + String.join("; ", refused.answer().errors()))))
        .takeUntilOther(signedOut)
        .concatWith(
            Mono.defer(
                () ->
                    sessions.find(sessionId).isEmpty()
                        ? Mono.just(closed("Signed out: sign in again to follow the feed."))
                        : Mono.empty()));
  }

  private static Optional<Event<String>> live(Map<String, String> event) {
    try {
      JsonNode entry = MAPPER.readTree(event.get("data"));
      if (!entry.isObject()) {
        return Optional.empty();
      }
      // one SSE data line: the fragment holds no line breaks of its own
      String html = entry(entry).replace("\r", "").replace("\n", "&#10;");
      Event<String> out = Event.of(html).name("entry");
      return Optional.of(entry.has("id") ? out.id(entry.path("id").asText()) : out);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** One entry: severity as a word, type, platform, upgrade, time, subject and body. */
  static String entry(JsonNode e) {
    StringBuilder html = new StringBuilder("<li class=\"entry\" data-entry=\"");
    html.append(text(e.path("id").asText()))
        .append("\"><p>")
        .append(state(e.path("severity").asText("info")))
        .append(" <strong>")
        .append(text(e.path("type").asText()))
        .append("</strong> · ")
        .append(text(e.path("platform").asText()));
    if (e.hasNonNull("upgradeId")) {
      html.append(" · <a href=\"/upgrades/")
          .append(segment(e.path("upgradeId").asText()))
          .append("\">")
          .append(text(e.path("upgradeId").asText()))
          .append("</a>");
    }
    html.append(" · ")
        .append(time(e.path("time").asText()))
        .append("</p><p class=\"entry-subject\">")
        .append(text(e.path("subject").asText()))
        .append("</p><p class=\"entry-body\">")
        .append(text(e.path("body").asText()))
        .append("</p></li>");
    return html.toString();
  }

  private static Event<String> closed(String message) {
    return Event.of(text(message)).name("closed");
  }

  private static Optional<String> entryId(String value) {
    if (value == null || !value.trim().matches("\\d{1,18}")) {
      return Optional.empty();
    }
    return Optional.of(value.trim());
  }

  private static MutableHttpResponse<String> refused(
      Session session, String title, String lead, ServiceApis.Answer answer) {
    return Layout.html(
        answer.pageStatus(),
        Layout.page(
            title,
            session,
            "<h1>"
                + text(title)
                + "</h1><p>"
                + text(lead)
                + "</p>"
                + Errors.list(answer)
                + "<p><a href=\"/feeds\">All feeds</a></p>"));
  }
}
