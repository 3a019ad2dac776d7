package dev.lockstep.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.subscription.Subscription;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import dev.lockstep.runtime.security.Roles;
import io.micronaut.context.ApplicationContext;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two notifier instances share one database: a subscription change made through one is in force on
 * the other at once (it routes the events of the partitions it owns with it).
 */
class SubscriptionsAcrossInstancesIT {
  private static final String PATH = "/api/v1/subscriptions";

  @Test
  void aChangeMadeThroughOneInstanceIsInForceOnTheOtherAtOnce() throws Exception {
    String database = TestingNotifier.database("notifier_two_instances");
    String group = TestingNotifier.unique("notifier-two");
    Path subscriptions =
        TestingNotifier.subscriptions(
            """
            channels:
              - { name: ops-hook, type: webhook, secretRefs: { url: OPS_HOOK_URL } }
            subscriptions:
              - { team: operators, channels: [ops-hook] }
            """);
    Map<String, Object> secrets =
        Map.of("lockstep.notifier.secrets.OPS_HOOK_URL", "http://127.0.0.1:9/hook");
    ApplicationContext first = TestingNotifier.start(database, group, subscriptions, secrets);
    ApplicationContext second = TestingNotifier.start(database, group, subscriptions, secrets);
    try {
      SubscriptionStore secondStore = second.getBean(SubscriptionStore.class);
      assertThat(secondStore.current().subscriptions())
          .extracting(Subscription::team)
          .containsExactly("operators");

      TestingApi api = new TestingApi(first);
      ObjectNode document = (ObjectNode) Json.mapper().readTree(api.get(PATH, Roles.VIEWER).body());
      ((ArrayNode) document.get("subscriptions"))
          .addObject()
          .put("team", "late-joiners")
          .set("channels", Json.mapper().createArrayNode().add("ops-hook"));
      HttpResponse<String> changed = api.put(PATH, document.toString(), Roles.ADMIN);
      assertThat(changed.statusCode()).isEqualTo(200);

      Poll.until(
          () -> secondStore.current().subscriptions().stream().map(Subscription::team).toList(),
          teams -> teams.contains("late-joiners"),
          Duration.ofSeconds(5));
      assertThat(secondStore.current().subscriptions())
          .extracting(Subscription::team)
          .containsExactly("operators", "late-joiners");
    } finally {
      second.close();
      first.close();
    }
  }
}
