-- The recorder's event store: one row per event, append-only, unique by event id.
-- Log order is (time, topic, kafka_partition, kafka_offset): see the module's README.
CREATE TABLE events (
    seq             BIGSERIAL PRIMARY KEY,
    event_id        TEXT        NOT NULL UNIQUE,
    topic           TEXT        NOT NULL,
    kafka_partition INTEGER     NOT NULL,
    kafka_offset    BIGINT      NOT NULL,
    type            TEXT        NOT NULL,
    schema_version  INTEGER     NOT NULL,
    source          TEXT        NOT NULL,
    platform        TEXT        NOT NULL,
    subject         TEXT,
    upgrade_id      TEXT,
    rollback_of     TEXT,
    time            TIMESTAMPTZ NOT NULL,
    trace_id        TEXT,
    traceparent     TEXT,
    causation_id    TEXT,
    data            JSONB       NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX events_by_upgrade ON events (upgrade_id, time, topic, kafka_partition, kafka_offset);
CREATE INDEX events_by_rollback_of ON events (rollback_of) WHERE rollback_of IS NOT NULL;
CREATE INDEX events_by_platform ON events (platform, time);

-- Nothing but INSERT may touch the event table.
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event table is append-only';
END;
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- The upgrade projection: derived from the event table only, rebuilt from it at any time.
CREATE TABLE upgrades (
    upgrade_id   TEXT PRIMARY KEY,
    platform     TEXT        NOT NULL,
    mode         TEXT,
    status       TEXT        NOT NULL,
    requested_by TEXT,
    started_at   TIMESTAMPTZ,
    ended_at     TIMESTAMPTZ,
    last_event   TIMESTAMPTZ NOT NULL,
    view         JSONB       NOT NULL
);

CREATE INDEX upgrades_by_platform ON upgrades (platform, last_event);
CREATE INDEX upgrades_by_status ON upgrades (status);

-- Notes people add to an upgrade: the one thing the recorder keeps that is not an event.
CREATE TABLE notes (
    id         BIGSERIAL PRIMARY KEY,
    upgrade_id TEXT        NOT NULL,
    author     TEXT        NOT NULL,
    text       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX notes_by_upgrade ON notes (upgrade_id, created_at);
