package dev.lockstep.recorder.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Notes people add to an upgrade (for its post-mortem). They are the one thing the recorder keeps
 * that is not an event, so a rebuild from Kafka does not bring them back; a rebuild from the table
 * leaves them untouched.
 */
public final class NoteStore {
  private final Database database;

  public NoteStore(Database database) {
    this.database = database;
  }

  /** A note. */
  public record Note(long id, String upgradeId, String author, String text, Instant createdAt) {}

  /** Adds a note and gives it back with its id. */
  public Note add(String upgradeId, String author, String text, Instant at) {
    long id =
        database.withSession(
            session ->
                session
                    .query(
                        "INSERT INTO notes (upgrade_id, author, text, created_at)"
                            + " VALUES ($1,$2,$3,$4) RETURNING id",
                        List.of(
                            upgradeId, author, text, OffsetDateTime.ofInstant(at, ZoneOffset.UTC)),
                        row -> row.get("id", Long.class))
                    .get(0));
    return new Note(id, upgradeId, author, text, at);
  }

  /** The notes of an upgrade, oldest first. */
  public List<Note> of(String upgradeId) {
    return database.withSession(
        session ->
            session.query(
                "SELECT * FROM notes WHERE upgrade_id = $1 ORDER BY created_at, id",
                List.of(upgradeId),
                row ->
                    new Note(
                        row.get("id", Long.class),
                        row.get("upgrade_id", String.class),
                        row.get("author", String.class),
                        row.get("text", String.class),
                        EventStore.instant(row, "created_at"))));
  }
}
