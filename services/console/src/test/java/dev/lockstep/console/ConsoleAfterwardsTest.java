package dev.lockstep.console;

import static dev.lockstep.console.TestingConsole.field;
import static dev.lockstep.console.TestingConsole.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lockstep.console.TestingConsole.Sse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Afterwards in the console, over real HTTP against real servers standing in for the recorder and
 * the notifier: a replay plays an upgrade's recorded events in their order, its state changing with
 * them, faster at a higher speed; notes show on the post-mortem and are added with the operator's
 * token and the session's CSRF token, a refusal showing with its path; a team's feed shows its
 * entries escaped and follows new ones, and a team the notifier refuses is a clear page.
 */
class ConsoleAfterwardsTest {
  /** The events of u-9, a minute apart: planned, one step, a failed gate, rolled back. */
  private static final List<String> EVENTS =
      List.of(
          event(0, "e1", "upgrade.requested", "u-9", "{\"requestedBy\":\"ops\"}"),
          event(
              1,
              "e2",
              "plan.created",
              "u-9",
              "{\"requestedBy\":\"ops\",\"plan\":{\"upgradeId\":\"u-9\",\"mode\":\"upgrade\","
                  + "\"fromRelease\":\"1.0.0\",\"toRelease\":\"2.0.0\",\"versions\":[{\"component\":"
                  + "\"postgres\",\"layer\":\"cloud-kernel\",\"from\":\"15.3.0\",\"to\":\"15.4.0\"}],"
                  + "\"waves\":[{\"index\":0,\"layer\":\"cloud-kernel\",\"steps\":[{\"id\":\"s1\","
                  + "\"component\":\"postgres\",\"action\":\"set-image\",\"from\":\"15.3.0\","
                  + "\"to\":\"15.4.0\"}],\"gates\":[{\"name\":\"error-rate\",\"kind\":\"prometheus\","
                  + "\"spec\":{\"prometheus\":{\"successCondition\":\"result < 0.01\"}}}]}]}}"),
          event(
              2, "e3", "upgrade.started", "u-9", "{\"mode\":\"upgrade\",\"waves\":1,\"steps\":1}"),
          event(
              3,
              "e4",
              "step.started",
              "u-9",
              "{\"stepId\":\"s1\",\"wave\":0,\"component\":\"postgres\",\"action\":\"set-image\"}"),
          event(
              4,
              "e5",
              "step.succeeded",
              "u-9",
              "{\"stepId\":\"s1\",\"wave\":0,\"component\":\"postgres\",\"action\":\"set-image\"}"),
          event(
              5,
              "e6",
              "gate.requested",
              "u-9",
              "{\"gateId\":\"g1\",\"wave\":0,\"gate\":{\"name\":\"error-rate\","
                  + "\"kind\":\"prometheus\"}}"),
          event(
              6,
              "e7",
              "gate.failed",
              "u-9",
              "{\"gateId\":\"g1\",\"gateName\":\"error-rate\",\"kind\":\"prometheus\","
                  + "\"reason\":\"error rate 0.2\",\"measurements\":[{\"index\":0,"
                  + "\"phase\":\"failed\",\"value\":\"0.2\",\"measuredAt\":\"2026-12-07T04:06:00Z\"}]}"),
          event(
              7,
              "e8",
              "upgrade.failed",
              "u-9",
              "{\"reason\":\"gate error-rate failed\",\"failedGateId\":\"g1\",\"cancelled\":false,"
                  + "\"history\":[{}]}"),
          event(
              8,
              "e9",
              "plan.created",
              "r-9",
              "{\"plan\":{\"upgradeId\":\"r-9\",\"mode\":\"rollback\",\"rollbackOf\":\"u-9\","
                  + "\"fromRelease\":\"2.0.0\",\"toRelease\":\"1.0.0\",\"waves\":[]}}"),
          event(
              9,
              "e10",
              "rollback.completed",
              "r-9",
              "{\"rollbackOf\":\"u-9\",\"versions\":[{\"component\":\"postgres\"}]}"));

  private static TestingServices recorder;
  private static HttpServer notifier;
  private static ExecutorService notifierThreads;
  private static final List<String> NOTIFIER_SEEN = new CopyOnWriteArrayList<>();
  private static TestingConsole console;

  @BeforeAll
  static void start() throws Exception {
    recorder = new TestingServices();
    recorder.answer("/api/v1/upgrades/u-9/replay", String.join("\n", EVENTS) + "\n");
    recorder.answer("/api/v1/upgrades/u-9/timeline", "{\"phases\":[]}");
    recorder.answer("/api/v1/upgrades/u-9/postmortem?format=html", "<p>report</p>");
    recorder.answer(
        "/api/v1/upgrades/u-9/notes",
        "[{\"id\":1,\"upgradeId\":\"u-9\",\"author\":\"ops\",\"text\":\"<i>db slow</i>\","
            + "\"createdAt\":\"2026-12-07T05:00:00Z\"}]");
    recorder.answerPost(
        "/api/v1/upgrades/u-9/notes",
        201,
        "{\"id\":2,\"upgradeId\":\"u-9\",\"author\":\"submitter-1\",\"text\":\"rolled back by hand\","
            + "\"createdAt\":\"2026-12-07T06:00:00Z\"}");
    recorder.answerPost(
        "/api/v1/upgrades/u-8/notes",
        400,
        "{\"errors\":[{\"code\":\"invalid-request\",\"path\":\"text\","
            + "\"message\":\"a note needs a non-empty text\"}]}");
    recorder.answerPost(
        "/api/v1/upgrades/u-6/notes",
        401,
        "{\"errors\":[{\"code\":\"unauthorized\",\"path\":\"\","
            + "\"message\":\"the token has expired\"}]}");

    notifierThreads = Executors.newCachedThreadPool();
    notifier = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    notifier.setExecutor(notifierThreads);
    notifier.createContext("/", ConsoleAfterwardsTest::notifier);
    notifier.start();

    console =
        TestingConsole.start(
            recorder,
            Map.of(
                "lockstep.console.notifier-url",
                "http://127.0.0.1:" + notifier.getAddress().getPort(),
                "lockstep.console.poll-interval",
                "100ms"));
  }

  @AfterAll
  static void stop() throws Exception {
    TestingConsole.closeAll(console, recorder);
    if (notifier != null) {
      notifier.stop(0);
      notifierThreads.shutdownNow();
    }
  }

  /** The notifier: two teams, one whose feed the token may not see, and a live stream. */
  private static void notifier(HttpExchange exchange) throws IOException {
    String uri = exchange.getRequestURI().toString();
    String lastEventId = exchange.getRequestHeaders().getFirst("Last-Event-ID");
    NOTIFIER_SEEN.add(
        uri
            + " "
            + exchange.getRequestHeaders().getFirst("Authorization")
            + " Last-Event-ID="
            + lastEventId);
    if (uri.equals("/api/v1/feeds/operators/stream")) {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      out.write(
          ("id: 8\nevent: upgrade.failed\ndata: "
                  + entry(8, "critical", "u-9 failed <img src=x onerror=alert(1)>")
                  + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
      return;
    }
    int status;
    String body;
    switch (uri) {
      case "/api/v1/subscriptions" -> {
        status = 200;
        body =
            "{\"subscriptions\":[{\"team\":\"operators\",\"channels\":[]},"
                + "{\"team\":\"consumers\",\"channels\":[]},{\"team\":\"operators\"}]}";
      }
      case "/api/v1/feeds/operators?limit=50" -> {
        status = 200;
        body =
            "{\"team\":\"operators\",\"entries\":["
                + entry(7, "warning", "u-9 <script>alert(1)</script> rolling back")
                + ","
                + entry(6, "info", "u-9 started")
                + "]}";
      }
      case "/api/v1/feeds/consumers?limit=50", "/api/v1/feeds/consumers/stream" -> {
        status = 403;
        body =
            "{\"errors\":[{\"code\":\"forbidden\",\"path\":\"team\","
                + "\"message\":\"the token may not read the feed of consumers\"}]}";
      }
      default -> {
        status = 404;
        body = "{\"errors\":[{\"code\":\"not-found\",\"path\":\"team\",\"message\":\"no feed\"}]}";
      }
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static String entry(long id, String severity, String subject) {
    return "{\"id\":"
        + id
        + ",\"team\":\"operators\",\"noticeId\":\"n"
        + id
        + "\",\"type\":\"upgrade.failed\",\"severity\":\""
        + severity
        + "\",\"platform\":\"dataos-a\",\"upgradeId\":\"u-9\",\"time\":\"2026-12-07T04:0"
        + id
        + ":00Z\",\"subject\":\""
        + subject
        + "\",\"body\":\"see the post-mortem\"}";
  }

  @Test
  void theReplayPlaysTheEventsInOrderAndTheStateChangesWithThem() throws Exception {
    String cookie = console.signIn(token("viewer-1", List.of("viewer")));

    HttpResponse<String> start = console.get("/upgrades/u-9/replay", cookie);
    assertThat(start.statusCode()).isEqualTo(200);
    assertThat(start.body())
        .contains("Nothing played yet")
        .contains("href=\"/upgrades/u-9/replay?speed=10&amp;at=0\"")
        .contains("href=\"/upgrades/u-9/replay?speed=max&amp;at=0\"")
        .doesNotContain("sse-connect");
    HttpResponse<String> playing = console.get("/upgrades/u-9/replay?speed=600&at=0", cookie);
    assertThat(playing.body())
        .contains("sse-connect=\"/upgrades/u-9/replay/stream?speed=600&amp;at=0\"")
        .contains("sse-close=\"end\"")
        .contains("sse-swap=\"end\"");

    // a minute between events at 600x: a frame every 100 ms, each with its event
    List<Sse> frames = stream("/upgrades/u-9/replay/stream?speed=600&at=0", cookie, null, true);
    assertThat(frames.get(frames.size() - 1).name()).isEqualTo("end");
    List<Sse> states = frames.stream().filter(f -> f.name().equals("state")).toList();
    List<String> played = new ArrayList<>();
    List<String> statuses = new ArrayList<>();
    List<String> stepStates = new ArrayList<>();
    for (Sse frame : states) {
      played.addAll(all(frame.data(), "data-event=\"([^\"]+)\""));
      statuses.addAll(all(frame.data(), "Status <span class=\"state state-([a-z-]+)\""));
      stepStates.addAll(
          all(frame.data(), "<li class=\"step\"><span class=\"state state-([a-z-]+)\""));
    }
    assertThat(played).containsExactly("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "e10");
    // each frame's id is the point it reached, so a reconnect resumes after it
    assertThat(states.stream().map(f -> Integer.parseInt(f.id())).toList())
        .containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assertThat(dedupe(statuses))
        .containsExactly(
            "queued", "running", "waiting-gate", "failed", "rolling-back", "rolled-back");
    assertThat(dedupe(stepStates)).containsExactly("pending", "running", "succeeded");
    String last = states.get(states.size() - 1).data();
    assertThat(last)
        .contains("state-ended")
        .contains("Play again from the start")
        .contains("error rate 0.2")
        .contains("rolled-back");
    // what acts on the upgrade now has no place in its past
    assertThat(last).doesNotContain("class=\"actions\"").doesNotContain("Approve…");

    // paused at a point: the state then, the event played there, no stream
    HttpResponse<String> paused =
        console.get("/upgrades/u-9/replay?speed=10&at=6&paused=true", cookie);
    assertThat(paused.statusCode()).isEqualTo(200);
    assertThat(paused.body())
        .contains("state-paused")
        .contains("event <span class=\"point\">6</span> of 10")
        .contains("data-event=\"e6\"")
        .contains("Status <span class=\"state state-waiting-gate\"")
        .doesNotContain("sse-connect");

    // a reconnecting browser goes on from the point its last frame reached
    List<Sse> resumed = stream("/upgrades/u-9/replay/stream?speed=max&at=0", cookie, "8", true);
    assertThat(all(resumed.get(0).data(), "data-event=\"([^\"]+)\"")).startsWith("e9");

    HttpResponse<String> wrong = console.get("/upgrades/u-9/replay?speed=fast&at=99", cookie);
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(wrong.body()).contains("invalid-request at speed").contains("invalid-request at at");
  }

  @Test
  void aFasterReplayWaitsLess() throws Exception {
    String cookie = console.signIn(token("viewer-2", List.of("viewer")));
    // at max it plays to its end
    List<Sse> max = stream("/upgrades/u-9/replay/stream?speed=max&at=0", cookie, null, true);
    assertThat(max.get(max.size() - 1).name()).isEqualTo("end");
    assertThat(max).anySatisfy(f -> assertThat(f.data()).contains("data-event=\"e10\""));

    // at 1x the upgrade's nine minutes take nine minutes: after a second, the first event has
    // played and the replay has not ended
    List<Sse> slow = stream("/upgrades/u-9/replay/stream?speed=1&at=0", cookie, null, false);
    assertThat(slow).isNotEmpty();
    assertThat(slow.get(0).data()).contains("data-event=\"e1\"");
    assertThat(slow).noneSatisfy(f -> assertThat(f.name()).isEqualTo("end"));
    assertThat(slow).noneSatisfy(f -> assertThat(f.data()).contains("data-event=\"e2\""));
  }

  @Test
  void notesAreShownAndAddedWithTheOperatorsTokenAndTheSessionsCsrfToken() throws Exception {
    String token = token("submitter-1", List.of("viewer", "submitter"));
    String cookie = console.signIn(token);

    HttpResponse<String> page = console.get("/upgrades/u-9/postmortem", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("href=\"/upgrades/u-9/replay\"")
        .contains("<h2 id=\"notes-title\">Notes</h2>")
        .contains("&lt;i&gt;db slow&lt;/i&gt;")
        .doesNotContain("<i>db slow</i>")
        .contains("datetime=\"2026-12-07T05:00:00Z\"")
        .contains("action=\"/upgrades/u-9/notes\"");
    String csrf = field(page.body(), "csrf");

    HttpResponse<String> forged = console.post("/upgrades/u-9/notes", cookie, Map.of("text", "hi"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("Note not added");
    assertThat(recorder.seen()).noneSatisfy(s -> assertThat(s.method()).isEqualTo("POST"));

    HttpResponse<String> added =
        console.post(
            "/upgrades/u-9/notes", cookie, Map.of("csrf", csrf, "text", "rolled back by hand"));
    assertThat(added.statusCode()).isEqualTo(200);
    assertThat(added.body())
        .contains("Note added")
        .contains("rolled back by hand")
        .contains("submitter-1");
    assertThat(recorder.seen())
        .anySatisfy(
            s -> {
              assertThat(s.method()).isEqualTo("POST");
              assertThat(s.uri()).isEqualTo("/api/v1/upgrades/u-9/notes");
              assertThat(s.authorization()).isEqualTo("Bearer " + token);
              assertThat(s.body()).isEqualTo("{\"text\":\"rolled back by hand\"}");
            });

    // a viewer reads the notes but is offered no form, and cannot post one
    String viewer = console.signIn(token("viewer-3", List.of("viewer")));
    HttpResponse<String> read = console.get("/upgrades/u-9/postmortem", viewer);
    assertThat(read.body())
        .contains("&lt;i&gt;db slow&lt;/i&gt;")
        .contains("Adding a note needs a token with the submitter role")
        .doesNotContain("action=\"/upgrades/u-9/notes\"");
    HttpResponse<String> refused =
        console.post(
            "/upgrades/u-9/notes",
            viewer,
            Map.of("csrf", field(read.body(), "csrf"), "text", "from a viewer"));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(recorder.seen()).noneSatisfy(s -> assertThat(s.body()).contains("from a viewer"));
  }

  @Test
  void aNoteTheRecorderRefusesShowsItsErrorsWithTheirPaths() throws Exception {
    String cookie = console.signIn(token("submitter-2", List.of("submitter")));
    String csrf = field(console.get("/upgrades/u-9/postmortem", cookie).body(), "csrf");
    // the stand-in refuses for u-8 what the recorder refuses: a blank note
    HttpResponse<String> refused =
        console.post("/upgrades/u-8/notes", cookie, Map.of("csrf", csrf, "text", " "));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body())
        .contains("Note not added")
        .contains("invalid-request at text: a note needs a non-empty text")
        .contains("name=\"text\"");

    // any refusal keeps the recorder's own 4xx (an expired token is not a broken gateway)
    HttpResponse<String> expired =
        console.post("/upgrades/u-6/notes", cookie, Map.of("csrf", csrf, "text", "late"));
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.body()).contains("Note not added").contains("the token has expired");
  }

  @Test
  void aTeamsFeedShowsItsEntriesEscapedAndFollowsNewOnes() throws Exception {
    String token = token("viewer-4", List.of("viewer"));
    String cookie = console.signIn(token);

    HttpResponse<String> teams = console.get("/feeds", cookie);
    assertThat(teams.statusCode()).isEqualTo(200);
    assertThat(teams.body())
        .contains("href=\"/feeds\">Feeds</a>")
        .contains("href=\"/feeds/consumers\"")
        .contains("href=\"/feeds/operators\"");
    assertThat(all(teams.body(), "href=\"/feeds/operators\"")).hasSize(1);

    HttpResponse<String> feed = console.get("/feeds/operators", cookie);
    assertThat(feed.statusCode()).isEqualTo(200);
    assertThat(feed.body())
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
        .doesNotContain("<script>alert(1)</script>")
        .contains("state-warning\">warning</span>")
        .contains("datetime=\"2026-12-07T04:07:00Z\"")
        .contains("sse-connect=\"/feeds/operators/stream?after=7\"");
    assertThat(all(feed.body(), "data-entry=\"(\\d+)\"")).containsExactly("7", "6");

    List<Sse> live = stream("/feeds/operators/stream?after=7", cookie, null, false);
    assertThat(live).isNotEmpty();
    assertThat(live.get(0).name()).isEqualTo("entry");
    assertThat(live.get(0).id()).isEqualTo("8");
    assertThat(live.get(0).data())
        .contains("&lt;img src=x onerror=alert(1)&gt;")
        .doesNotContain("<img");
    // the stream went on from the newest entry the page showed, with the operator's token
    assertThat(NOTIFIER_SEEN)
        .contains("/api/v1/feeds/operators/stream Bearer " + token + " Last-Event-ID=7");
    assertThat(NOTIFIER_SEEN).noneSatisfy(s -> assertThat(s.split(" ")[0]).contains(token));
  }

  @Test
  void aFeedTheNotifierRefusesIsAClearPage() throws Exception {
    for (String page : List.of("/feeds", "/feeds/operators", "/upgrades/u-9/replay")) {
      assertThat(console.get(page, null).statusCode()).as(page).isEqualTo(303);
    }
    String cookie = console.signIn(token("viewer-5", List.of("viewer")));
    HttpResponse<String> refused = console.get("/feeds/consumers", cookie);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body())
        .contains("The notifier refused the feed of team consumers")
        .contains("forbidden at team: the token may not read the feed of consumers")
        .contains("href=\"/feeds\"");
    HttpResponse<String> unknown = console.get("/feeds/nobody%3Cb%3E", cookie);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("not-found at team: no feed").doesNotContain("nobody<b>");

    List<Sse> closed = stream("/feeds/consumers/stream", cookie, null, true);
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).name()).isEqualTo("closed");
    assertThat(closed.get(0).data()).contains("forbidden at team");
  }

  // ---- helpers

  /**
   * The events of a stream: to its end (the browser's {@code end} or {@code closed} ends it too),
   * or what came in the first second.
   */
  private static List<Sse> stream(String path, String cookie, String lastEventId, boolean toEnd)
      throws Exception {
    HttpResponse<InputStream> response = console.stream(path, cookie, lastEventId);
    List<Sse> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> reading =
        CompletableFuture.runAsync(
            () -> {
              try {
                TestingConsole.readEvents(
                    response.body(),
                    event -> {
                      events.add(event);
                      return !event.name().equals("end") && !event.name().equals("closed");
                    });
              } catch (IOException e) {
                // closed by the test
              }
            });
    if (toEnd) {
      reading.get(30, TimeUnit.SECONDS);
    } else {
      try {
        reading.get(1, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // still open, as it should be
      }
      response.body().close();
    }
    return List.copyOf(events);
  }

  private static List<String> all(String text, String regex) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(text);
    while (m.find()) {
      found.add(m.groupCount() > 0 ? m.group(1) : m.group());
    }
    return found;
  }

  private static List<String> dedupe(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String v : values) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(v)) {
        out.add(v);
      }
    }
    return out;
  }

  private static String event(int minute, String id, String type, String subject, String data) {
    return "{\"offsetMillis\":"
        + minute * 60_000L
        + ",\"event\":{\"specversion\":\"1.0\",\"id\":\""
        + id
        + "\",\"source\":\"urn:lockstep:test\",\"type\":\"dev.lockstep."
        + type
        + "\",\"subject\":\""
        + subject
        + "\",\"time\":\"2026-12-07T04:0"
        + minute
        + ":00Z\",\"platform\":\"dataos-a\",\"data\":"
        + data
        + "}}";
  }
}
