package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rometools.rome.feed.synd.SyndEntry;
import com.rometools.rome.feed.synd.SyndFeed;
import com.rometools.rome.io.SyndFeedInput;
import com.rometools.rome.io.XmlReader;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.GateFailed;
import dev.lockstep.events.v1.NotificationDelivered;
import dev.lockstep.events.v1.PlanCreated;
import dev.lockstep.events.v1.PlanMode;
import dev.lockstep.events.v1.UpgradeCompleted;
import dev.lockstep.events.v1.UpgradeStarted;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.context.ApplicationContext;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Team feeds as JSON pages, as Atom a feed reader accepts, and as a resumable SSE stream. */
class TeamFeedIT {
  private static final String PAGED = TestingNotifier.unique("paged");
  private static final String ATOM = TestingNotifier.unique("atom");
  private static final String STREAM = TestingNotifier.unique("stream");
  private static final String TOLD = TestingNotifier.unique("told");
  private static ApplicationContext context;
  private static TestingApi api;

  @BeforeAll
  static void start() throws Exception {
    String yaml =
        """
        subscriptions:
          - { team: paged-ops, filter: { platforms: [%s] } }
          - { team: paged-devs, filter: { platforms: [%s], eventTypes: [gate.failed] } }
          - { team: atom-ops, filter: { platforms: [%s] } }
          - { team: stream-ops, filter: { platforms: [%s] } }
          - { team: told-ops, filter: { platforms: [%s] } }
          - { team: told-devs, filter: { platforms: [%s], eventTypes: [gate.failed] } }
        """
            .formatted(PAGED, PAGED, ATOM, STREAM, TOLD, TOLD);
    context =
        TestingNotifier.start(
            TestingNotifier.database("notifier_feeds"),
            TestingNotifier.unique("notifier-feeds"),
            TestingNotifier.subscriptions(yaml),
            Map.of());
    api = new TestingApi(context);
  }

  @AfterAll
  static void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Test
  void aFeedPagesNewestFirstAndEachTeamSeesItsOwnNotices() throws Exception {
    List<String> ids = upgrade(PAGED, "paged-ops");
    feedSize("paged-ops", 4);

    JsonNode first = json(api.get("/api/v1/feeds/paged-ops?limit=3", Roles.VIEWER));
    JsonNode second =
        json(
            api.get(
                "/api/v1/feeds/paged-ops?limit=3&before=" + first.get("next").asLong(),
                Roles.VIEWER));

    // Events of different topics have no order among them: the feed is in the order the
    // notifier took them in (entry ids), newest first.
    List<String> notices = new ArrayList<>();
    List<Long> entryIds = new ArrayList<>();
    for (JsonNode page : List.of(first, second)) {
      page.get("entries")
          .forEach(
              e -> {
                notices.add(e.get("noticeId").asText());
                entryIds.add(e.get("id").asLong());
              });
    }
    assertThat(notices).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(entryIds)
        .isSortedAccordingTo(java.util.Comparator.reverseOrder())
        .doesNotHaveDuplicates();
    assertThat(second.has("next")).isFalse();
    JsonNode devs = json(api.get("/api/v1/feeds/paged-devs", Roles.VIEWER));
    assertThat(devs.get("entries")).hasSize(1);
    assertThat(devs.at("/entries/0/type").asText()).isEqualTo("gate.failed");
    assertThat(devs.at("/entries/0/severity").asText()).isEqualTo("warning");
    assertThat(api.get("/api/v1/feeds/paged-ops", null).statusCode()).isEqualTo(401);
    assertThat(api.get("/api/v1/feeds/paged-ops?limit=0", Roles.VIEWER).statusCode())
        .isEqualTo(400);
  }

  @Test
  void theAtomFeedIsReadByAFeedLibrary() throws Exception {
    List<String> ids = upgrade(ATOM, "atom-ops");
    feedSize("atom-ops", 4);

    HttpResponse<String> response = api.get("/api/v1/feeds/atom-ops.atom", Roles.VIEWER);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/atom+xml");
    SyndFeed feed =
        new SyndFeedInput()
            .build(
                new XmlReader(
                    new ByteArrayInputStream(response.body().getBytes(StandardCharsets.UTF_8))));
    assertThat(feed.getFeedType()).isEqualTo("atom_1.0");
    assertThat(feed.getTitle()).isEqualTo("Lockstep: atom-ops");
    assertThat(feed.getEntries()).hasSize(4);
    JsonNode newestJson =
        json(api.get("/api/v1/feeds/atom-ops?limit=1", Roles.VIEWER)).at("/entries/0");
    SyndEntry newest = feed.getEntries().get(0);
    assertThat(newest.getUri()).endsWith(newestJson.get("noticeId").asText());
    assertThat(newest.getTitle()).isEqualTo(newestJson.get("subject").asText());
    assertThat(feed.getEntries())
        .extracting(e -> e.getUri().substring(e.getUri().lastIndexOf(':') + 1))
        .containsExactlyInAnyOrderElementsOf(ids);
    SyndEntry completed =
        feed.getEntries().stream()
            .filter(e -> e.getUri().endsWith(ids.get(3)))
            .findFirst()
            .orElseThrow();
    assertThat(completed.getTitle()).isEqualTo("[" + ATOM + "] Upgrade completed: 2.4.0");
    assertThat(completed.getContents().get(0).getValue())
        .contains("metis (core-kernel): 2.3.1 -> 2.4.0");
    assertThat(newest.getPublishedDate()).isNotNull();
  }

  @Test
  void theStreamSendsTheBacklogThenLiveEntriesAndResumesFromTheLastEventId() throws Exception {
    List<String> ids = upgrade(STREAM, "stream-ops");
    feedSize("stream-ops", 4);

    List<Sse> seen = new ArrayList<>();
    try (SseReader stream = new SseReader(api, "/api/v1/feeds/stream-ops/stream", "0")) {
      for (int i = 0; i < 4; i++) {
        seen.add(stream.next());
      }
      assertThat(seen).extracting(Sse::noticeId).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(seen).extracting(e -> Long.parseLong(e.id())).isSorted();
      String upgrade = TestingNotifier.unique("u");
      EventEnvelope live =
          TestingNotifier.publish(
              context,
              STREAM,
              upgrade,
              new UpgradeStarted(upgrade, STREAM, PlanMode.UPGRADE, null, 1, 1));
      Sse liveEntry = stream.next();
      assertThat(liveEntry.noticeId()).isEqualTo(live.id());
      assertThat(liveEntry.event()).isEqualTo("upgrade.started");
      seen.add(liveEntry);
    }

    // While nobody listens, another notice arrives; a client that resumes gets it first.
    String upgrade = TestingNotifier.unique("u");
    EventEnvelope missed =
        TestingNotifier.publish(
            context,
            STREAM,
            upgrade,
            new UpgradeStarted(upgrade, STREAM, PlanMode.UPGRADE, null, 1, 1));
    feedSize("stream-ops", 6);
    try (SseReader resumed =
        new SseReader(api, "/api/v1/feeds/stream-ops/stream", seen.get(seen.size() - 1).id())) {
      Sse first = resumed.next();
      assertThat(first.noticeId()).isEqualTo(missed.id());
      assertThat(Long.parseLong(first.id())).isGreaterThan(Long.parseLong(seen.get(4).id()));
    }
  }

  @Test
  void everyFeedEntryIsToldAsADeliveryOnTheTeamsFeed() throws Exception {
    List<String> ids = upgrade(TOLD, "told-ops");
    feedSize("told-ops", 4);

    List<TestingNotifier.Outcome> outcomes = TestingNotifier.feedOutcomes(TOLD, 5);

    // What the rca-recorder reads to say who was told what: one notification.delivered per entry,
    // the channel being the team's feed.
    assertThat(outcomes)
        .extracting(o -> (NotificationDelivered) o.event().data())
        .extracting(d -> d.team() + " " + d.channel().type() + ":" + d.channel().name())
        .containsExactlyInAnyOrder(
            "told-ops feed:told-ops",
            "told-ops feed:told-ops",
            "told-ops feed:told-ops",
            "told-ops feed:told-ops",
            "told-devs feed:told-devs");
    assertThat(outcomes)
        .filteredOn(o -> ((NotificationDelivered) o.event().data()).team().equals("told-ops"))
        .extracting(o -> ((NotificationDelivered) o.event().data()).sourceEventId())
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(outcomes)
        .filteredOn(o -> ((NotificationDelivered) o.event().data()).team().equals("told-devs"))
        .extracting(o -> o.event().causationId())
        .containsExactly(ids.get(2));
    assertThat(outcomes).extracting(o -> o.event().id()).doesNotHaveDuplicates();
  }

  /** Publishes plan, start, a failed gate and the completion of an upgrade; their event ids. */
  private static List<String> upgrade(String platform, String team) throws InterruptedException {
    String upgrade = TestingNotifier.unique("u");
    List<String> ids = new ArrayList<>();
    ids.add(
        TestingNotifier.publish(
                context,
                platform,
                upgrade,
                new PlanCreated(TestingNotifier.plan(platform, upgrade, null), "alice", null))
            .id());
    // The plan travels on another topic than the execution events: let it arrive first, as it
    // does in life, so that later notices show its version table.
    feedSize(team, 1);
    ids.add(
        TestingNotifier.publish(
                context,
                platform,
                upgrade,
                new UpgradeStarted(upgrade, platform, PlanMode.UPGRADE, null, 1, 2))
            .id());
    ids.add(
        TestingNotifier.publish(
                context,
                platform,
                upgrade,
                new GateFailed(upgrade, "g-1", "error-rate", "prometheus", "flaky", List.of()))
            .id());
    ids.add(
        TestingNotifier.publish(
                context, platform, upgrade, new UpgradeCompleted(upgrade, platform, List.of()))
            .id());
    return ids;
  }

  private static void feedSize(String team, int size) throws InterruptedException {
    Poll.until(
        () -> {
          try {
            return json(api.get("/api/v1/feeds/" + team + "?limit=100", Roles.VIEWER))
                .get("entries")
                .size();
          } catch (Exception e) {
            return -1;
          }
        },
        n -> n >= size,
        java.time.Duration.ofSeconds(30));
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  /** One server-sent event: its id, name and the entry's notice id. */
  record Sse(String id, String event, String noticeId) {}

  /** Reads server-sent events line by line with the JDK client, on a thread of its own. */
  static final class SseReader implements AutoCloseable {
    private final BlockingQueue<Sse> events = new ArrayBlockingQueue<>(100);
    private final Thread reader;
    private final java.io.InputStream raw;
    private final BufferedReader lines;

    SseReader(TestingApi api, String path, String lastEventId) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(api.base() + path))
              .header("Authorization", "Bearer " + api.token(Roles.VIEWER))
              .header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      HttpResponse<java.io.InputStream> response =
          HttpClient.newHttpClient()
              .send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      raw = response.body();
      lines = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8));
      reader = new Thread(this::read, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }

    private void read() {
      String id = null;
      String event = null;
      StringBuilder data = new StringBuilder();
      try {
        String line;
        while ((line = lines.readLine()) != null) {
          if (line.isEmpty()) {
            if (data.length() > 0) {
              String noticeId = Json.mapper().readTree(data.toString()).get("noticeId").asText();
              events.put(new Sse(id, event, noticeId));
            }
            id = null;
            event = null;
            data.setLength(0);
          } else if (line.startsWith("id:")) {
            id = line.substring(3).trim();
          } else if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).trim());
          }
        }
      } catch (Exception e) {
        // the stream was closed
      }
    }

    Sse next() throws InterruptedException {
      Sse event = events.poll(30, TimeUnit.SECONDS);
      assertThat(event).as("a server-sent event within 30 s").isNotNull();
      return event;
    }

    @Override
    public void close() throws Exception {
      // Closing the raw stream ends the connection; the reader may hold the reader's lock.
      raw.close();
      reader.interrupt();
    }
  }
}
