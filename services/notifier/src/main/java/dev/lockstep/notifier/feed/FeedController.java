package dev.lockstep.notifier.feed;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import dev.lockstep.runtime.http.ApiException;
import dev.lockstep.runtime.security.PlatformAccess;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The team feeds: {@code GET /api/v1/feeds/{team}} (JSON, newest first, paginated with {@code
 * limit} and the {@code before} cursor), {@code /api/v1/feeds/{team}.atom} (Atom 1.0) and {@code
 * /api/v1/feeds/{team}/stream} (server-sent events whose ids are entry ids; a client that
 * reconnects with {@code Last-Event-ID} gets every entry after it, then the live ones). A team that
 * has no feed (neither subscribed nor with entries) is 404.
 */
@Controller("/api/v1/feeds")
@Secured({Roles.VIEWER, Roles.SUBMITTER, Roles.APPROVER})
public class FeedController {
  private static final int MAX_LIMIT = 200;
  private static final int RESUME_BATCH = 500;
  private static final String TEAM = "[a-z0-9][a-z0-9-]*";

  private final FeedStore store;
  private final FeedBus bus;
  private final SubscriptionStore subscriptions;
  private final Clock clock;

  public FeedController(
      FeedStore store, FeedBus bus, SubscriptionStore subscriptions, Clock clock) {
    this.store = store;
    this.bus = bus;
    this.subscriptions = subscriptions;
    this.clock = clock;
  }

  /**
   * Refuses a team that has no feed: 400 for a name with a NUL character, 404 for a team that is
   * neither subscribed now nor has entries from an earlier subscription.
   */
  private void requireTeam(String team) {
    if (team.indexOf('\0') >= 0) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST,
          "invalid-character",
          "team",
          "a team name must not contain a NUL character");
    }
    // The stored document: another replica may have added the team since this one loaded it.
    boolean subscribed =
        subscriptions.read().document().subscriptions().stream()
            .anyMatch(s -> team.equals(s.team()));
    if (!subscribed && (!team.matches(TEAM) || !store.hasEntries(team))) {
      throw ApiException.of(
          HttpStatus.NOT_FOUND, "not-found", "team", "team '" + team + "' has no feed");
    }
  }

  /** A page of a team's feed as JSON, or with the {@code .atom} suffix as Atom. */
  @Get(
      uri = "/{team}",
      produces = {MediaType.APPLICATION_JSON, MediaType.APPLICATION_ATOM_XML})
  public HttpResponse<String> page(
      HttpRequest<?> request,
      @PathVariable String team,
      @QueryValue(defaultValue = "50") int limit,
      @Nullable @QueryValue Long before,
      Authentication who)
      throws JsonProcessingException {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.of(
          HttpStatus.BAD_REQUEST, "invalid-parameter", "limit", "limit must be 1 to " + MAX_LIMIT);
    }
    boolean atom = team.endsWith(".atom");
    String name = atom ? team.substring(0, team.length() - ".atom".length()) : team;
    requireTeam(name);
    List<FeedEntry> page = store.page(name, before, limit);
    // a token limited to some platforms sees the entries of those alone (the cursor stays the
    // page's, so paging does not stop at a page the filter emptied)
    List<FeedEntry> entries =
        page.stream().filter(e -> PlatformAccess.allows(who, e.platform())).toList();
    if (atom) {
      return HttpResponse.ok(
              AtomFeed.write(name, entries, request.getUri().toString(), clock.instant()))
          .contentType(MediaType.APPLICATION_ATOM_XML_TYPE);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("team", name);
    body.put("entries", entries);
    if (page.size() == limit) {
      body.put("next", page.get(page.size() - 1).id());
    }
    return HttpResponse.ok(Json.mapper().writeValueAsString(body))
        .contentType(MediaType.APPLICATION_JSON_TYPE);
  }

  /** The live stream of a team's feed, resumable with {@code Last-Event-ID}. */
  @Get(uri = "/{team}/stream", produces = MediaType.TEXT_EVENT_STREAM)
  public Publisher<Event<String>> stream(
      @PathVariable String team,
      @Nullable @Header("Last-Event-ID") String lastEventId,
      Authentication who) {
    requireTeam(team);
    long start;
    if (lastEventId == null || lastEventId.isBlank()) {
      start = -1;
    } else {
      try {
        start = Long.parseLong(lastEventId.trim());
      } catch (NumberFormatException e) {
        throw ApiException.of(
            HttpStatus.BAD_REQUEST,
            "invalid-parameter",
            "Last-Event-ID",
            "Last-Event-ID must be an entry id");
      }
    }
    return Flux.<Event<String>>create(
            sink -> {
              Object lock = new Object();
              long[] last = {start};
              Consumer<FeedEntry> live =
                  entry -> {
                    synchronized (lock) {
                      if (entry.id() > last[0]) {
                        last[0] = entry.id();
                        if (PlatformAccess.allows(who, entry.platform())) {
                          sink.next(event(entry));
                        }
                      }
                    }
                  };
              synchronized (lock) {
                bus.subscribe(team, live);
                sink.onDispose(() -> bus.unsubscribe(team, live));
                if (last[0] < 0) {
                  last[0] = store.newestId();
                } else {
                  List<FeedEntry> missed;
                  do {
                    missed = store.after(team, last[0], RESUME_BATCH);
                    for (FeedEntry entry : missed) {
                      last[0] = entry.id();
                      if (PlatformAccess.allows(who, entry.platform())) {
                        sink.next(event(entry));
                      }
                    }
                  } while (missed.size() == RESUME_BATCH);
                }
              }
            })
        .subscribeOn(Schedulers.boundedElastic());
  }

  private static Event<String> event(FeedEntry entry) {
    try {
      return Event.of(Json.mapper().writeValueAsString(entry))
          .id(String.valueOf(entry.id()))
          .name(entry.type());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write feed entry " + entry.id(), e);
    }
  }
}
