package dev.lockstep.notifier.feed;

import dev.lockstep.notifier.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the feed entries that any instance commits to this instance's open streams: listens on
 * {@value FeedStore#CHANNEL} on a connection of its own and, at each notification, hands the
 * entries after the last one it handed on to the {@link FeedBus}, in id order. When the connection
 * breaks it connects again (1 s doubling to 30 s) and catches up from where it was, so a stream
 * misses nothing the store holds.
 */
public final class FeedFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedFollower.class);
  private static final Duration LISTEN_WAIT = Duration.ofSeconds(1);
  private static final Duration MAX_PAUSE = Duration.ofSeconds(30);
  private static final int BATCH = 500;

  private final Database database;
  private final FeedStore store;
  private final FeedBus bus;
  private final AtomicBoolean following = new AtomicBoolean();
  private volatile Thread follower;
  private long last = -1;

  public FeedFollower(Database database, FeedStore store, FeedBus bus) {
    this.database = database;
    this.store = store;
    this.bus = bus;
  }

  /** Starts following on a daemon thread, until {@link #close}; once. */
  public void follow() {
    if (!following.compareAndSet(false, true)) {
      return;
    }
    try {
      last = store.newestId();
    } catch (RuntimeException e) {
      LOG.warn("feeds: the newest entry is not known yet ({}); finding it on connecting", e);
    }
    Thread thread = new Thread(this::listen, "notifier-feeds");
    thread.setDaemon(true);
    follower = thread;
    thread.start();
  }

  private void listen() {
    Duration pause = Duration.ofSeconds(1);
    while (following.get()) {
      try (Connection connection = database.connect();
          Statement statement = connection.createStatement()) {
        statement.execute("LISTEN " + FeedStore.CHANNEL);
        if (last < 0) {
          last = store.newestId();
        } else {
          catchUp();
        }
        pause = Duration.ofSeconds(1);
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (following.get()) {
          PGNotification[] notifications = pg.getNotifications((int) LISTEN_WAIT.toMillis());
          if (notifications != null && notifications.length > 0) {
            catchUp();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!following.get()) {
          return;
        }
        LOG.warn("feeds: not following new entries ({}); connecting again in {}", e, pause);
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
      }
    }
  }

  private void catchUp() {
    List<FeedEntry> entries;
    do {
      entries = store.afterAll(last, BATCH);
      for (FeedEntry entry : entries) {
        bus.published(entry);
        last = entry.id();
      }
    } while (entries.size() == BATCH);
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
}
