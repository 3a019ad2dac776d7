package dev.lockstep.notifier.cdevents;

import dev.lockstep.events.Topics;
import dev.lockstep.notifier.channel.Secrets;
import dev.lockstep.notifier.delivery.Backoff;
import dev.lockstep.notifier.store.Database;
import dev.lockstep.runtime.kafka.KafkaSettings;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds {@link CdEvents} from {@code lockstep.notifier.cdevents.*}: off unless the operator names
 * an HTTP sink URL or a Kafka topic. Every mistake in that configuration stops the notifier at
 * start with a message that says which setting is wrong and why.
 */
@Factory
public class CdEventsFactory {
  private static final Logger LOG = LoggerFactory.getLogger(CdEventsFactory.class);
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  @Singleton
  @Bean(preDestroy = "close")
  CdEvents cdEvents(
      Database database,
      Secrets secrets,
      KafkaSettings kafka,
      Clock clock,
      @Value("${lockstep.notifier.cdevents.source:/lockstep}") String source,
      @Value("${lockstep.notifier.cdevents.http.url:}") String httpUrl,
      @Value("${lockstep.notifier.cdevents.http.mode:binary}") String httpMode,
      @Value("${lockstep.notifier.cdevents.http.token-secret:}") String tokenSecret,
      @Value("${lockstep.notifier.cdevents.kafka.topic:}") String topic,
      @Value("${lockstep.notifier.cdevents.kafka.mode:binary}") String kafkaMode,
      @Value("${lockstep.notifier.cdevents.kafka.bootstrap-servers:}") String bootstrap,
      @Value("${lockstep.notifier.cdevents.poll-interval:30s}") Duration poll,
      @Value("${lockstep.notifier.links-base-url:}") String linkBase,
      @Value("${lockstep.notifier.http-timeout:10s}") Duration timeout,
      @Value("${lockstep.notifier.retry.initial:1s}") Duration initial,
      @Value("${lockstep.notifier.retry.max:5m}") Duration max) {
    List<String> problems = new ArrayList<>();
    check(source, problems);
    CloudEventsBinding.Mode http = mode("http.mode", httpMode, problems);
    CloudEventsBinding.Mode onKafka = mode("kafka.mode", kafkaMode, problems);
    URI url = httpUrl.isBlank() ? null : url(httpUrl.trim(), problems);
    if (!tokenSecret.isBlank()) {
      if (httpUrl.isBlank()) {
        problems.add("http.token-secret is set but http.url is not");
      } else if (!secrets.declared(tokenSecret.trim())) {
        problems.add(
            "http.token-secret '"
                + tokenSecret.trim()
                + "' is not one of the notifier's declared secrets (lockstep.notifier.secrets,"
                + " lockstep.notifier.secret-files) or has no value");
      }
    }
    String topicName = topic.trim();
    if (!topicName.isEmpty()) {
      if (!TOPIC.matcher(topicName).matches() || topicName.equals(".") || topicName.equals("..")) {
        problems.add(
            "kafka.topic '" + topicName + "' is not a Kafka topic name ([a-zA-Z0-9._-], 1-249)");
      } else if (Topics.EVENT_TOPICS.contains(topicName)) {
        problems.add(
            "kafka.topic '"
                + topicName
                + "' is one of Lockstep's own topics, whose consumers read Lockstep events only");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigurationException(
          "lockstep.notifier.cdevents: " + String.join("; ", problems));
    }
    List<CdEventSink> sinks = new ArrayList<>();
    if (url != null) {
      sinks.add(
          new HttpCdEventSink(
              url, http, secrets, tokenSecret.isBlank() ? null : tokenSecret.trim(), timeout));
    }
    if (!topicName.isEmpty()) {
      Map<String, Object> config = new HashMap<>(kafka.common());
      if (!bootstrap.isBlank()) {
        config.put("bootstrap.servers", bootstrap.trim());
      }
      config.put("client.id", "notifier-cdevents");
      config.put("enable.idempotence", true);
      config.put("acks", "all");
      // A send gives up within the timeout, so that a record is never still in flight when the
      // pump tries it again (that would repeat it, or put it after a later one).
      int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
      config.put("max.block.ms", millis);
      config.put("request.timeout.ms", millis);
      config.put("delivery.timeout.ms", millis);
      config.put("linger.ms", 0);
      sinks.add(new KafkaCdEventSink(topicName, onKafka, config, timeout.plusSeconds(5)));
    }
    ScheduledExecutorService scheduler =
        sinks.isEmpty() ? null : Executors.newScheduledThreadPool(sinks.size(), named());
    CdEvents cdEvents =
        new CdEvents(
            new CdEventMapping(source.trim(), linkBase.trim()),
            new CdEventsOutbox(database),
            sinks,
            new Backoff(initial, max, Integer.MAX_VALUE),
            clock,
            scheduler);
    if (scheduler != null) {
      LOG.info(
          "CDEvents {} to {}{}",
          CdEventMapping.SPEC_VERSION,
          url == null ? "" : "HTTP " + url.getHost() + " (" + httpMode.trim() + ")",
          topicName.isEmpty()
              ? ""
              : (url == null ? "" : " and ")
                  + "topic "
                  + topicName
                  + " ("
                  + kafkaMode.trim()
                  + ")");
      // Sends what an earlier process (or a stopped instance) left, and keeps looking.
      scheduler.scheduleWithFixedDelay(cdEvents::wake, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }
    return cdEvents;
  }

  private static void check(String source, List<String> problems) {
    try {
      if (source.isBlank() || new URI(source.trim()).getRawFragment() != null) {
        problems.add("source '" + source + "' must be a URI reference without a fragment");
      }
    } catch (URISyntaxException e) {
      problems.add("source '" + source + "' is not a URI reference: " + e.getReason());
    }
  }

  private static CloudEventsBinding.Mode mode(String setting, String value, List<String> problems) {
    try {
      return CloudEventsBinding.Mode.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(setting + " '" + value + "' must be binary or structured");
      return CloudEventsBinding.Mode.BINARY;
    }
  }

  private static URI url(String value, List<String> problems) {
    try {
      URI url = new URI(value);
      if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
          || url.getHost() == null) {
        problems.add("http.url must be an absolute http or https URL with a host");
        return null;
      }
      if (url.getUserInfo() != null) {
        problems.add(
            "http.url must not carry credentials; name a bearer token in http.token-secret");
        return null;
      }
      return url;
    } catch (URISyntaxException e) {
      problems.add("http.url is not a URL: " + e.getReason());
      return null;
    }
  }

  private static java.util.concurrent.ThreadFactory named() {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "notifier-cdevents-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
