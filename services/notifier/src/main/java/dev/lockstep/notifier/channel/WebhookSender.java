package dev.lockstep.notifier.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lockstep.events.Json;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A generic webhook: the notice as JSON, POSTed to the URL behind the {@code url} secret (its host
 * must be allowed, see {@link ChannelPolicy}). With an {@code hmacSecret} reference the body is
 * signed as GitHub signs its webhooks: header {@value #SIGNATURE_HEADER} = {@code sha256=<hex
 * HMAC-SHA256 of the body>}. Every request carries the delivery id as {@value #IDEMPOTENCY_HEADER}
 * so that a receiver can drop the rare repeat.
 */
public final class WebhookSender implements ChannelSender {
  /** The signature header. */
  public static final String SIGNATURE_HEADER = "X-Lockstep-Signature-256";

  /** The idempotency header: the delivery id. */
  public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

  /** The event type header. */
  public static final String EVENT_HEADER = "X-Lockstep-Event";

  private final ChannelPolicy policy;
  private final HttpSend http;

  public WebhookSender(ChannelPolicy policy, Duration timeout) {
    this.policy = policy;
    this.http = new HttpSend(timeout);
  }

  @Override
  public String type() {
    return "webhook";
  }

  @Override
  public void send(Outgoing message) throws DeliveryException {
    String url = policy.url(message.channel());
    String hmacRef = message.channel().secretRefs().get("hmacSecret");
    String body = body(message);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(IDEMPOTENCY_HEADER, message.deliveryId());
    headers.put("X-Lockstep-Delivery", message.deliveryId());
    headers.put(EVENT_HEADER, message.notice().type());
    List<String> values = new ArrayList<>(List.of(url));
    if (hmacRef != null) {
      String key = policy.secret(message.channel(), "hmacSecret");
      values.add(key);
      headers.put(SIGNATURE_HEADER, "sha256=" + sign(key, body));
    }
    http.send("POST", url, body, headers, "webhook " + message.channel().name(), values);
  }

  /** The HMAC-SHA256 of a body, in lower-case hex. */
  public static String sign(String key, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  private static String body(Outgoing message) throws DeliveryException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("deliveryId", message.deliveryId());
    body.put("team", message.team());
    body.put("channel", message.channel().name());
    body.put("subject", message.subject());
    body.put("text", message.text());
    body.put("notice", message.notice());
    try {
      return Json.mapper().writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new DeliveryException("cannot write the webhook body: " + e.getOriginalMessage());
    }
  }
}
