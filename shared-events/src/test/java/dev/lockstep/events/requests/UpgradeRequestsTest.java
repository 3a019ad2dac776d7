package dev.lockstep.events.requests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.events.ErrorDetail;
import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.events.v1.UpgradeRequested;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The producers' builder makes a record that every consumer reads as the request it describes, with
 * a stable id for a resend, and refuses a bad release before anything is sent.
 */
class UpgradeRequestsTest {
  private static final String RELEASE =
      """
      apiVersion: lockstep.dev/v1
      kind: Release
      metadata: { name: dataos, version: 2.4.0 }
      spec:
        layers: [cloud-kernel, core-kernel]
        components:
          - name: postgres
            layer: cloud-kernel
            version: 15.4.0
            workload: { kind: StatefulSet, namespace: storage, name: postgres }
            image: registry.local/postgres:15.4.0
          - name: metis
            layer: core-kernel
            version: 2.4.0
            requires: { postgres: "^15.x" }
            workload: { kind: Deployment, namespace: core, name: metis }
            image: registry.local/metis:2.4.0
      """;

  private static ConsumerRecord<String, byte[]> delivered(ProducerRecord<String, byte[]> sent) {
    ConsumerRecord<String, byte[]> record =
        new ConsumerRecord<>(sent.topic(), 0, 0L, sent.key(), sent.value());
    sent.headers().forEach(h -> record.headers().add(h));
    return record;
  }

  private static String header(ProducerRecord<String, byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void theRecordIsTheRequestInBinaryModeKeyedByPlatformWithTheUpgradeAsSubject() {
    UpgradeRequests.Request request =
        UpgradeRequests.forPlatform("dataos-prod")
            .upgradeId("up-ci-42")
            .releaseYaml(RELEASE)
            .requestedBy("release-bot")
            .reason("nightly")
            .clock(Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC))
            .build();
    ProducerRecord<String, byte[]> record = request.record();

    EventEnvelope read = EventCodec.standard().fromRecord(delivered(record));

    assertThat(record.topic()).isEqualTo("lockstep.requests");
    assertThat(record.key()).isEqualTo("dataos-prod");
    assertThat(header(record, "ce_type")).isEqualTo("dev.lockstep.upgrade.requested");
    assertThat(header(record, "ce_dataschema"))
        .isEqualTo("urn:lockstep:schema:dev.lockstep.upgrade.requested:v3");
    assertThat(header(record, "ce_subject")).isEqualTo("up-ci-42");
    assertThat(header(record, "ce_traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(read).isEqualTo(request.event());
    UpgradeRequested data = read.dataAs(UpgradeRequested.class);
    assertThat(data.upgradeId()).isEqualTo("up-ci-42");
    assertThat(data.requestedBy()).isEqualTo("release-bot");
    assertThat(data.release().component("metis").orElseThrow().drain()).isEmpty();
    assertThat(read.time()).isEqualTo(Instant.parse("2026-12-06T10:00:00Z"));
  }

  @Test
  void aResendOfTheSameUpgradeIsTheSameEventAndAnotherUpgradeIsAnother() {
    UpgradeRequests.Request first =
        UpgradeRequests.forPlatform("p")
            .upgradeId("up-1")
            .releaseYaml(RELEASE)
            .requestedBy("bot")
            .build();
    UpgradeRequests.Request again =
        UpgradeRequests.forPlatform("p")
            .upgradeId("up-1")
            .releaseYaml(RELEASE)
            .requestedBy("bot")
            .build();
    UpgradeRequests.Request other =
        UpgradeRequests.forPlatform("p")
            .upgradeId("up-2")
            .releaseYaml(RELEASE)
            .requestedBy("bot")
            .build();

    assertThat(again.event().id()).isEqualTo(first.event().id());
    assertThat(other.event().id()).isNotEqualTo(first.event().id());
    assertThat(
            UpgradeRequests.forPlatform("p")
                .releaseYaml(RELEASE)
                .requestedBy("bot")
                .build()
                .upgradeId())
        .as("an id is chosen when none is given")
        .startsWith("up-");
  }

  @Test
  void aBadReleaseAndMissingFieldsAreRefusedBeforeSendingWithEveryProblemAndItsPath() {
    String broken =
        RELEASE.replace("\"^15.x\"", "\">>15\"").replace("layer: core-kernel", "layer: nowhere");

    assertThatThrownBy(
            () -> UpgradeRequests.forPlatform("p").releaseYaml(broken).requestedBy("bot").build())
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(ErrorDetail::code, ErrorDetail::path)
                    .contains(
                        org.assertj.core.groups.Tuple.tuple(
                            "invalid-range", "release.spec.components[1].requires.postgres"),
                        org.assertj.core.groups.Tuple.tuple(
                            "unknown-layer", "release.spec.components[1].layer")));
    assertThatThrownBy(() -> UpgradeRequests.forPlatform(" ").traceparent("nope").build())
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(ErrorDetail::path)
                    .containsExactlyInAnyOrder(
                        "platform", "requestedBy", "traceparent", "release"));
  }
}
