package dev.lockstep.recorder.store;

import dev.lockstep.recorder.projection.UpgradeView;
import dev.lockstep.recorder.projection.ViewJson;
import io.r2dbc.postgresql.codec.Json;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code upgrades} projection table: one row per upgrade, the folded view as JSON plus the
 * columns the list filters on, and how many events it was folded from. Only the projector writes
 * it, and only from the event table; several instances may write one row at once, and the fold of
 * the most events wins (see {@link #upsert}).
 */
public final class ProjectionStore {
  private final Database database;

  public ProjectionStore(Database database) {
    this.database = database;
  }

  /**
   * A view and the size of the story it was folded from: how many stored events (of the upgrade and
   * of its rollbacks) one snapshot of the event table held for it.
   */
  public record Folded(UpgradeView view, int storyEvents) {}

  /** Rows per upsert statement (ten parameters each, well below PostgreSQL's 65535). */
  static final int VIEWS_PER_STATEMENT = 500;

  private static final int COLUMNS = 10;
  private static final String UPSERT_COLUMNS =
      "INSERT INTO upgrades (upgrade_id, platform, mode, status, requested_by, started_at,"
          + " ended_at, last_event, view, story_events) VALUES ";

  /**
   * The event table only grows, and each fold reads one snapshot of it, so of two folds of one
   * upgrade the one from more events is the newer: a fold from fewer (an instance that read before
   * another instance's batch was committed, or one that wakes from a pause after its partitions
   * moved) never replaces it. A fold from as many events holds the same events and replaces it.
   */
  private static final String ON_CONFLICT =
      " ON CONFLICT (upgrade_id) DO UPDATE SET platform = EXCLUDED.platform,"
          + " mode = EXCLUDED.mode, status = EXCLUDED.status,"
          + " requested_by = EXCLUDED.requested_by, started_at = EXCLUDED.started_at,"
          + " ended_at = EXCLUDED.ended_at, last_event = EXCLUDED.last_event,"
          + " view = EXCLUDED.view, story_events = EXCLUDED.story_events"
          + " WHERE upgrades.story_events <= EXCLUDED.story_events";

  /** Writes (or replaces) the views, each unless the stored one was folded from more events. */
  public void upsert(Collection<Folded> views) {
    if (views.isEmpty()) {
      return;
    }
    database.inTransaction(
        session -> {
          upsert(session, views);
          return null;
        });
  }

  /**
   * Writes every view of a rebuild in one transaction, each unless another instance's live ingest
   * has meanwhile stored one folded from more events, and removes the projections that no stored
   * event names.
   */
  public void replaceAll(Collection<Folded> views) {
    database.inTransaction(
        session -> {
          session.update(
              "DELETE FROM upgrades WHERE NOT EXISTS"
                  + " (SELECT 1 FROM events WHERE events.upgrade_id = upgrades.upgrade_id)",
              List.of());
          upsert(session, views);
          return null;
        });
  }

  /**
   * Upserts the views with multi-row statements. One statement may not touch a row twice, so of two
   * views of one upgrade only the one from the larger story (the later of equals) is written.
   */
  private static void upsert(Database.Session session, Collection<Folded> views) {
    Map<String, Folded> latest = new LinkedHashMap<>();
    for (Folded folded : views) {
      Folded known = latest.get(folded.view().upgradeId());
      if (known == null || known.storyEvents() <= folded.storyEvents()) {
        latest.remove(folded.view().upgradeId());
        latest.put(folded.view().upgradeId(), folded);
      }
    }
    List<Folded> unique = new ArrayList<>(latest.values());
    for (int from = 0; from < unique.size(); from += VIEWS_PER_STATEMENT) {
      List<Folded> chunk =
          unique.subList(from, Math.min(unique.size(), from + VIEWS_PER_STATEMENT));
      StringBuilder sql = new StringBuilder(UPSERT_COLUMNS);
      List<Object> binds = new ArrayList<>(chunk.size() * COLUMNS);
      for (int r = 0; r < chunk.size(); r++) {
        sql.append(r == 0 ? "(" : ",(");
        for (int c = 1; c <= COLUMNS; c++) {
          sql.append(c == 1 ? "" : ",").append('$').append(r * COLUMNS + c);
        }
        sql.append(')');
        UpgradeView view = chunk.get(r).view();
        binds.add(view.upgradeId());
        binds.add(view.platform());
        binds.add(EventStore.orNull(view.mode()));
        binds.add(view.status().wire());
        binds.add(EventStore.orNull(view.requestedBy()));
        binds.add(time(view.startedAt()));
        binds.add(time(view.endedAt()));
        binds.add(time(view.lastEventAt()));
        binds.add(Json.of(ViewJson.write(view)));
        binds.add(chunk.get(r).storyEvents());
      }
      session.update(sql.append(ON_CONFLICT).toString(), binds);
    }
  }

  private static Object time(java.time.Instant instant) {
    return instant == null
        ? new Database.Null(OffsetDateTime.class)
        : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** One upgrade's view. */
  public Optional<UpgradeView> find(String upgradeId) {
    return database
        .withSession(
            session ->
                session.query(
                    "SELECT view FROM upgrades WHERE upgrade_id = $1",
                    List.of(upgradeId),
                    row -> ViewJson.readView(row.get("view", Json.class).asString())))
        .stream()
        .findFirst();
  }

  /**
   * The views that match every given filter (null: any), newest activity first.
   *
   * @param platform only this platform
   * @param status only this status (its wire name)
   * @param mode only upgrades or only rollbacks
   * @param limit at most this many
   */
  public List<UpgradeView> list(String platform, String status, String mode, int limit) {
    List<Object> binds = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT view FROM upgrades WHERE true");
    if (platform != null) {
      binds.add(platform);
      sql.append(" AND platform = $").append(binds.size());
    }
    if (status != null) {
      binds.add(status);
      sql.append(" AND status = $").append(binds.size());
    }
    if (mode != null) {
      binds.add(mode);
      sql.append(" AND mode = $").append(binds.size());
    }
    binds.add(limit);
    sql.append(" ORDER BY last_event DESC, upgrade_id LIMIT $").append(binds.size());
    return database.withSession(
        session ->
            session.query(
                sql.toString(),
                binds,
                row -> ViewJson.readView(row.get("view", Json.class).asString())));
  }
}
