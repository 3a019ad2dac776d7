package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Topics and ACLs as code agree with the event contract: the topics are the design's, the
 * recorder's topics are kept long enough to rebuild its store, and each service may write only its
 * own topic (and the dead-letter topic) and read what it consumes, in the one list
 * (files/kafka-access.txt), in Strimzi, in the plain script and in the chart alike.
 */
class TopicsAndAclsTest {
  private static final String DEADLETTER = Topics.DEADLETTER;

  @Test
  void theTopicsAreTheDesignsInEveryFile() {
    Set<String> strimzi = new TreeSet<>();
    for (JsonNode topic :
        Manifests.readAll(Manifests.ROOT.resolve("deploy/kafka/strimzi/topics.yaml"))) {
      strimzi.add(topic.at("/metadata/name").asText());
      String[] line = Manifests.topicsFile().get(topic.at("/metadata/name").asText());
      assertThat(topic.at("/spec/partitions").asText()).isEqualTo(line[1]);
      assertThat(topic.at("/spec/config/retention.ms").asText()).isEqualTo(line[2]);
    }

    assertThat(Manifests.topicsFile().keySet()).containsExactlyInAnyOrderElementsOf(Topics.ALL);
    assertThat(strimzi).containsExactlyInAnyOrderElementsOf(Topics.ALL);
  }

  @Test
  void theRecordersTopicsAreKeptForeverSoItsStoreCanBeRebuilt() {
    for (String topic : Topics.EVENT_TOPICS) {
      assertThat(Manifests.topicsFile().get(topic)[2]).as(topic).isEqualTo("-1");
    }
  }

  @Test
  void eachServiceWritesOnlyItsOwnTopicAndReadsWhatItConsumes() {
    Map<String, KafkaAccess.Grant> list = KafkaAccess.list();
    Map<String, KafkaAccess.Grant> strimzi = KafkaAccess.strimzi();
    Map<String, KafkaAccess.Grant> script = KafkaAccess.script();
    Map<String, Set<String>[]> chart = chartTopics();

    for (String service : Manifests.SERVICES) {
      Set<String> owned = new TreeSet<>();
      Set<String> consumed = new TreeSet<>();
      for (EventType type : EventCatalog.standard().types()) {
        if (type.producer().equals(service)) {
          owned.add(type.topic());
        }
        if (type.consumers().contains(service)) {
          consumed.add(type.topic());
        }
      }
      if (service.equals("planner")) {
        // The planner's HTTP API puts the requests it accepts on lockstep.requests, as any
        // platform service would, so that HTTP and Kafka requests share one queue.
        owned.add(Topics.REQUESTS);
      }
      Set<String> writes = new TreeSet<>(owned);
      // every consumer parks what it cannot read on the dead-letter topic
      writes.add(DEADLETTER);
      KafkaAccess.Grant listed = list.get(service);
      String principal = listed.principal();

      assertThat(listed.writes()).as("%s writes (kafka-access.txt)", service).isEqualTo(writes);
      assertThat(listed.reads()).as("%s reads (kafka-access.txt)", service).containsAll(consumed);
      assertThat(strimzi.get(principal).writes())
          .as("%s writes (Strimzi)", service)
          .isEqualTo(writes);
      assertThat(script.get(principal).writes())
          .as("%s writes (script)", service)
          .isEqualTo(writes);
      assertThat(chart.get(service)[1]).as("%s writes (chart)", service).isEqualTo(writes);
      assertThat(strimzi.get(principal).reads())
          .as("%s reads (Strimzi)", service)
          .isEqualTo(listed.reads());
      assertThat(script.get(principal).reads())
          .as("%s reads (script)", service)
          .isEqualTo(listed.reads());
      assertThat(chart.get(service)[0]).as("%s reads (chart)", service).isEqualTo(listed.reads());
    }
    assertThat(strimzi.keySet()).hasSize(Manifests.SERVICES.size());
    assertThat(script.keySet()).isEqualTo(strimzi.keySet());
  }

  /**
   * The notifier's optional CDEvents topic (docs/cdevents.md): with {@code CDEVENTS_TOPIC} the
   * script creates it and lets the notifier, and only the notifier, write it; the Strimzi users
   * grant the same; one of Lockstep's own topics is refused.
   */
  @Test
  void theCdeventsTopicIsCreatedAndOnlyTheNotifierMayWriteIt() {
    Map<String, String> cdevents = Map.of("CDEVENTS_TOPIC", "platform.cdevents");
    List<String> calls = KafkaAccess.runScript(cdevents);
    assertThat(calls)
        .anyMatch(
            call ->
                call.startsWith("kafka-topics.sh ")
                    && call.contains("--create")
                    && call.contains("--topic platform.cdevents "));

    Map<String, KafkaAccess.Grant> script = KafkaAccess.script(cdevents);
    Map<String, KafkaAccess.Grant> without = KafkaAccess.script();
    for (KafkaAccess.Grant grant : script.values()) {
      Set<String> expected = new TreeSet<>(without.get(grant.principal()).writes());
      if (grant.principal().equals(KafkaAccess.list().get("notifier").principal())) {
        expected.add("platform.cdevents");
      }
      assertThat(grant.writes()).as("%s writes", grant.principal()).isEqualTo(expected);
      assertThat(grant.reads())
          .as("%s reads", grant.principal())
          .doesNotContain("platform.cdevents");
    }

    String users = KafkaAccess.generatedUsers(cdevents);
    assertThat(users.lines().filter(line -> line.contains("platform.cdevents")))
        .containsExactly(
            "      - { resource: { type: topic, name: platform.cdevents, patternType: literal },"
                + " operations: [Write, Describe] }");
    int granted = users.indexOf("platform.cdevents");
    assertThat(users.substring(users.lastIndexOf("kind: KafkaUser", granted), granted))
        .contains("name: " + KafkaAccess.list().get("notifier").principal());

    assertThatThrownBy(() -> KafkaAccess.runScript(Map.of("CDEVENTS_TOPIC", Topics.PLANS)))
        .hasMessageContaining("may not be one of Lockstep's own topics: lockstep.plans");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Set<String>[]> chartTopics() {
    Map<String, Set<String>[]> topics = new HashMap<>();
    for (JsonNode deployment : Manifests.ofKind(Manifests.render(t -> t), "Deployment")) {
      String service = deployment.at("/metadata/labels/app.kubernetes.io~1component").asText();
      topics.put(
          service,
          new Set[] {
            new TreeSet<>(
                Manifests.csv(deployment.at("/metadata/annotations/lockstep.dev~1reads").asText())),
            new TreeSet<>(
                Manifests.csv(deployment.at("/metadata/annotations/lockstep.dev~1writes").asText()))
          });
    }
    return topics;
  }
}
