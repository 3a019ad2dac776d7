package dev.lockstep.notifier.feed;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells the open streams of a team about entries committed to its feed. In memory: a stream that
 * misses an entry (it was not connected) finds it in the store when it resumes.
 */
public final class FeedBus {
  private final Map<String, List<Consumer<FeedEntry>>> listeners = new ConcurrentHashMap<>();

  /** Registers a listener for a team's new entries. */
  public void subscribe(String team, Consumer<FeedEntry> listener) {
    listeners.computeIfAbsent(team, t -> new CopyOnWriteArrayList<>()).add(listener);
  }

  /** Removes a listener. */
  public void unsubscribe(String team, Consumer<FeedEntry> listener) {
    List<Consumer<FeedEntry>> list = listeners.get(team);
    if (list != null) {
      list.remove(listener);
    }
  }

  /** Passes a committed entry to the team's listeners. */
  public void published(FeedEntry entry) {
    for (Consumer<FeedEntry> listener : listeners.getOrDefault(entry.team(), List.of())) {
      listener.accept(entry);
    }
  }
}
