package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One watch connection of the simulated API server. It replaces the mock server's own watch
 * listener, which waits on the web socket's event loop for its sender to finish when the client
 * closes the watch: a send in flight at that moment then blocks the whole server for 30 s. This one
 * never blocks the event loop; events still go out in order, from a thread of their own.
 */
final class WatchStream extends WebSocketListener {

  private final AttributeSet query;
  private final Set<WatchStream> registry;
  private final Consumer<WatchStream> onOpen;
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          task -> {
            Thread thread = new Thread(task, "simulated-watch");
            thread.setDaemon(true);
            return thread;
          });
  private volatile WebSocket socket;
  private volatile boolean closed;

  /**
   * @param query the attributes an object must match to be sent
   * @param registry the open watches, which this one leaves when it closes
   * @param onOpen sends the initial events once the web socket is open
   */
  WatchStream(AttributeSet query, Set<WatchStream> registry, Consumer<WatchStream> onOpen) {
    this.query = query;
    this.registry = registry;
    this.onOpen = onOpen;
  }

  boolean matches(AttributeSet attributes) {
    return attributes != null && attributes.matches(query);
  }

  /** Queues one watch event for {@code objectJson}, a stored object. */
  void send(Watcher.Action action, String objectJson) {
    if (closed) {
      return;
    }
    String event = "{\"type\":\"" + action.name() + "\",\"object\":" + objectJson + "}";
    try {
      sender.execute(
          () -> {
            WebSocket open = socket;
            if (open != null && !closed) {
              open.send(event);
            }
          });
    } catch (RejectedExecutionException alreadyClosed) {
      // The client went away; nothing to send to.
    }
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    socket = webSocket;
    onOpen.accept(this);
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    webSocket.close(code, reason);
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    close();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable failure, Response response) {
    webSocket.close(1000, failure.getMessage());
    close();
  }

  /** Stops sending, without waiting: this runs on the server's event loop. */
  void close() {
    closed = true;
    registry.remove(this);
    sender.shutdownNow();
  }
}
