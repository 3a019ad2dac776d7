package dev.lockstep.cli.watch;

import dev.lockstep.cli.render.LiveView;
import dev.lockstep.cli.render.ProgressLines;
import dev.lockstep.cli.render.Redraw;
import dev.lockstep.events.Json;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.ZoneId;

/** Where {@code watch} shows what it sees: redrawn in place, as plain lines, or as JSON. */
public interface WatchDisplay {
  /** Shows a look at the upgrade. */
  void show(Snapshot snapshot);

  /** Shows the last look, once the upgrade has ended. */
  default void end(Snapshot snapshot) {}

  /** A terminal: the block of {@link LiveView}, redrawn in place with ANSI escapes. */
  static WatchDisplay live(PrintWriter out, Clock clock, ZoneId zone, int columns) {
    Redraw redraw = new Redraw(columns);
    return snapshot -> {
      out.print(redraw.frame(LiveView.of(snapshot.upgrade(), clock.instant(), zone)));
      out.flush();
    };
  }

  /** Not a terminal: one plain line per change ({@link ProgressLines}). */
  static WatchDisplay plain(PrintWriter out, ZoneId zone) {
    return new WatchDisplay() {
      private Snapshot previous;

      @Override
      public void show(Snapshot snapshot) {
        for (String line :
            ProgressLines.changes(
                previous == null ? null : previous.upgrade(), snapshot.upgrade(), zone)) {
          out.println(line);
        }
        out.flush();
        previous = snapshot;
      }
    };
  }

  /** {@code --output json}: nothing while it runs, then the recorder's last answer. */
  static WatchDisplay json(PrintWriter out) {
    return new WatchDisplay() {
      @Override
      public void show(Snapshot snapshot) {}

      @Override
      public void end(Snapshot snapshot) {
        try {
          out.println(
              Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(snapshot.json()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new IllegalStateException("cannot write JSON", e);
        }
        out.flush();
      }
    };
  }
}
