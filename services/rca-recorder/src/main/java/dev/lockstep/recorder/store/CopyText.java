package dev.lockstep.recorder.store;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Event rows in PostgreSQL's {@code COPY} text format: one line per row, columns separated by tabs,
 * {@code \N} for null, and backslash, tab, newline and carriage return escaped with a backslash.
 * Pure. Any other character goes as it is, so a character the database refuses (a NUL) fails the
 * {@code COPY} with a data exception (SQLSTATE class 22), as it would fail an {@code INSERT}.
 */
final class CopyText {
  private CopyText() {}

  /**
   * The rows as {@code COPY} input for the columns {@link EventStore#STAGED_COLUMNS} (numbered: the
   * event columns, then the row's position in the list), or for {@link EventStore#COLUMNS} (not
   * numbered).
   */
  static byte[] of(List<EventRow> rows, boolean numbered) {
    StringBuilder text = new StringBuilder(rows.size() * 512);
    for (int n = 0; n < rows.size(); n++) {
      EventRow row = rows.get(n);
      field(text, row.eventId()).append('\t');
      field(text, row.topic()).append('\t');
      text.append(row.partition()).append('\t');
      text.append(row.offset()).append('\t');
      field(text, row.type()).append('\t');
      text.append(row.schemaVersion()).append('\t');
      field(text, row.source()).append('\t');
      field(text, row.platform()).append('\t');
      field(text, row.subject()).append('\t');
      field(text, row.upgradeId()).append('\t');
      field(text, row.rollbackOf()).append('\t');
      text.append(row.time()).append('\t');
      field(text, row.traceId()).append('\t');
      field(text, row.traceparent()).append('\t');
      field(text, row.causationId()).append('\t');
      field(text, row.dataJson());
      if (numbered) {
        text.append('\t').append(n);
      }
      text.append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static StringBuilder field(StringBuilder text, String value) {
    if (value == null) {
      return text.append("\\N");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> text.append("\\\\");
        case '\t' -> text.append("\\t");
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        default -> text.append(c);
      }
    }
    return text;
  }
}
