package dev.lockstep.notifier.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.message.Notice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grafana annotations through its HTTP API ({@code POST <url>/api/annotations}, bearer token): a
 * point at the start of an upgrade, and at its end a region from its start to its end. Settings:
 * {@code dashboardUid} and {@code panelId} (optional: without them the annotation is
 * organisation-wide); secrets {@code url} (Grafana's base URL) and {@code token}.
 */
public final class GrafanaSender implements ChannelSender {
  /** Types that end an upgrade or a rollback: annotated as a region when the start is known. */
  public static final Set<String> ENDS =
      Set.of(
          "upgrade.completed",
          "upgrade.failed",
          "rollback.completed",
          "rollback.failed",
          "upgrade.cancelled");

  private final ChannelPolicy policy;
  private final HttpSend http;

  public GrafanaSender(ChannelPolicy policy, Duration timeout) {
    this.policy = policy;
    this.http = new HttpSend(timeout);
  }

  @Override
  public String type() {
    return "grafana";
  }

  @Override
  public void send(Outgoing message) throws DeliveryException {
    var channel = message.channel();
    String url = policy.url(channel);
    String token = policy.secret(channel, "token");
    String body;
    try {
      body = Json.mapper().writeValueAsString(annotation(message));
    } catch (JsonProcessingException e) {
      throw new DeliveryException("cannot write the annotation: " + e.getOriginalMessage());
    }
    http.send(
        "POST",
        url.replaceAll("/+$", "") + "/api/annotations",
        body,
        Map.of("Authorization", "Bearer " + token),
        "grafana " + channel.name(),
        List.of(url, token));
  }

  /** The annotation of a message: a region for an end whose start is known, else a point. */
  public static Map<String, Object> annotation(Outgoing message) {
    Notice notice = message.notice();
    Map<String, Object> annotation = new LinkedHashMap<>();
    String dashboard = message.channel().setting("dashboardUid", null);
    if (dashboard != null) {
      annotation.put("dashboardUID", dashboard);
    }
    String panel = message.channel().setting("panelId", null);
    if (panel != null) {
      annotation.put("panelId", Long.parseLong(panel));
    }
    if (ENDS.contains(notice.type()) && notice.startedAt() != null) {
      annotation.put("time", notice.startedAt().toEpochMilli());
      annotation.put("timeEnd", notice.time().toEpochMilli());
    } else {
      annotation.put("time", notice.time().toEpochMilli());
    }
    List<String> tags = new ArrayList<>(List.of("lockstep", notice.platform(), notice.type()));
    if (notice.upgradeId() != null) {
      tags.add(notice.upgradeId());
    }
    annotation.put("tags", tags);
    annotation.put("text", message.subject());
    return annotation;
  }
}
