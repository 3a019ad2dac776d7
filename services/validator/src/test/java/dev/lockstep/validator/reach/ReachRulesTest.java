package dev.lockstep.validator.reach;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.manifest.HostPattern;
import dev.lockstep.manifest.SpecialAddresses;
import dev.lockstep.validator.provider.Excerpts;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules behind what a gate may reach: allow-list entries, the addresses no gate reaches unless
 * an entry names them, and the excerpt of an answer that may go into an event.
 */
class ReachRulesTest {
  private static boolean allowed(String entry, String host, int port) {
    return HostPattern.parse(entry).orElseThrow().matches(host, port);
  }

  @Test
  void entriesMatchAHostWithOrWithoutAPortAndWildcardsMatchSubdomainsOnly() {
    assertThat(allowed("metis.core", "metis.core", 8080)).isTrue();
    assertThat(allowed("metis.core:8080", "metis.core", 8080)).isTrue();
    assertThat(allowed("metis.core:8080", "metis.core", 8081)).isFalse();
    assertThat(allowed("metis.core", "metis.core.attacker.example", 80)).isFalse();
    assertThat(allowed("*.core.svc.cluster.local", "metis.core.svc.cluster.local", 80)).isTrue();
    assertThat(allowed("*.core.svc.cluster.local", "core.svc.cluster.local", 80)).isFalse();
    assertThat(allowed("*.core.svc.cluster.local", "evilcore.svc.cluster.local", 80)).isFalse();
    assertThat(allowed("[fd00::1]:9090", "[fd00:0::1]", 9090)).isTrue();
    assertThat(allowed("127.0.0.1", "127.0.0.1", 8089)).isTrue();
    assertThat(HostPattern.parse("fd00::1")).isEmpty();
    assertThat(HostPattern.parse("metis.core:http")).isEmpty();
  }

  @Test
  void loopbackLinkLocalAndMetadataAddressesAreSpecialHoweverTheyAreWritten() throws Exception {
    for (String address :
        List.of(
            "169.254.169.254",
            "[fd00:ec2::254]",
            "[::169.254.169.254]",
            "[::ffff:169.254.169.254]",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "0.0.0.0",
            "169.254.10.10",
            "[fe80::1]")) {
      InetAddress parsed =
          SpecialAddresses.literal(address).orElseThrow(() -> new AssertionError(address));
      assertThat(SpecialAddresses.kind(parsed)).as(address).isPresent();
    }
    assertThat(SpecialAddresses.kind(InetAddress.getByName("10.0.0.7"))).isEmpty();
    assertThat(SpecialAddresses.isOddNumericHost("2852039166")).isTrue();
    assertThat(SpecialAddresses.isOddNumericHost("127.1")).isTrue();
    assertThat(SpecialAddresses.isSpecialName("metadata.google.internal")).isTrue();
    assertThat(SpecialAddresses.isSpecialName("api.localhost")).isTrue();
  }

  @Test
  void onlyAnEntryWrittenAsTheAddressAdmitsASpecialAddress() throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    assertThat(HostPattern.parse("127.0.0.1:8089").orElseThrow().admits(loopback, 8089)).isTrue();
    assertThat(HostPattern.parse("127.0.0.1:8089").orElseThrow().admits(loopback, 9000)).isFalse();
    assertThat(HostPattern.parse("*").orElseThrow().admits(loopback, 8089)).isFalse();
    assertThat(HostPattern.parse("localhost").orElseThrow().admits(loopback, 8089)).isFalse();
  }

  @Test
  void anExcerptIsShortAndMasksSecretsAndTokens() {
    String body =
        "{\"AccessKeyId\":\"ASIAQX2EXAMPLE\",\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG\","
            + "\"Token\":\"abc\",\"auth\":\"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\","
            + "\"sent\":\"s3cr3t-token-value\",\"id\":\"a1b2c3d4e5f6a7b8c9d0e1f2a3b4\",\"pad\":\""
            + "y".repeat(300)
            + "\"}";

    String excerpt = Excerpts.of(body, List.of("Bearer s3cr3t-token-value"));

    assertThat(excerpt)
        .hasSizeLessThanOrEqualTo(Excerpts.LIMIT + 3)
        .doesNotContain("wJalrXUtnFEMI")
        .doesNotContain("eyJhbGci")
        .doesNotContain("s3cr3t-token-value")
        .doesNotContain("a1b2c3d4e5f6a7b8c9d0e1f2a3b4")
        .contains("\"SecretAccessKey\":\"***");
    assertThat(Excerpts.of("{\"status\":\"UP\",\"version\":\"2.4.0\"}", List.of()))
        .isEqualTo("{\"status\":\"UP\",\"version\":\"2.4.0\"}");
  }
}
