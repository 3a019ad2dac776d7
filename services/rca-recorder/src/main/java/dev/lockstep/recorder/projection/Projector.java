package dev.lockstep.recorder.projection;

import dev.lockstep.events.EventCodec;
import dev.lockstep.events.EventDecodingException;
import dev.lockstep.events.EventEnvelope;
import dev.lockstep.recorder.store.Database;
import dev.lockstep.recorder.store.EventRow;
import dev.lockstep.recorder.store.EventStore;
import dev.lockstep.recorder.store.ProjectionStore;
import dev.lockstep.recorder.store.StoredEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the upgrade projections in step with the event table: after each batch it folds again every
 * upgrade the batch touched (and the upgrade a touched rollback rolls back), reading their stories
 * with one query; a rebuild folds every upgrade the table names and writes all projections at once.
 * It reads nothing but the event table. Two writers may fold one upgrade at once (an instance
 * finishing its batch after its partitions moved to another, a rebuild beside live ingest): every
 * story is read in one snapshot and the store keeps, of two folds of one upgrade, the one from more
 * events.
 */
public final class Projector {
  private static final Logger LOG = LoggerFactory.getLogger(Projector.class);
  private static final int DECODED_CACHE = 50_000;
  private static final int REBUILD_PART = 200;

  private final EventStore events;
  private final ProjectionStore projections;
  private final EventCodec codec;

  /** Envelopes decoded by {@link #refresh}, by event id, least recently used evicted first. */
  private final Map<String, EventEnvelope> decoded =
      new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EventEnvelope> eldest) {
          return size() > DECODED_CACHE;
        }
      };

  public Projector(EventStore events, ProjectionStore projections, EventCodec codec) {
    this.events = events;
    this.projections = projections;
    this.codec = codec;
  }

  /**
   * Takes events just stored as their stored rows would decode, so that no fold decodes them again:
   * a row never changes once stored. Only events that were new to the table belong here (an event
   * id already stored keeps the row stored first), each with its time as the table keeps it.
   */
  public void remember(Collection<EventEnvelope> stored) {
    synchronized (decoded) {
      for (EventEnvelope event : stored) {
        decoded.put(event.id(), event);
      }
    }
  }

  /**
   * Folds again the given upgrades and the upgrades they roll back, and stores their views. The
   * stories of all of them are read with one query, in one snapshot of the event table: their
   * events' ids in log order, and the rows only of the events not decoded before (a row never
   * changes once stored, so an event decoded by an earlier batch, or remembered when it was stored,
   * is taken from a bounded cache); each view is still a full fold of its story, exactly what
   * {@link #fold} gives. Another instance may refresh the same upgrade at the same time from
   * another snapshot: the store keeps the fold of the larger story, so the projection never goes
   * back.
   */
  public void refresh(Collection<String> upgradeIds) {
    if (upgradeIds.isEmpty()) {
      return;
    }
    projections.upsert(
        events.inSnapshot(
            session -> {
              Set<String> affected = new LinkedHashSet<>(upgradeIds);
              affected.addAll(EventStore.rolledBackBy(session, upgradeIds));
              return foldAll(session, affected);
            }));
  }

  /** Folds the stories of the given upgrades, read in the session (one snapshot). */
  private List<ProjectionStore.Folded> foldAll(Database.Session session, Set<String> affected) {
    Map<String, List<String>> rollbacks = EventStore.rollbacksOf(session, affected);
    Set<String> read = new LinkedHashSet<>(affected);
    rollbacks.values().forEach(read::addAll);
    List<EventStore.Placed> places = EventStore.placesOf(session, read);
    Map<String, EventEnvelope> envelopes = envelopes(session, places);
    Map<String, List<EventStore.Placed>> stories =
        Stories.split(affected, rollbacks, places, EventStore.Placed::upgradeId);
    List<ProjectionStore.Folded> views = new ArrayList<>();
    for (Map.Entry<String, List<EventStore.Placed>> story : stories.entrySet()) {
      List<EventEnvelope> folded = new ArrayList<>(story.getValue().size());
      for (EventStore.Placed place : story.getValue()) {
        EventEnvelope envelope = envelopes.get(place.eventId());
        if (envelope != null) {
          folded.add(envelope);
        }
      }
      int size = story.getValue().size();
      UpgradeFold.fold(story.getKey(), folded)
          .ifPresent(view -> views.add(new ProjectionStore.Folded(view, size)));
    }
    return views;
  }

  /**
   * The placed events decoded, by id: from the cache, else read (in the session) and decoded once;
   * an unreadable row has no entry.
   */
  private Map<String, EventEnvelope> envelopes(
      Database.Session session, List<EventStore.Placed> places) {
    Map<String, EventEnvelope> envelopes = new HashMap<>(places.size() * 2);
    List<String> missing = new ArrayList<>();
    synchronized (decoded) {
      for (EventStore.Placed place : places) {
        EventEnvelope known = decoded.get(place.eventId());
        if (known != null) {
          envelopes.put(place.eventId(), known);
        } else {
          missing.add(place.eventId());
        }
      }
    }
    for (EventRow row : EventStore.rowsOf(session, missing)) {
      EventEnvelope envelope = decodeOnce(row);
      if (envelope != null) {
        envelopes.put(row.eventId(), envelope);
      }
    }
    return envelopes;
  }

  /**
   * The stored row decoded, from the cache when an earlier refresh decoded it; null: unreadable.
   */
  private EventEnvelope decodeOnce(EventRow row) {
    synchronized (decoded) {
      EventEnvelope known = decoded.get(row.eventId());
      if (known != null) {
        return known;
      }
    }
    EventEnvelope envelope;
    try {
      envelope = StoredEvent.of(row, codec).envelope();
    } catch (EventDecodingException e) {
      LOG.warn("stored event {} cannot be read and is left out: {}", row.eventId(), e.getMessage());
      return null;
    }
    synchronized (decoded) {
      decoded.put(row.eventId(), envelope);
    }
    return envelope;
  }

  /**
   * Rebuilds every projection from the event table, writing all of them in one transaction. The
   * stories are read a few hundred upgrades at a time, each part in one snapshot.
   *
   * @return how many upgrades were projected
   */
  public int rebuild() {
    List<String> upgradeIds = events.upgradeIds();
    List<ProjectionStore.Folded> views = new ArrayList<>();
    for (int from = 0; from < upgradeIds.size(); from += REBUILD_PART) {
      Set<String> part =
          new LinkedHashSet<>(
              upgradeIds.subList(from, Math.min(upgradeIds.size(), from + REBUILD_PART)));
      views.addAll(events.inSnapshot(session -> foldAll(session, part)));
    }
    projections.replaceAll(views);
    LOG.info("rebuilt {} upgrade projections from the event table", views.size());
    return views.size();
  }

  /** The view of one upgrade, folded from the table now. */
  public Optional<UpgradeView> fold(String upgradeId) {
    return UpgradeFold.fold(upgradeId, envelopes(story(upgradeId)));
  }

  /** The events of an upgrade and of its rollbacks, in log order, as stored. */
  public List<StoredEvent> story(String upgradeId) {
    Set<String> ids = new LinkedHashSet<>();
    ids.add(upgradeId);
    ids.addAll(events.rollbacksOf(upgradeId));
    List<StoredEvent> story = new ArrayList<>();
    for (EventRow row : events.eventsOf(ids)) {
      try {
        story.add(StoredEvent.of(row, codec));
      } catch (EventDecodingException e) {
        LOG.warn(
            "stored event {} cannot be read and is left out: {}", row.eventId(), e.getMessage());
      }
    }
    return story;
  }

  private static List<EventEnvelope> envelopes(List<StoredEvent> stored) {
    List<EventEnvelope> envelopes = new ArrayList<>(stored.size());
    for (StoredEvent event : stored) {
      envelopes.add(event.envelope());
    }
    return envelopes;
  }
}
