package dev.lockstep.notifier.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import dev.lockstep.events.v1.VersionChange;
import dev.lockstep.notifier.message.Notice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Slack incoming webhook: the message as Block Kit (a header, the body as mrkdwn, the version
 * table as fields, the links as context), with {@code text} as the notification fallback.
 */
public final class SlackSender implements ChannelSender {
  private static final int MAX_SECTION = 2900;
  private static final int MAX_FIELDS = 10;

  private final ChannelPolicy policy;
  private final HttpSend http;

  public SlackSender(ChannelPolicy policy, Duration timeout) {
    this.policy = policy;
    this.http = new HttpSend(timeout);
  }

  @Override
  public String type() {
    return "slack";
  }

  @Override
  public void send(Outgoing message) throws DeliveryException {
    String url = policy.url(message.channel());
    String body;
    try {
      body = Json.mapper().writeValueAsString(payload(message));
    } catch (JsonProcessingException e) {
      throw new DeliveryException("cannot write the Slack payload: " + e.getOriginalMessage());
    }
    http.send("POST", url, body, Map.of(), "slack " + message.channel().name(), List.of(url));
  }

  /** The Block Kit payload of a message. */
  public static Map<String, Object> payload(Outgoing message) {
    Notice notice = message.notice();
    List<Object> blocks = new ArrayList<>();
    blocks.add(
        Map.of(
            "type",
            "header",
            "text",
            Map.of("type", "plain_text", "text", truncate(message.subject(), 150))));
    if (!message.text().isBlank()) {
      blocks.add(
          Map.of(
              "type",
              "section",
              "text",
              Map.of("type", "mrkdwn", "text", truncate(escape(message.text()), MAX_SECTION))));
    }
    if (!notice.versions().isEmpty()) {
      List<Object> fields = new ArrayList<>();
      for (VersionChange v : notice.versions()) {
        if (fields.size() == MAX_FIELDS) {
          break;
        }
        fields.add(
            Map.of(
                "type",
                "mrkdwn",
                "text",
                escape(
                    "*"
                        + v.component()
                        + "*\n"
                        + (v.from() == null ? "new" : v.from())
                        + " → "
                        + (v.to() == null ? "removed" : v.to()))));
      }
      blocks.add(Map.of("type", "section", "fields", fields));
    }
    List<Object> context = new ArrayList<>();
    context.add(
        Map.of(
            "type",
            "mrkdwn",
            "text",
            escape(notice.severity().wire() + " | " + notice.platform() + " | " + notice.type())));
    notice
        .links()
        .forEach(
            (name, url) ->
                context.add(Map.of("type", "mrkdwn", "text", "<" + url + "|" + name + ">")));
    blocks.add(Map.of("type", "context", "elements", context));
    return Map.of("text", message.subject(), "blocks", blocks);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }
}
