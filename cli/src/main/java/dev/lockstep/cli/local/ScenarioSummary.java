package dev.lockstep.cli.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * How an upgrade of the local mode ended, as it prints it after the scenario: the version table,
 * what each team's feed shows, and the post-mortem, written next to the logs.
 */
final class ScenarioSummary {

  /** The notifier's consumer group in the local mode (its default). */
  private static final String NOTIFIER_GROUP = "notifier";

  /** How long the summary waits for the notifier to handle the upgrade's last events. */
  private static final Duration NOTIFIER_CATCH_UP = Duration.ofSeconds(20);

  /** How long the summary waits for a service that died and is being started again. */
  private static final Duration SERVICE_BACK_WITHIN = Duration.ofSeconds(90);

  private ScenarioSummary() {}

  /**
   * Prints the summary of an upgrade.
   *
   * @param upgrade the recorder's final view of it
   * @param http a client with a token that may read it
   * @param services the services to ask
   * @param bootstrapServers the broker, to see how far the notifier has got
   * @param teams the teams whose feeds are shown
   * @param directory where the post-mortem is written
   * @param say takes each line
   */
  static void print(
      JsonNode upgrade,
      LocalHttp http,
      LocalServices services,
      String bootstrapServers,
      List<String> teams,
      Path directory,
      Consumer<String> say) {
    String id = upgrade.path("upgradeId").asText();
    // the feeds are the notifier's: wait until it has handled what the upgrade published
    boolean notified =
        ConsumerGroupProgress.awaitCaughtUp(bootstrapServers, NOTIFIER_GROUP, NOTIFIER_CATCH_UP);
    say.accept("");
    say.accept("upgrade " + id + ": " + upgrade.path("status").asText());
    say.accept(String.format("  %-15s %-10s %-10s %s", "COMPONENT", "FROM", "TO", "STATE"));
    for (JsonNode v : upgrade.path("versions")) {
      say.accept(
          String.format(
              "  %-15s %-10s %-10s %s",
              v.path("component").asText(),
              v.path("from").asText("-"),
              v.path("to").asText("-"),
              v.path("state").asText()));
    }
    say.accept("");
    say.accept(
        notified
            ? "what the teams' feeds show:"
            : "what the teams' feeds show (the notifier is still catching up: the latest notices"
                + " may be missing):");
    for (String team : teams) {
      URI feedUri = services.url(LockstepService.NOTIFIER).resolve("/api/v1/feeds/" + encode(team));
      JsonNode feed =
          LocalHttp.whenReachable(Instant.now().plus(SERVICE_BACK_WITHIN), () -> http.get(feedUri));
      List<JsonNode> entries = new ArrayList<>();
      if (feed != null) {
        feed.path("entries").forEach(entries::add);
      }
      say.accept("  team " + team + " (" + entries.size() + " entries, newest first):");
      entries.stream()
          .limit(6)
          .forEach(
              e ->
                  say.accept(
                      "    " + e.path("severity").asText() + "  " + e.path("subject").asText()));
    }
    Path postmortem = directory.resolve("postmortem-" + id + ".md");
    URI postmortemUri =
        services
            .url(LockstepService.RECORDER)
            .resolve("/api/v1/upgrades/" + encode(id) + "/postmortem");
    String markdown =
        LocalHttp.whenReachable(
            Instant.now().plus(SERVICE_BACK_WITHIN),
            () -> http.getText(postmortemUri, "text/markdown"));
    try {
      Files.writeString(postmortem, markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    say.accept("");
    say.accept("post-mortem: " + postmortem.toAbsolutePath());
    say.accept(
        "  also: ./lockstep postmortem "
            + id
            + "   ./lockstep replay "
            + id
            + "   ./lockstep status "
            + id);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
