package dev.lockstep.recorder.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Event rows in PostgreSQL's binary {@code COPY} format: a signature, then per row its field count
 * and each field as its length and bytes (-1: null), then -1. Pure. Nothing is escaped and no
 * number or time is written as text, so both the recorder and the database do less per row than
 * with the text format; text goes as UTF-8 as it is, so a character the database refuses (a NUL)
 * fails the {@code COPY} with a data exception (SQLSTATE class 22), as it would fail an {@code
 * INSERT}.
 */
final class CopyBinary {
  private static final byte[] SIGNATURE = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  /** The binary form of {@code jsonb}: a version byte, then the JSON text. */
  private static final int JSONB_VERSION = 1;

  /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in seconds since the Unix epoch. */
  private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

  private CopyBinary() {}

  /**
   * The rows as binary {@code COPY} input for the columns {@link EventStore#STAGED_COLUMNS}
   * (numbered: the event columns with {@code data} as {@code text}, then the row's position in the
   * list), or for {@link EventStore#COLUMNS} (not numbered, {@code data} as {@code jsonb}).
   */
  static byte[] of(List<EventRow> rows, boolean numbered) {
    Out out = new Out(rows.size() * 640 + SIGNATURE.length + 2);
    out.write(SIGNATURE, 0, SIGNATURE.length);
    for (int n = 0; n < rows.size(); n++) {
      EventRow row = rows.get(n);
      out.int16(numbered ? 17 : 16);
      out.text(row.eventId());
      out.text(row.topic());
      out.int32Field(row.partition());
      out.int64Field(row.offset());
      out.text(row.type());
      out.int32Field(row.schemaVersion());
      out.text(row.source());
      out.text(row.platform());
      out.text(row.subject());
      out.text(row.upgradeId());
      out.text(row.rollbackOf());
      out.int64Field(micros(row.time()));
      out.text(row.traceId());
      out.text(row.traceparent());
      out.text(row.causationId());
      if (numbered) {
        out.text(row.dataJson());
        out.int32Field(n);
      } else {
        out.jsonb(row.dataJson());
      }
    }
    out.int16(-1);
    return out.bytes();
  }

  /** Microseconds since PostgreSQL's epoch; the time is already whole microseconds. */
  private static long micros(Instant time) {
    return (time.getEpochSecond() - POSTGRES_EPOCH_SECONDS) * 1_000_000L + time.getNano() / 1000;
  }

  /**
   * A growing byte buffer that writes big-endian numbers and length-prefixed fields (not a {@code
   * ByteArrayOutputStream}: its methods lock, once per byte written here).
   */
  private static final class Out {
    private byte[] buf;
    private int count;

    Out(int size) {
      buf = new byte[size];
    }

    private void room(int more) {
      if (count + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
      }
    }

    void write(byte[] bytes, int from, int length) {
      room(length);
      System.arraycopy(bytes, from, buf, count, length);
      count += length;
    }

    void write(int value) {
      room(1);
      buf[count++] = (byte) value;
    }

    void int16(int value) {
      room(2);
      buf[count++] = (byte) (value >>> 8);
      buf[count++] = (byte) value;
    }

    void int32(int value) {
      room(4);
      buf[count++] = (byte) (value >>> 24);
      buf[count++] = (byte) (value >>> 16);
      buf[count++] = (byte) (value >>> 8);
      buf[count++] = (byte) value;
    }

    void int32Field(int value) {
      int32(4);
      int32(value);
    }

    void int64Field(long value) {
      int32(8);
      int32((int) (value >>> 32));
      int32((int) value);
    }

    void text(String value) {
      if (value == null) {
        int32(-1);
        return;
      }
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      int32(bytes.length);
      write(bytes, 0, bytes.length);
    }

    void jsonb(String value) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      int32(bytes.length + 1);
      write(JSONB_VERSION);
      write(bytes, 0, bytes.length);
    }

    byte[] bytes() {
      return count == buf.length ? buf : Arrays.copyOf(buf, count);
    }
  }
}
