package dev.lockstep.events.requests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.UpgradeRequested;
import dev.lockstep.manifest.Component;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * docs/producing-requests.md tells producers what to send: the kcat one-liner's headers and key
 * with the JSON data shown there are read by the codec that every service uses, as the request the
 * page says, with the fields the manifest lets a writer leave out left out.
 */
class ProducingRequestsDocTest {
  private static final Path DOC = Path.of("../docs/producing-requests.md");

  @Test
  void theKcatOneLinerAndTheJsonDataOfTheGuideAreAValidRequest() throws Exception {
    String doc = Files.readString(DOC);
    String kcat = block(doc, "sh");
    String data = block(doc, "json");
    Map<String, String> headers = new LinkedHashMap<>();
    Matcher h = Pattern.compile("-H ([a-z_-]+)=(\\S+)").matcher(kcat);
    while (h.find()) {
      headers.put(h.group(1), h.group(2));
    }
    Matcher key = Pattern.compile(" -k (\\S+)").matcher(kcat);
    assertThat(key.find()).as("the one-liner sets the key").isTrue();
    RecordHeaders kafkaHeaders = new RecordHeaders();
    headers.forEach((k, v) -> kafkaHeaders.add(k, v.getBytes(StandardCharsets.UTF_8)));

    EventEnvelope event =
        EventCodec.standard().fromKafka(kafkaHeaders, data.getBytes(StandardCharsets.UTF_8));

    UpgradeRequested request = event.dataAs(UpgradeRequested.class);
    assertThat(kcat).contains("-t lockstep.requests");
    assertThat(key.group(1)).isEqualTo(event.platform()).isEqualTo(request.platform());
    assertThat(event.subject()).isEqualTo(request.upgradeId());
    assertThat(event.version()).isEqualTo(3);
    Component postgres = request.release().component("postgres").orElseThrow();
    assertThat(postgres.drain()).isEmpty();
    assertThat(postgres.gates()).isEmpty();
    assertThat(postgres.requires()).isEmpty();
    assertThat(data).doesNotContain("drain").doesNotContain("\"gates\"");
  }

  /** The first fenced block of a language. */
  static String block(String doc, String language) {
    int start = doc.indexOf("```" + language + "\n");
    assertThat(start).as("a ```" + language + " block").isNotNegative();
    int from = start + language.length() + 4;
    return doc.substring(from, doc.indexOf("```", from));
  }
}
