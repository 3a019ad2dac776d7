package dev.lockstep.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lockstep.events.EventCatalog;
import dev.lockstep.events.EventType;
import dev.lockstep.events.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Topics and ACLs as code agree with the event contract: the topics are the design's, the
 * recorder's topics are kept long enough to rebuild its store, and each service may write only its
 * own topic (and the dead-letter topic) and read what it consumes, in Strimzi, in the plain script
 * and in the chart alike.
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
    Map<String, Acl> strimzi = strimziAcls();
    Map<String, Acl> script = scriptAcls();
    Map<String, Acl> chart = chartTopics();

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
      writes.add(DEADLETTER);

      assertThat(strimzi.get(service).writes).as("%s writes (Strimzi)", service).isEqualTo(writes);
      assertThat(script.get(service).writes).as("%s writes (script)", service).isEqualTo(writes);
      assertThat(chart.get(service).writes).as("%s writes (chart)", service).isEqualTo(owned);
      assertThat(strimzi.get(service).reads).as("%s reads", service).containsAll(consumed);
      assertThat(script.get(service).reads).isEqualTo(strimzi.get(service).reads);
      assertThat(chart.get(service).reads).isEqualTo(strimzi.get(service).reads);
      assertThat(strimzi.get(service).groups).containsExactly(service);
    }
  }

  record Acl(Set<String> reads, Set<String> writes, Set<String> groups) {
    Acl() {
      this(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
    }
  }

  private static Map<String, Acl> strimziAcls() {
    Map<String, Acl> acls = new HashMap<>();
    for (JsonNode user :
        Manifests.readAll(Manifests.ROOT.resolve("deploy/kafka/strimzi/users.yaml"))) {
      Acl acl = acls.computeIfAbsent(user.at("/metadata/name").asText(), u -> new Acl());
      for (JsonNode rule : user.at("/spec/authorization/acls")) {
        String name = rule.at("/resource/name").asText();
        Set<String> operations = new LinkedHashSet<>();
        rule.path("operations").forEach(o -> operations.add(o.asText()));
        assertThat(operations).doesNotContain("All", "Alter", "Delete", "Create");
        if (rule.at("/resource/type").asText().equals("group")) {
          acl.groups.add(name);
        } else if (operations.contains("Write")) {
          acl.writes.add(name);
        } else if (operations.contains("Read")) {
          acl.reads.add(name);
        }
      }
    }
    return acls;
  }

  private static Map<String, Acl> scriptAcls() {
    String script;
    try {
      script = Files.readString(Manifests.ROOT.resolve("deploy/kafka/create-topics-and-acls.sh"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Matcher block = Pattern.compile("<<'ACLS'\\n(.*?)\\nACLS", Pattern.DOTALL).matcher(script);
    assertThat(block.find()).isTrue();
    Map<String, Acl> acls = new HashMap<>();
    for (String line : block.group(1).split("\\n")) {
      String[] fields = line.trim().split("\\s+");
      Acl acl = new Acl();
      acl.reads.addAll(List.of(fields[1].split(",")));
      if (!fields[2].equals("-")) {
        acl.writes.addAll(List.of(fields[2].split(",")));
      }
      acl.writes.add(DEADLETTER);
      acls.put(fields[0], acl);
    }
    return acls;
  }

  private static Map<String, Acl> chartTopics() {
    Map<String, Acl> acls = new HashMap<>();
    for (JsonNode deployment : Manifests.ofKind(Manifests.render(t -> t), "Deployment")) {
      String service = deployment.at("/metadata/labels/app.kubernetes.io~1component").asText();
      Acl acl = new Acl();
      acl.reads.addAll(
          Manifests.csv(deployment.at("/metadata/annotations/lockstep.dev~1reads").asText()));
      acl.writes.addAll(
          Manifests.csv(deployment.at("/metadata/annotations/lockstep.dev~1writes").asText()));
      acls.put(service, acl);
    }
    return acls;
  }
}
