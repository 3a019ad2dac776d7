package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.TreeMap;

/**
 * A named channel: its type ({@code webhook}, {@code slack}, {@code email}, {@code grafana}), plain
 * settings (recipients, SMTP host, dashboard), and the names of the secrets it needs (URL, HMAC
 * secret, password, token). Secrets are only ever named here; their values come from the
 * configuration or the environment when a message is sent.
 *
 * @param name unique among channels
 * @param type the channel type
 * @param settings plain, non-secret settings
 * @param secretRefs secret role ({@code url}, {@code hmacSecret}, {@code password}, {@code token})
 *     to the name of the secret
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ChannelConfig(
    String name, String type, Map<String, String> settings, Map<String, String> secretRefs) {

  public ChannelConfig {
    settings = settings == null ? Map.of() : new TreeMap<>(settings);
    secretRefs = secretRefs == null ? Map.of() : new TreeMap<>(secretRefs);
  }

  /** A plain setting, or the fallback. */
  public String setting(String key, String fallback) {
    String value = settings.get(key);
    return value == null || value.isBlank() ? fallback : value;
  }
}
