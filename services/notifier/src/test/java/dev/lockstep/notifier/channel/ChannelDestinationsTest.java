package dev.lockstep.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.notifier.TestingReceiver;
import dev.lockstep.notifier.message.Notice;
import dev.lockstep.notifier.subscription.ChannelConfig;
import dev.lockstep.notifier.subscription.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a channel's secrets come from (declared ones only, never the process's environment) and
 * where it may send (the operator's allow-list), checked again by the senders themselves.
 */
class ChannelDestinationsTest {
  @TempDir Path directory;

  @Test
  void secretsResolveOnlyFromTheDeclaredOnes() throws Exception {
    Files.writeString(directory.resolve("FILE_TOKEN"), "from-a-file\n");
    Secrets secrets = new Secrets(Map.of("HOOK_URL", "https://hooks.example.com/x"), directory);

    assertThat(secrets.find("HOOK_URL")).contains("https://hooks.example.com/x");
    assertThat(secrets.find("FILE_TOKEN")).contains("from-a-file");
    // Every process has PATH; the notifier's own credentials are environment variables too.
    assertThat(System.getenv("PATH")).isNotBlank();
    assertThat(secrets.declared("PATH")).isFalse();
    assertThat(secrets.declared("LOCKSTEP_SECURITY_JWT_SECRET")).isFalse();
    assertThat(secrets.declared("java.home")).isFalse();
    assertThat(secrets.declared("../FILE_TOKEN")).isFalse();
    assertThat(secrets.declared(directory.resolve("FILE_TOKEN").toString())).isFalse();

    Files.writeString(directory.resolve("FILE_TOKEN"), "rotated");
    assertThat(secrets.find("FILE_TOKEN")).contains("rotated");
  }

  @Test
  void theAllowListMatchesHostsAndSubdomainsOnly() {
    AllowedHosts hosts = AllowedHosts.of(List.of("smtp.example.com", "*.slack.com", "10.0.0.7"));

    assertThat(hosts.allows("SMTP.example.com")).isTrue();
    assertThat(hosts.allows("hooks.slack.com")).isTrue();
    assertThat(hosts.allows("10.0.0.7")).isTrue();
    assertThat(hosts.allows("slack.com")).isFalse();
    assertThat(hosts.allows("evilslack.com")).isFalse();
    assertThat(hosts.allows("smtp.example.com.attacker.io")).isFalse();
    assertThat(hosts.refuseUrl("https://hooks.slack.com/services/T/B/x")).isEmpty();
    assertThat(hosts.refuseUrl("https://hooks.slack.com@169.254.169.254/")).isPresent();
    assertThat(hosts.refuseUrl("file:///etc/passwd")).isPresent();
    assertThat(hosts.refuseUrl("not a url")).isPresent();
    assertThat(AllowedHosts.of(List.of()).allows("localhost")).isFalse();
    assertThatThrownBy(() -> AllowedHosts.of(List.of("*")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSenderRefusesADestinationThatIsNotAllowed() throws Exception {
    try (TestingReceiver receiver = new TestingReceiver()) {
      String url = receiver.url().replace("127.0.0.1", "localhost") + "/hook-secret-path";
      Secrets secrets = new Secrets(Map.of("HOOK_URL", url), null);
      ChannelConfig hook =
          new ChannelConfig("hook", "webhook", Map.of(), Map.of("url", "HOOK_URL"));
      ChannelConfig mail =
          new ChannelConfig(
              "mail",
              "email",
              Map.of("host", "smtp.attacker.example", "to", "x@attacker.example"),
              Map.of());
      ChannelPolicy onlyLoopbackAddress =
          new ChannelPolicy(secrets, AllowedHosts.of(List.of("127.0.0.1")));

      assertThatThrownBy(
              () ->
                  new WebhookSender(onlyLoopbackAddress, Duration.ofSeconds(5))
                      .send(outgoing(hook)))
          .isInstanceOf(DeliveryException.class)
          .hasMessageContaining("not in lockstep.notifier.allowed-hosts")
          .hasMessageNotContaining("hook-secret-path");
      assertThatThrownBy(
              () ->
                  new EmailSender(onlyLoopbackAddress, Duration.ofSeconds(5)).send(outgoing(mail)))
          .isInstanceOf(DeliveryException.class)
          .hasMessageContaining("SMTP host 'smtp.attacker.example' is not in");
      assertThat(receiver.requests()).isEmpty();

      new WebhookSender(
              new ChannelPolicy(secrets, AllowedHosts.of(List.of("localhost"))),
              Duration.ofSeconds(5))
          .send(outgoing(hook));
      assertThat(receiver.requests()).hasSize(1);
    }
  }

  private static Outgoing outgoing(ChannelConfig channel) {
    Notice notice =
        new Notice(
            "n-1",
            "upgrade.started",
            Severity.INFO,
            "dataos-test",
            "u-1",
            Instant.parse("2026-01-01T00:00:00Z"),
            null,
            null,
            null,
            null,
            List.of(),
            null,
            null,
            null,
            null,
            null,
            Map.of(),
            null,
            null);
    return new Outgoing("d-1", "ops", channel, notice, "subject", "text");
  }
}
