package dev.lockstep.notifier.subscription;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription document in force. The first start seeds it from the configuration file (YAML,
 * the same shape as the API's JSON); after that PostgreSQL holds it, and {@code PUT
 * /api/v1/subscriptions} replaces it there and here at once. Every other instance learns of the
 * change at once too: the replacing transaction sends a PostgreSQL notification ({@value #CHANNEL})
 * on commit, and each instance {@link #follow follows} them on a connection of its own and reloads
 * the document; when that connection breaks (the database restarts), it connects again with a
 * growing pause and reloads, so a change made meanwhile is not missed.
 */
public final class SubscriptionStore implements AutoCloseable {
  /** The PostgreSQL notification channel a replaced document is announced on. */
  static final String CHANNEL = "lockstep_subscriptions";

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionStore.class);
  private static final Duration LISTEN_WAIT = Duration.ofSeconds(1);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .registerModule(new JavaTimeModule())
          .registerModule(new Jdk8Module());

  private final Database database;
  private final AtomicReference<SubscriptionConfig> current = new AtomicReference<>();
  private final AtomicBoolean following = new AtomicBoolean();
  private volatile Thread follower;

  public SubscriptionStore(Database database) {
    this.database = database;
  }

  /** Reads a subscription document in YAML (or JSON, which is YAML too). */
  public static SubscriptionConfig parseYaml(InputStream in) throws IOException {
    return YAML.readValue(in, SubscriptionConfig.class);
  }

  /**
   * Loads the document in force: the stored one, or else the seed, which is then stored.
   *
   * @param seedFile the configuration file, or null for the sample in the class path
   */
  public SubscriptionConfig load(Path seedFile, Instant now) {
    SubscriptionConfig config =
        database.inTransaction(
            connection -> {
              try (PreparedStatement select =
                      connection.prepareStatement(
                          "SELECT document FROM notifier.subscriptions WHERE id = 1 FOR UPDATE");
                  ResultSet row = select.executeQuery()) {
                if (row.next()) {
                  return Json.mapper().readValue(row.getString(1), SubscriptionConfig.class);
                }
              } catch (JsonProcessingException e) {
                throw new IllegalStateException("the stored subscriptions cannot be read", e);
              }
              SubscriptionConfig seed = seed(seedFile);
              write(connection, seed, now);
              return seed;
            });
    current.set(config);
    return config;
  }

  /** The document in force. */
  public SubscriptionConfig current() {
    SubscriptionConfig config = current.get();
    if (config == null) {
      throw new IllegalStateException("subscriptions are not loaded yet");
    }
    return config;
  }

  /**
   * The stored document and its entity tag, read from PostgreSQL (where another replica may have
   * replaced it).
   */
  public Versioned read() {
    return database.inTransaction(
        connection -> {
          try (PreparedStatement select =
                  connection.prepareStatement(
                      "SELECT document FROM notifier.subscriptions WHERE id = 1");
              ResultSet row = select.executeQuery()) {
            if (!row.next()) {
              throw new IllegalStateException("subscriptions are not loaded yet");
            }
            String text = row.getString(1);
            return new Versioned(
                Json.mapper().readValue(text, SubscriptionConfig.class), etag(text));
          } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored subscriptions cannot be read", e);
          }
        });
  }

  /**
   * Replaces the document (already validated) when the stored one still has one of the entity tags
   * of {@code ifMatch} (an {@code If-Match} header: tags separated by commas, or {@code *}), or
   * unconditionally when {@code ifMatch} is null. The check and the write are one transaction under
   * the row's lock, so of two writers holding the same tag only one succeeds.
   *
   * @return the new document and its tag, or empty when the stored document's tag did not match
   */
  public Optional<Versioned> replace(SubscriptionConfig config, String ifMatch, Instant now) {
    Optional<Versioned> written =
        database.inTransaction(
            connection -> {
              if (ifMatch != null) {
                String stored = null;
                try (PreparedStatement select =
                        connection.prepareStatement(
                            "SELECT document FROM notifier.subscriptions WHERE id = 1 FOR UPDATE");
                    ResultSet row = select.executeQuery()) {
                  if (row.next()) {
                    stored = row.getString(1);
                  }
                }
                if (stored == null || !matches(ifMatch, etag(stored))) {
                  return Optional.empty();
                }
              }
              String text = write(connection, config, now);
              String tag = etag(text);
              try (PreparedStatement notify =
                  connection.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
                notify.setString(1, tag);
                notify.execute();
              }
              return Optional.of(new Versioned(config, tag));
            });
    written.ifPresent(v -> current.set(v.document()));
    return written;
  }

  /**
   * Follows the changes other instances make, on a daemon thread, until {@link #close}: listens on
   * {@value #CHANNEL} and reloads the stored document on each notification and after each
   * (re)connection.
   */
  public void follow() {
    if (!following.compareAndSet(false, true)) {
      return;
    }
    Thread thread = new Thread(this::listen, "notifier-subscriptions");
    thread.setDaemon(true);
    follower = thread;
    thread.start();
  }

  private void listen() {
    Duration pause = Duration.ofSeconds(1);
    while (following.get()) {
      try (Connection connection = database.connect();
          Statement statement = connection.createStatement()) {
        statement.execute("LISTEN " + CHANNEL);
        reload("connected");
        pause = Duration.ofSeconds(1);
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (following.get()) {
          PGNotification[] notifications = pg.getNotifications((int) LISTEN_WAIT.toMillis());
          if (notifications != null && notifications.length > 0) {
            reload("changed through an instance");
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!following.get()) {
          return;
        }
        LOG.warn(
            "subscriptions: not following changes ({}); connecting again in {}",
            e.getMessage(),
            pause);
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
      }
    }
  }

  private void reload(String why) {
    SubscriptionConfig stored = read().document();
    SubscriptionConfig before = current.getAndSet(stored);
    if (before != null && !before.equals(stored)) {
      LOG.info("subscriptions {}: the document in force is replaced", why);
    }
  }

  /** Stops following. */
  @Override
  public void close() {
    following.set(false);
    Thread thread = follower;
    if (thread != null) {
      thread.interrupt();
    }
  }

  /**
   * A document with its entity tag.
   *
   * @param document the document
   * @param etag its strong entity tag, quoted, as the {@code ETag} header carries it
   */
  public record Versioned(SubscriptionConfig document, String etag) {}

  /** The strong entity tag of a stored document: a digest of its text. */
  static String etag(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** RFC 9110's If-Match with strong comparison: {@code *}, or one of the listed tags. */
  static boolean matches(String ifMatch, String etag) {
    for (String tag : ifMatch.split(",")) {
      String t = tag.trim();
      if (t.equals("*") || t.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** A channel of the document in force, by name. */
  public Optional<ChannelConfig> channel(String name) {
    return current().channels().stream().filter(c -> c.name().equals(name)).findFirst();
  }

  private static String write(
      java.sql.Connection connection, SubscriptionConfig config, Instant now)
      throws java.sql.SQLException {
    try (PreparedStatement upsert =
        connection.prepareStatement(
            "INSERT INTO notifier.subscriptions (id, document, updated_at) VALUES (1, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET document = excluded.document,"
                + " updated_at = excluded.updated_at")) {
      String text = Json.mapper().writeValueAsString(config);
      upsert.setString(1, text);
      upsert.setTimestamp(2, Timestamp.from(now));
      upsert.executeUpdate();
      return text;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write subscriptions", e);
    }
  }

  private static SubscriptionConfig seed(Path seedFile) {
    try {
      SubscriptionConfig config;
      if (seedFile != null) {
        try (InputStream in = Files.newInputStream(seedFile)) {
          config = parseYaml(in);
        }
      } else {
        try (InputStream in =
            SubscriptionStore.class.getClassLoader().getResourceAsStream("subscriptions.yml")) {
          if (in == null) {
            throw new IllegalStateException("subscriptions.yml is missing from the class path");
          }
          config = parseYaml(in);
        }
      }
      var errors = config.validate();
      if (!errors.isEmpty()) {
        throw new IllegalStateException("invalid subscriptions file: " + errors);
      }
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the subscriptions file", e);
    }
  }
}
