package dev.lockstep.notifier;

import dev.lockstep.events.EventCatalog;
import dev.lockstep.notifier.advance.AdvanceNotices;
import dev.lockstep.notifier.channel.AllowedHosts;
import dev.lockstep.notifier.channel.ChannelPolicy;
import dev.lockstep.notifier.channel.ChannelSender;
import dev.lockstep.notifier.channel.EmailSender;
import dev.lockstep.notifier.channel.GrafanaSender;
import dev.lockstep.notifier.channel.Secrets;
import dev.lockstep.notifier.channel.SlackSender;
import dev.lockstep.notifier.channel.WebhookSender;
import dev.lockstep.notifier.delivery.Backoff;
import dev.lockstep.notifier.delivery.DeliveryEngine;
import dev.lockstep.notifier.delivery.DeliveryLog;
import dev.lockstep.notifier.feed.FeedBus;
import dev.lockstep.notifier.feed.FeedFollower;
import dev.lockstep.notifier.feed.FeedStore;
import dev.lockstep.notifier.intake.EventIntake;
import dev.lockstep.notifier.intake.NoticeIntake;
import dev.lockstep.notifier.intake.PlanStore;
import dev.lockstep.notifier.message.NoticeFactory;
import dev.lockstep.notifier.store.Database;
import dev.lockstep.notifier.subscription.SubscriptionStore;
import dev.lockstep.notifier.templates.MessageTemplates;
import dev.lockstep.runtime.kafka.EventPublisher;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import io.micronaut.core.type.Argument;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import org.postgresql.ds.PGSimpleDataSource;

/** Wires the notifier's parts from its configuration ({@code lockstep.notifier.*}). */
@Factory
public class NotifierFactory {

  @Singleton
  Database database(
      @Value("${lockstep.postgres.url:`jdbc:postgresql://localhost:5432/lockstep`}") String url,
      @Value("${lockstep.postgres.username:lockstep}") String username,
      @Value("${lockstep.postgres.password:}") String password) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(url);
    dataSource.setUser(username);
    if (!password.isEmpty()) {
      dataSource.setPassword(password);
    }
    Database database = new Database(dataSource);
    database.migrate();
    return database;
  }

  /**
   * The declared secrets: {@code lockstep.notifier.secrets.*} and the files of {@code
   * lockstep.notifier.secret-files}; nothing else of the process's environment.
   */
  @Singleton
  Secrets secrets(
      Environment environment,
      @Value("${lockstep.notifier.secret-files:/etc/lockstep/notifier-secrets}") String directory) {
    Map<String, String> configured = new TreeMap<>();
    environment
        .getProperties("lockstep.notifier.secrets", StringConvention.RAW)
        .forEach(
            (name, value) -> {
              if (value instanceof CharSequence || value instanceof Number) {
                configured.put(name, value.toString());
              }
            });
    return new Secrets(
        configured, directory.isBlank() ? null : Path.of(directory).toAbsolutePath().normalize());
  }

  @Singleton
  ChannelPolicy channelPolicy(Secrets secrets, Environment environment) {
    return new ChannelPolicy(
        secrets,
        AllowedHosts.of(
            environment
                .getProperty("lockstep.notifier.allowed-hosts", Argument.listOf(String.class))
                .orElse(List.of())));
  }

  @Singleton
  SubscriptionStore subscriptionStore(Database database) {
    return new SubscriptionStore(database);
  }

  @Singleton
  DeliveryLog deliveryLog(Database database) {
    return new DeliveryLog(database);
  }

  @Singleton
  FeedStore feedStore(Database database) {
    return new FeedStore(database);
  }

  @Singleton
  FeedBus feedBus() {
    return new FeedBus();
  }

  @Singleton
  @Bean(preDestroy = "close")
  FeedFollower feedFollower(Database database, FeedStore store, FeedBus bus) {
    return new FeedFollower(database, store, bus);
  }

  @Singleton
  PlanStore planStore() {
    return new PlanStore();
  }

  @Singleton
  MessageTemplates templates(@Value("${lockstep.notifier.templates-dir:}") String dir) {
    return new MessageTemplates(dir.isBlank() ? null : Path.of(dir));
  }

  @Singleton
  NoticeFactory noticeFactory(@Value("${lockstep.notifier.links-base-url:}") String base) {
    return new NoticeFactory(base);
  }

  @Singleton
  @Bean(preDestroy = "close")
  DeliveryEngine deliveryEngine(
      DeliveryLog log,
      ChannelPolicy policy,
      SubscriptionStore subscriptions,
      EventPublisher publisher,
      EventCatalog catalog,
      Clock clock,
      @Value("${lockstep.notifier.http-timeout:10s}") Duration timeout,
      @Value("${lockstep.notifier.retry.initial:1s}") Duration initial,
      @Value("${lockstep.notifier.retry.max:5m}") Duration max,
      @Value("${lockstep.notifier.retry.max-attempts:8}") int maxAttempts,
      @Value("${lockstep.notifier.delivery-threads:4}") int threads,
      io.micrometer.core.instrument.MeterRegistry meters,
      dev.lockstep.runtime.tracing.EventTracing tracing) {
    List<ChannelSender> senders =
        List.of(
            new WebhookSender(policy, timeout),
            new SlackSender(policy, timeout),
            new EmailSender(policy, timeout),
            new GrafanaSender(policy, timeout));
    return new DeliveryEngine(
        log,
        senders.stream()
            .collect(java.util.stream.Collectors.toMap(ChannelSender::type, sender -> sender)),
        subscriptions::channel,
        new Backoff(initial, max, maxAttempts),
        publisher,
        catalog,
        clock,
        Executors.newScheduledThreadPool(threads, named("notifier-delivery")),
        meters,
        tracing);
  }

  @Singleton
  NoticeIntake noticeIntake(
      MessageTemplates templates, DeliveryLog log, DeliveryEngine engine, FeedStore feeds) {
    return new NoticeIntake(templates, log, engine, feeds);
  }

  @Singleton
  AdvanceNotices advanceNotices(
      Database database,
      PlanStore plans,
      NoticeFactory notices,
      NoticeIntake intake,
      SubscriptionStore subscriptions,
      Clock clock,
      @Value("${lockstep.notifier.advance.lead-times:24h,1h}") String leads) {
    return new AdvanceNotices(
        database,
        plans,
        notices,
        intake,
        subscriptions,
        dev.lockstep.notifier.advance.AdvanceSchedule.parseLeads(leads),
        clock);
  }

  @Singleton
  EventIntake eventIntake(
      Database database,
      PlanStore plans,
      AdvanceNotices advance,
      NoticeFactory notices,
      NoticeIntake intake,
      SubscriptionStore subscriptions,
      Clock clock,
      dev.lockstep.notifier.cdevents.CdEvents cdEvents) {
    return new EventIntake(
        database, plans, advance, notices, intake, subscriptions, clock, cdEvents);
  }

  static java.util.concurrent.ThreadFactory named(String prefix) {
    java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
